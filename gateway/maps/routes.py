"""Map pages served by the gateway, built from the graph through the gateway itself.

- `/maps/coverage`: the caller's own region (the district for district users);
- `/maps/coverage/<code>`: a community (12 digits, inline GeoJSON), a street office
  (9 digits) or a district (6 digits) (vector tiles);
- `/maps/coverage/<code>/print?size=A4|A3`: a community's map laid out for paper;
- `/maps/buildings/<id>`: one building's popup (JSON) for the tiled pages, whose scripts
  cannot call /graphql (it takes bearer tokens only; the sign-in cookie is HttpOnly).

A code outside the caller's region is 403 before anything is asked of the graph, so the
answer says nothing about what lies there; an unknown code in scope is 404.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from gateway.auth.web import page_identity, run_as, sign_in_first
from gateway.maps import queries
from gateway.maps.assets import render_page
from gateway.maps.basemaps import basemap_settings
from gateway.maps.coverage import LABEL_KEYS
from gateway.maps.labels import labels_for
from gateway.maps.navigation import ROUTES as NAV_ROUTES
from gateway.maps.printing import paper, print_view
from gateway.maps.render import community_map, residents_text
from gateway.maps.tiled import region_map
from gateway.security_headers import nonce
from services.common.auth import is_region_code

BASE = "/maps/coverage"
BUILDINGS = "/maps/buildings"
STATIC = "/static"
_ID = re.compile(r"^[0-9a-fA-F-]{1,64}$")


async def _query(request: Request, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The page's data from the graph, as the caller may see it."""
    return (await run_as(request, page_identity(request), query, variables)).get("data") or {}


def _message(lang: str | None, status: int, headline: str, hint: str = "") -> HTMLResponse:
    """A plain page saying what went wrong (and nothing about what lies out of scope)."""
    labels = labels_for(lang)
    body = (
        f"<!doctype html><html lang='{'en' if lang == 'en' else 'zh-CN'}'><head>"
        f"<meta charset='utf-8'><title>{html.escape(headline)}</title></head>"
        "<body style='font-family:sans-serif;max-width:36rem;margin:4rem auto'>"
        f"<h1>{html.escape(headline)}</h1><p>{html.escape(hint)}</p>"
        f"<p><a href='{BASE}{'?lang=en' if lang == 'en' else ''}'>"
        f"{html.escape(labels['district_title'])}</a></p></body></html>"
    )
    return HTMLResponse(body, status_code=status)


def _refusal(request: Request, code: str) -> Response | None:
    """404 for what is no region code at all, 403 for a code outside the caller's region."""
    lang = request.query_params.get("lang")
    labels = labels_for(lang)
    if not is_region_code(code):
        return _message(lang, 404, labels["region_not_found"])
    if not page_identity(request).covers(code):
        return _message(lang, 403, labels["forbidden"], labels["forbidden_hint"])
    return None


def _lang_suffix(lang: str | None) -> str:
    return "?lang=en" if lang == "en" else ""


async def _community_response(request: Request, code: str, *, printed: bool) -> Response:
    lang = request.query_params.get("lang")
    labels = labels_for(lang)
    size = paper(request.query_params.get("size"))
    if printed and size is None:
        return _message(lang, 400, "size: A4 | A3")
    data = await _query(request, queries.COMMUNITY, {"code": code})
    community = data.get("community")
    if not community or not data.get("coverage"):
        return _message(lang, 404, labels["not_found"])
    if lang == "en" and community.get("nameEn"):
        community = {**community, "name": community["nameEn"]}
    street = code[:9]
    links = [
        (labels["street_title"], f"{BASE}/{street}{_lang_suffix(lang)}"),
        (
            f"{labels['print']} A4",
            f"{BASE}/{code}/print?size=A4{'&lang=en' if lang == 'en' else ''}",
        ),
        (
            f"{labels['print']} A3",
            f"{BASE}/{code}/print?size=A3{'&lang=en' if lang == 'en' else ''}",
        ),
    ]
    fmap = community_map(
        community,
        data["coverage"],
        lang=lang,
        static=STATIC,
        basemap=basemap_settings(),
        links=None if printed else links,
    )
    if printed and size is not None:
        print_view(fmap, size=size, title=community["name"], labels=labels, made_on=dt.date.today())
    return HTMLResponse(render_page(fmap, nonce(request)))


async def _worst_buildings(request: Request, code: str, coverage: dict[str, Any]) -> list[str]:
    """Ids of the region's buildings with resident members and no group (see queries)."""
    ids: list[str] = []
    page = coverage.get("worst") or {}
    while True:
        ids += [gap["building"]["id"] for gap in page.get("nodes", []) if gap.get("building")]
        info = page.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            break
        more = await _query(request, queries.MORE_WORST, {"code": code, "after": info["endCursor"]})
        page = (more.get("coverage") or {}).get("worst") or {}
    for gap in (coverage.get("zoneGaps") or {}).get("nodes", []):
        for building in (gap.get("zone") or {}).get("buildings", []):
            if building["coverageState"] == "GAP_WITH_MEMBERS":
                ids.append(building["id"])
    return sorted(set(ids))


async def _region_response(request: Request, code: str) -> Response:
    lang = request.query_params.get("lang")
    data = await _query(request, queries.REGION, {"code": code})
    region = data.get("region")
    if not region:
        return _message(lang, 404, labels_for(lang)["region_not_found"])
    coverage = data.get("coverage")
    worst = await _worst_buildings(request, code, coverage or {})
    fmap = region_map(
        region,
        data.get("communities") or [],
        coverage,
        worst,
        lang=lang,
        static=STATIC,
        base=BASE,
        basemap=basemap_settings(),
    )
    return HTMLResponse(render_page(fmap, nonce(request)))


async def coverage_page(request: Request) -> Response:
    """A community, street office or district by its code."""
    if (redirect := sign_in_first(request)) is not None:
        return redirect
    code = request.path_params["code"]
    if (refused := _refusal(request, code)) is not None:
        return refused
    if len(code) == 12:
        return await _community_response(request, code, printed=False)
    return await _region_response(request, code)


async def print_page(request: Request) -> Response:
    """A community's map laid out for one landscape A4 or A3 sheet."""
    if (redirect := sign_in_first(request)) is not None:
        return redirect
    code = request.path_params["code"]
    if (refused := _refusal(request, code)) is not None:
        return refused
    if len(code) != 12:
        return _message(
            request.query_params.get("lang"),
            404,
            labels_for(request.query_params.get("lang"))["not_found"],
        )
    return await _community_response(request, code, printed=True)


async def home_page(request: Request) -> Response:
    """The caller's own region: the district for district users, their street or
    community for others (the first district for a service caller, who sees everything)."""
    if (redirect := sign_in_first(request)) is not None:
        return redirect
    code = request.query_params.get("region") or page_identity(request).region
    if not code:
        districts = (await _query(request, queries.DISTRICTS, {})).get("regions") or []
        code = districts[0]["code"] if districts else ""
    if (refused := _refusal(request, code)) is not None:
        return refused
    if len(code) == 12:
        lang = request.query_params.get("lang")
        return RedirectResponse(f"{BASE}/{code}{_lang_suffix(lang)}", status_code=303)
    return await _region_response(request, code)


async def building_popup(request: Request) -> Response:
    """One building's popup for the tiled pages, as JSON; 404 when unknown or unseen."""
    identity = page_identity(request)
    if identity.anonymous:
        return JSONResponse({"detail": "sign in first"}, status_code=401)
    building_id = request.path_params["id"]
    labels = labels_for(request.query_params.get("lang"))
    if not _ID.match(building_id):
        return JSONResponse({"detail": "no such building"}, status_code=404)
    data = await _query(request, queries.BUILDING, {"id": building_id})
    building = data.get("building")
    if not building or not identity.covers(building["community"]["code"]):
        return JSONResponse({"detail": "no such building"}, status_code=404)
    zone = building.get("zone") or {}
    return JSONResponse(
        {
            "id": building["id"],
            "name": building["name"],
            "address": building["address"],
            "state": building["coverageState"],
            "stateLabel": labels[LABEL_KEYS[building["coverageState"]]],
            "zone": zone.get("name") or labels["none"],
            "branch": (zone.get("organization") or {}).get("name") or labels["none"],
            "group": (building.get("partyGroup") or {}).get("name") or labels["none"],
            "residents": residents_text(building, labels),
        }
    )


ROUTES = [
    Route(BASE, home_page, methods=["GET"]),
    Route(BASE + "/{code:str}", coverage_page, methods=["GET"]),
    Route(BASE + "/{code:str}/print", print_page, methods=["GET"]),
    Route(BUILDINGS + "/{id:str}", building_popup, methods=["GET"]),
    *NAV_ROUTES,
]
