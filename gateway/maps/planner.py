"""The planner page (`/maps/planner/<community code>`) and the JSON routes its script calls.

`/graphql` takes bearer tokens only and the sign-in cookie is HttpOnly, so the page cannot
call mutations itself: it posts edits to `/maps/planner/<code>/preview`, `/commit` and
`/undo` (and reads `/state`), which accept the cookie, refuse anything not from this site
(Origin / Sec-Fetch-Site) and forward to the grid's planner mutations through the gateway
under the caller's identity, so grid applies the same role and scope checks as for anyone.
"""

from __future__ import annotations

import asyncio
import html
import json
from typing import Any

import shapely
from shapely.ops import split
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from gateway.auth.web import page_identity, run_as, same_origin, sign_in_first
from gateway.maps.coverage import summary_lines
from gateway.maps.labels import labels_for
from gateway.maps.planner_figures import interior_point, place_gaps
from gateway.maps.planner_graph import (
    CHANGE_SET_QUERY,
    CREATE_ORGANIZATION,
    HISTORY_QUERY,
    ORGANIZATIONS_QUERY,
    STATE_QUERY,
    ZONES_QUERY,
    BadEditError,
    mutation_for,
)
from gateway.maps.planner_labels import both, planner_labels
from gateway.maps.planner_page import planner_map
from gateway.security_headers import nonce
from services.common.auth import GRID_WRITERS, ORG_WRITERS, Identity

BASE = "/maps/planner"
STATIC = "/static"
PAGE_QUERY = "query PlannerPage($code: String!) { community(code: $code) { code name boundary } }"


def may_plan(identity: Identity, code: str) -> bool:
    """Planners (and the district) whose region node covers the community."""
    return identity.role in GRID_WRITERS and identity.covers(code)


def _forbidden_page(lang: str | None) -> HTMLResponse:
    t = planner_labels(lang)
    return HTMLResponse(
        f"<!doctype html><html lang='{'en' if lang == 'en' else 'zh-CN'}'><head>"
        f"<meta charset='utf-8'><title>{html.escape(t['forbidden'])}</title></head>"
        f"<body style='font-family:sans-serif;margin:3rem'><h1 id='planner-forbidden'>"
        f"{html.escape(t['forbidden'])}</h1><p>{html.escape(t['forbidden_detail'])}</p>"
        "</body></html>",
        status_code=403,
    )


async def planner_page(request: Request) -> Response:
    if (redirect := sign_in_first(request)) is not None:
        return redirect
    lang = request.query_params.get("lang")
    code = request.path_params["code"]
    identity = page_identity(request)
    if not may_plan(identity, code):
        return _forbidden_page(lang)
    data = (await run_as(request, identity, PAGE_QUERY, {"code": code})).get("data") or {}
    community = data.get("community")
    if not community:
        return HTMLResponse(
            f"<h1>{html.escape(labels_for(lang)['not_found'])}</h1>", status_code=404
        )
    return HTMLResponse(
        planner_map(community, lang=lang, static=STATIC, base=BASE, script_nonce=nonce(request))
    )


def _error(status: int, key: str, code: str) -> JSONResponse:
    message, message_en = both(key)
    error = {"code": code, "message": message, "messageEn": message_en}
    return JSONResponse({"ok": False, "errors": [error]}, status_code=status)


def _refusal(request: Request, *, write: bool) -> tuple[Identity, Response | None]:
    """Who calls a JSON route, or the response refusing them."""
    identity = page_identity(request)
    if write and not same_origin(request):
        return identity, _error(403, "cross_site", "CROSS_SITE")
    if identity.anonymous:
        return identity, _error(401, "sign_in", "UNAUTHENTICATED")
    if not may_plan(identity, request.path_params["code"]):
        return identity, _error(403, "forbidden", "FORBIDDEN")
    return identity, None


def _graph_errors(body: dict) -> list[dict[str, Any]]:
    """GraphQL errors (e.g. FORBIDDEN from grid) in the page's typed shape."""
    errors = []
    for e in body.get("errors") or []:
        extensions = e.get("extensions") or {}
        errors.append(
            {
                "code": extensions.get("code", "ERROR"),
                "message": e.get("message", ""),
                "messageEn": extensions.get("messageEn", e.get("message", "")),
            }
        )
    return errors


async def state(request: Request) -> Response:
    """The community as the page draws it: zones, buildings, groups and coverage."""
    identity, refused = _refusal(request, write=False)
    if refused is not None:
        return refused
    code = request.path_params["code"]
    # The organizations' pages meanwhile: the page loads in the time of the slower one.
    body, (organizations, org_errors) = await asyncio.gather(
        run_as(request, identity, STATE_QUERY, {"code": code}),
        organizations_of(request, identity, code),
    )
    data = body.get("data") or {}
    community = data.get("community")
    if not community:
        errors = _graph_errors(body)
        return JSONResponse({"ok": False, "errors": errors}, status_code=404 if not errors else 502)
    lang = request.query_params.get("lang")
    buildings = [
        {**b, "zoneId": zone["id"], "zoneName": zone["name"]}
        for zone in community["zones"]
        for b in zone["buildings"]
    ] + [{**b, "zoneId": None, "zoneName": None} for b in community["orphanBuildings"]]
    for b in buildings:  # the live figures' point-in-polygon (planner_figures)
        b["at"] = interior_point(b["footprint"])
    gaps, gap_total = place_gaps(data.get("coverage"))
    zones = [{k: v for k, v in z.items() if k != "buildings"} for z in community["zones"]]
    if org_errors:
        return JSONResponse({"ok": False, "errors": org_errors}, status_code=502)
    return JSONResponse(
        {
            "ok": True,
            **organization_lists(organizations, community.get("organization"), identity),
            "community": {k: community[k] for k in ("code", "name", "boundary", "organization")},
            "zones": zones,
            "buildings": buildings,
            "coverage": data.get("coverage"),
            "figures": summary_lines(data["coverage"], labels_for(lang))
            if data.get("coverage")
            else [],
            "changeSets": (data.get("changeSets") or {}).get("totalCount", 0),
            "history": steps_of(data.get("changeSets")),
            "gaps": gaps,
            "gapTotal": gap_total,
        }
    )


async def zone_cut_by(request: Request, identity: Identity, code: str, line: dict) -> dict | None:
    """The zone a drawn line cuts in two (the first, by id), with its version."""
    try:
        cut = shapely.geometry.shape(line)
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException):
        return None
    body = await run_as(request, identity, ZONES_QUERY, {"code": code})
    zones = ((body.get("data") or {}).get("community") or {}).get("zones") or []
    for zone in sorted(zones, key=lambda z: z["id"]):
        shape = shapely.geometry.shape(zone["boundary"])
        if len(shapely.get_parts(split(shape, cut))) > 1:
            return zone
    return None


async def _plan(
    request: Request, *, dry_run: bool, undo: bool = False, redo: bool = False
) -> Response:
    identity, refused = _refusal(request, write=True)
    if refused is not None:
        return refused
    code = request.path_params["code"]
    try:
        edit = json.loads(await request.body() or b"null")
    except ValueError:
        return _error(400, "bad_json", "INVALID")
    if undo or redo:
        # Only the step the page names (`expectedNumber`, checked as for /commit): grid
        # refuses it as STALE when another change set became the next one meanwhile.
        step = edit if isinstance(edit, dict) else {}
        edit = {"op": "undo" if undo else "redo", "expectedNumber": step.get("expectedNumber")}
    # Fields the route chose for the page (the zone a line cuts, and its version): the page
    # sends them back with the commit, so a change in between is a conflict, not a silent
    # cut of the newer shape.
    resolved: dict[str, Any] = {}
    try:
        query, variables = mutation_for(edit, code)
        if edit["op"] == "split" and "zoneId" not in variables:
            zone = await zone_cut_by(request, identity, code, variables["line"])
            if zone is None:
                raise BadEditError(*both("no_zone_cut"))
            resolved = {"zoneId": zone["id"], "expectedVersion": zone["version"]}
            variables |= resolved
    except BadEditError as bad:
        return JSONResponse({"ok": False, "errors": [bad.error()]}, status_code=400)
    body = await run_as(request, identity, query, variables | {"dryRun": dry_run})
    result = (body.get("data") or {}).get("result")
    if result is None:
        errors = _graph_errors(body) or [_unavailable()]
        status = 403 if any(e.get("code") == "FORBIDDEN" for e in errors) else 502
        return JSONResponse({"ok": False, "errors": errors}, status_code=status)
    return JSONResponse(
        {"ok": not result["errors"], "dryRun": dry_run, "result": result, "resolved": resolved}
    )


async def preview(request: Request) -> Response:
    return await _plan(request, dry_run=True)


async def commit(request: Request) -> Response:
    return await _plan(request, dry_run=False)


async def undo(request: Request) -> Response:
    return await _plan(request, dry_run=False, undo=True)


# --- Party groups and branches (orgs.js) ------------------------------------------------
# Who may create them from this page: org writes belong to ORG_WRITERS (DOMAIN.md "Who uses
# the system": the community secretary keeps the community's organizations, the district and
# street offices own them; the grid planner only redraws zones and assigns buildings). The
# page is open to GRID_WRITERS, so of its users only the district creates; a planner is told
# who may. The route does not decide it: it forwards createOrganization as the caller and org
# checks role, scope and plan-二 placement; `mayCreateOrganizations` only shapes the panel.

# Pages of organizations followed at most (200 each): a bound, not a figure any community nears.
MAX_ORGANIZATION_PAGES = 50
ZONE_KINDS = {"BRANCH": "PARTY_GROUP"}  # plan (二): 党支部 puts Party groups in its zones
CREATABLE_KINDS = ("GRID_BRANCH", "PARTY_GROUP")


async def organizations_of(
    request: Request, identity: Identity, code: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every live organization of the community (all pages), or the graph's errors."""
    found: list[dict[str, Any]] = []
    after = None
    for _ in range(MAX_ORGANIZATION_PAGES):
        body = await run_as(request, identity, ORGANIZATIONS_QUERY, {"code": code, "after": after})
        page = (body.get("data") or {}).get("organizations")
        if page is None:
            return [], _graph_errors(body) or [_unavailable()]
        found += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return found, []


def organization_lists(
    organizations: list[dict[str, Any]], community_org: dict[str, Any] | None, identity: Identity
) -> dict[str, Any]:
    """The state's organization part: Party groups, what a zone holds (a grid branch, or a
    Party group under a 党支部), the parents a new one may sit under, and whether the caller
    may create one."""
    kind = (community_org or {}).get("kind")
    zone_kind = ZONE_KINDS.get(kind or "", "GRID_BRANCH")

    def brief(o: dict[str, Any]) -> dict[str, Any]:
        return {"id": o["id"], "name": o["name"], "kind": o["kind"]}

    return {
        "groups": [brief(o) for o in organizations if o["kind"] == "PARTY_GROUP"],
        "branches": [brief(o) for o in organizations if o["kind"] == zone_kind],
        "zoneKind": zone_kind,
        # A grid branch sits under the community organization; a group under it or a branch.
        "parents": [
            brief(o)
            for o in organizations
            if o["kind"] in ("COMMUNITY_COMMITTEE", "GENERAL_BRANCH", "BRANCH", "GRID_BRANCH")
        ],
        "creatableKinds": [k for k in CREATABLE_KINDS if k != "GRID_BRANCH" or zone_kind == k],
        "mayCreateOrganizations": identity.role in ORG_WRITERS,
    }


def _unavailable() -> dict[str, str]:
    return {
        "code": "UNAVAILABLE",
        **dict(zip(("message", "messageEn"), both("unavailable"), strict=True)),
    }


def _new_organization(edit: Any, code: str) -> dict[str, Any]:
    """createOrganization's input from the page's JSON, or BadEditError."""
    if not isinstance(edit, dict):
        raise BadEditError(*both("org_bad_body"))
    name, kind, parent = edit.get("name"), edit.get("kind"), edit.get("parentId")
    if not isinstance(name, str) or not name.strip():
        raise BadEditError(*both("org_name_missing"))
    if kind not in CREATABLE_KINDS:
        raise BadEditError(*both("org_kind_wrong"))
    if not isinstance(parent, str) or not parent:
        raise BadEditError(*both("org_parent_missing"))
    return {"communityCode": code, "name": name.strip(), "kind": kind, "parentId": parent}


async def create_organization(request: Request) -> Response:
    identity, refused = _refusal(request, write=True)
    if refused is not None:
        return refused
    try:
        new = _new_organization(
            json.loads(await request.body() or b"null"), request.path_params["code"]
        )
    except ValueError:
        return _error(400, "bad_json", "INVALID")
    except BadEditError as bad:
        return JSONResponse({"ok": False, "errors": [bad.error()]}, status_code=400)
    body = await run_as(request, identity, CREATE_ORGANIZATION, {"input": new})
    payload = (body.get("data") or {}).get("createOrganization")
    if payload is None:
        errors = _graph_errors(body) or [_unavailable()]
        status = 403 if any(e.get("code") == "FORBIDDEN" for e in errors) else 502
        return JSONResponse({"ok": False, "errors": errors}, status_code=status)
    return JSONResponse(
        {
            "ok": not payload["errors"],
            "organization": payload["organization"],
            "errors": payload["errors"],
        }
    )


# History (change sets, undo and redo): the panel of static/planner/history.js.
HISTORY_SIZE = 30  # the newest change sets the panel lists


def steps_of(change_sets: dict | None) -> dict[str, Any]:
    """What undo and redo would do next, as the page enables its buttons."""
    c = change_sets or {}
    return {
        "latest": c.get("totalCount", 0),  # numbers run 1, 2, ... per community
        "canUndo": bool(c.get("canUndo")),
        "canRedo": bool(c.get("canRedo")),
        "nextUndo": c.get("nextUndo"),
        "nextRedo": c.get("nextRedo"),
    }


async def redo(request: Request) -> Response:
    return await _plan(request, dry_run=False, redo=True)


async def history(request: Request) -> Response:
    """The community's newest change sets, newest first, each with the entities it wrote
    (`?since=N`: only those after number N, as a conflict shows what others changed)."""
    identity, refused = _refusal(request, write=False)
    if refused is not None:
        return refused
    code = request.path_params["code"]
    try:
        since = int(request.query_params.get("since", "0"))
    except ValueError:
        return _error(400, "bad_since", "INVALID")
    body = await run_as(request, identity, HISTORY_QUERY, {"code": code, "last": HISTORY_SIZE})
    sets = (body.get("data") or {}).get("changeSets")
    if sets is None or sets.get("errors"):
        errors = (sets or {}).get("errors") or _graph_errors(body)
        status = 403 if any(e.get("code") == "FORBIDDEN" for e in errors) else 502
        return JSONResponse({"ok": False, "errors": errors}, status_code=status)
    nodes = [n for n in reversed(sets["nodes"]) if n["number"] > since]
    return JSONResponse({"ok": True, "changeSets": nodes, **steps_of(sets)})


async def change_set(request: Request) -> Response:
    """One change set of the community: the buildings it moved (by name), zones made/gone."""
    identity, refused = _refusal(request, write=False)
    if refused is not None:
        return refused
    code = request.path_params["code"]
    body = await run_as(request, identity, CHANGE_SET_QUERY, {"id": request.path_params["id"]})
    found = (body.get("data") or {}).get("changeSet")
    if not found or found["communityCode"] != code:
        return _error(404, "no_change_set", "NOT_FOUND")
    return JSONResponse({"ok": True, "changeSet": found})


ROUTES = [
    Route(BASE + "/{code:str}", planner_page, methods=["GET"]),
    Route(BASE + "/{code:str}/state", state, methods=["GET"]),
    Route(BASE + "/{code:str}/preview", preview, methods=["POST"]),
    Route(BASE + "/{code:str}/commit", commit, methods=["POST"]),
    Route(BASE + "/{code:str}/undo", undo, methods=["POST"]),
    Route(BASE + "/{code:str}/organizations", create_organization, methods=["POST"]),
    # History (static/planner/history.js)
    Route(BASE + "/{code:str}/redo", redo, methods=["POST"]),
    Route(BASE + "/{code:str}/history", history, methods=["GET"]),
    Route(BASE + "/{code:str}/history/{id:str}", change_set, methods=["GET"]),
]
