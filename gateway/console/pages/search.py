"""`/console/search?q=`: places, Party organizations and members by name, within the caller's
scope — exactly what the graph gives the caller, nothing the console decides on its own.

Places are the caller's part of the region tree (one read: a district holds a few dozen
places), matched here by name, English name or code; organizations and members are matched
by the graph (`organizations(nameContains:)`, `members(filter: {nameContains:})`), which
keeps each to the caller's region and role. The three reads run concurrently and each
degrades alone (a part the graph refuses shows why; a failed one shows as unavailable).
A GET form: it works without script; with script the results follow the typing (htmx).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from starlette.responses import Response

from gateway.console import nav
from gateway.console.graph import Answer
from gateway.console.page import Page, console_route

SHOWN = 20  # results of each kind on the page; more: type more
MAX_QUERY = 50
# A search of one letter or digit matches nearly everything; one Chinese character is a
# surname or a place's first character, a sensible search.
_CJK = re.compile(r"[\u3400-\u9fff]")
# Control characters are no one's search (and Postgres refuses a NUL in text).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")

PLACES = """query SearchPlaces($code: String!) {
  region(code: $code) {
    code name nameEn level
    children { code name nameEn level children { code name nameEn level } }
  }
}"""
ORGANIZATIONS = """query SearchOrganizations($code: String!, $q: String!, $first: Int!) {
  organizations(regionCode: $code, nameContains: $q, first: $first) {
    totalCount nodes { id name kind community { code name nameEn } }
  }
}"""
MEMBERS = """query SearchMembers($code: String!, $q: String!, $first: Int!) {
  members(filter: {regionCode: $code, nameContains: $q}, first: $first) {
    totalCount nodes { id name community { code name nameEn } }
  }
}"""


def problem_of(query: str) -> str | None:
    """Why `query` (trimmed) is no search: a label key, or None when it is one."""
    if _CONTROL.search(query):
        return "search_invalid"
    if not _CJK.search(query) and len(query) < 2:
        return "search_too_short"
    return None


def _flatten(region: dict[str, Any]) -> list[dict[str, Any]]:
    places = [region]
    for child in region.get("children") or []:
        places += _flatten(child)
    return places


def matching_places(region: dict[str, Any], query: str) -> list[dict[str, Any]]:
    """The places of the tree whose name or English name contains `query`, or whose code
    starts with it; in code order."""
    folded = query.casefold()
    return sorted(
        (
            {k: v for k, v in place.items() if k != "children"}
            for place in _flatten(region)
            if folded in place["name"].casefold()
            or folded in place["nameEn"].casefold()
            or place["code"].startswith(query)
        ),
        key=lambda place: place["code"],
    )


def place_page(code: str) -> str:
    """A community's own pages; a street's or district's overview of its communities."""
    return f"{nav.COMMUNITY}/{code}" if len(code) == 12 else f"{nav.OVERVIEW}/{code}"


def _part(answer: Answer, key: str, page: Page) -> dict[str, Any]:
    value = answer.data.get(key)
    if value is not None:
        return {"state": "ok", "value": value}
    refused = [e for e in answer.errors if (e.get("extensions") or {}).get("code") == "FORBIDDEN"]
    if refused:
        return {"state": "refused", "message": page.message_of(refused[0])}
    return {"state": "unavailable"}


async def search(page: Page) -> Response:
    query = (page.request.query_params.get("q") or "").strip()[:MAX_QUERY]
    problem = problem_of(query) if query else None
    values: dict[str, Any] = {"q": query, "problem": problem, "searched": False}
    if query and problem is None:
        region = page.identity.region
        scope = {"code": region}
        places, organizations, members = await asyncio.gather(
            page.ask(PLACES, scope),
            page.ask(ORGANIZATIONS, {**scope, "q": query, "first": SHOWN}),
            page.ask(MEMBERS, {**scope, "q": query, "first": SHOWN}),
        )
        found_places = _part(places, "region", page)
        if found_places["state"] == "ok":
            found_places["value"] = matching_places(found_places["value"], query)
        values.update(
            searched=True,
            places=found_places,
            organizations=_part(organizations, "organizations", page),
            members=_part(members, "members", page),
        )
    return page.render(
        "search/search.html",
        status=200,
        shown=SHOWN,
        place_page=place_page,
        community_base=nav.COMMUNITY,
        **values,
    )


ROUTES = [console_route(nav.SEARCH, search)]
