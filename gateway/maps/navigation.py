"""`/maps/nav/<code>`: what a map page's header shows (gateway.maps.header), as JSON.

Links run district → street → community → planner, each only where the caller's role may
go: a coverage map of a region node it covers, the planner of a community it may plan
(gateway.maps.planner.may_plan: GRID_WRITERS whose node covers it). The page it is on is
named without a link; the console (工作台) is linked apart. Also the user, the role's label, and the seconds its access token has
left (the page refreshes its session before then).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.auth.web import SESSION_PATH, access_expires_in, page_identity
from gateway.maps.labels import labels_for
from gateway.maps.planner import BASE as PLANNER_BASE
from gateway.maps.planner import may_plan
from services.common.auth import REGION_CODE_LENGTHS, Identity, is_region_code

COVERAGE_BASE = "/maps/coverage"
CONSOLE = "/console"  # gateway.console.nav.HOME (the maps do not import the console)
NAV = "/maps/nav"
_LEVEL_KEYS = {6: "nav_district", 9: "nav_street", 12: "nav_community"}


def links(identity: Identity, code: str, *, page: str, lang: str | None) -> list[dict[str, Any]]:
    """The header's links for the page of `code` (`page`: coverage or planner)."""
    labels = labels_for(lang)
    suffix = "?lang=en" if lang == "en" else ""
    out: list[dict[str, Any]] = []
    for length in REGION_CODE_LENGTHS:
        if length > len(code) or not identity.covers(code[:length]):
            continue
        here = page == "coverage" and length == len(code)
        out.append(
            {
                "key": _LEVEL_KEYS[length].removeprefix("nav_"),
                "text": labels[_LEVEL_KEYS[length]],
                "href": None if here else f"{COVERAGE_BASE}/{code[:length]}{suffix}",
            }
        )
    if len(code) == 12 and may_plan(identity, code):
        out.append(
            {
                "key": "planner",
                "text": labels["nav_planner"],
                "href": None if page == "planner" else f"{PLANNER_BASE}/{code}{suffix}",
            }
        )
    return out


async def navigation(request: Request) -> Response:
    identity = page_identity(request)
    if identity.anonymous:
        return JSONResponse({"detail": "sign in first"}, status_code=401)
    code = request.path_params["code"]
    lang = request.query_params.get("lang")
    page = "planner" if request.query_params.get("page") == "planner" else "coverage"
    if not is_region_code(code):
        return JSONResponse({"detail": "no such region"}, status_code=404)
    labels = labels_for(lang)
    role = identity.role.value if identity.role else ""
    return JSONResponse(
        {
            "user": identity.subject,
            "role": role,
            "roleLabel": labels.get(f"role_{role}", role),
            "links": links(identity, code, page=page, lang=lang),
            "console": CONSOLE + ("?lang=en" if lang == "en" else ""),
            "consoleLabel": labels["nav_console"],
            "signOut": f"{SESSION_PATH}/logout",
            "signOutLabel": labels["sign_out"],
            "refresh": f"{SESSION_PATH}/refresh",
            "expiresIn": access_expires_in(request),
            "expiredLabel": labels["session_expired"],
        }
    )


ROUTES = [Route(NAV + "/{code:str}", navigation, methods=["GET"])]
