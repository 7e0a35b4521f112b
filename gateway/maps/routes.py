"""Map pages served by the gateway, built from the graph through the gateway itself."""

from __future__ import annotations

import urllib.parse
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from gateway.auth.tokens import InvalidAccessTokenError
from gateway.auth.web import page_identity
from gateway.http import GraphQLParams
from gateway.maps.labels import labels_for
from gateway.maps.render import community_map, district_map

BASE = "/maps/coverage"
STATIC = "/static"

FIGURES = "buildings covered percent zonesWithoutOrganization gapCounts { buildingWithMembers building orphan }"

COMMUNITY_QUERY = f"""
query CoverageMap($code: String!) {{
  coverage(regionCode: $code) {{ {FIGURES} }}
  community(code: $code) {{
    code name boundary
    organization {{ name kind }}
    zones {{
      name boundary
      organization {{ id name }}
      buildings {{
        id name address footprint coverageState partyGroup {{ id name }} residentMemberCount
      }}
    }}
    orphanBuildings {{ id name address footprint coverageState residentMemberCount }}
  }}
}}"""

DISTRICT_QUERY = f"""
query DistrictCoverage($code: String!) {{
  coverage(regionCode: $code) {{ {FIGURES} communities {{ code {FIGURES} }} }}
  communities(regionCode: $code) {{ code name boundary }}
}}"""

DISTRICTS_QUERY = "query Districts { regions(level: DISTRICT) { code } }"


async def _query(request: Request, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The page's data from the graph, as the caller may see it (nothing for a bad token)."""
    auth = request.app.state.auth
    try:
        identity = page_identity(request)
    except InvalidAccessTokenError:
        return {}
    with auth.serving(identity):
        outcome = await request.app.state.gateway.run(
            GraphQLParams(query=query, variables=variables), method="POST"
        )
    return outcome.body.get("data") or {}


def _sign_in_first(request: Request) -> Response | None:
    """Maps show what the caller may see: nobody signed in is sent to sign in first."""
    try:
        anonymous = page_identity(request).anonymous
    except InvalidAccessTokenError:
        anonymous = True
    if not anonymous:
        return None
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    lang = "&lang=en" if request.query_params.get("lang") == "en" else ""
    return RedirectResponse(f"/login?next={urllib.parse.quote(here)}{lang}", status_code=303)


async def community_page(request: Request) -> Response:
    if (redirect := _sign_in_first(request)) is not None:
        return redirect
    lang = request.query_params.get("lang")
    data = await _query(request, COMMUNITY_QUERY, {"code": request.path_params["code"]})
    if not data.get("community"):
        return HTMLResponse(f"<h1>{labels_for(lang)['not_found']}</h1>", status_code=404)
    return HTMLResponse(
        community_map(data["community"], data["coverage"], lang=lang, static=STATIC)
    )


async def district_page(request: Request) -> Response:
    if (redirect := _sign_in_first(request)) is not None:
        return redirect
    lang = request.query_params.get("lang")
    code = request.query_params.get("region")
    if code is None:
        districts = (await _query(request, DISTRICTS_QUERY, {})).get("regions") or []
        code = districts[0]["code"] if districts else ""
    data = await _query(request, DISTRICT_QUERY, {"code": code})
    communities = data.get("communities") or []
    coverage = data.get("coverage")
    return HTMLResponse(district_map(communities, coverage, lang=lang, static=STATIC, base=BASE))


ROUTES = [
    Route(BASE, district_page, methods=["GET"]),
    Route(BASE + "/{code:str}", community_page, methods=["GET"]),
]
