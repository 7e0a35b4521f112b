"""`/console/community/<code>/members`: a community's members with filters (management,
special category, building, reporting in, name), paged as the graph pages; and a member's
page with its special categories and helpers (分类管理和帮带), where an org writer records a
helper (assignHelper) or removes a category (clearMemberCategory).

What a member shows is what the graph gives the caller: personal fields (phone, a helper's
contact) are null unless the member's `personalDataAccess` is GRANTED, and the page says so.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import Response

from gateway.console.graph import ERRORS, PageRefusalError, WriteResult
from gateway.console.nav import COMMUNITY
from gateway.console.page import Page, console_route, iso_date
from gateway.console.permissions import may

PAGE_SIZE = 50
# The values of the graph's enums a filter may take (tests compare them with the schema).
MANAGEMENTS = ("SELF", "NON_SELF", "JOINT")
CATEGORIES = ("MOBILE", "ELDERLY_FRAIL", "HARDSHIP")
REPORTING = ("PENDING", "REPORTED", "LEFT")
# A helper is chosen among the community's members: the graph pages them by MAX_PAGE (200).
_HELPER_PAGES = 5

_MEMBER_FIELDS = """
  id name management personalDataAccess
  organization { id name }
  homeBuilding { id name }
  reporting { status reportedOn unit }
  categories { id category hasHelper helperContact helper { id name } }
"""

LIST_QUERY = (
    """
query ConsoleMembers($code: String!, $filter: MemberFilterInput!, $first: Int!, $after: String) {
  community(code: $code) {
    code name nameEn
    zones { name buildings { id name } }
    orphanBuildings { id name }
  }
  members(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {"""
    + _MEMBER_FIELDS
    + """}
  }
}"""
)

MEMBER_QUERY = (
    """
query ConsoleMember($id: ID!, $code: String!) {
  member(id: $id) {"""
    + _MEMBER_FIELDS
    + """
    gender joinedOn isProbationary employerUnit phone
    community { code name nameEn }
    posts { id kind title claimedOn }
  }
  evaluations(regionCode: $code, first: 200) {
    nodes { id year title stage member { id } }
  }
}"""
)

HELPERS_QUERY = """
query ConsoleHelpers($code: String!, $after: String) {
  members(filter: {regionCode: $code}, first: 200, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id name }
  }
}"""

ASSIGN_HELPER = f"""
mutation ConsoleAssignHelper($memberId: ID!, $category: SpecialCategory!,
    $helperMemberId: ID, $helperContact: String, $since: Date) {{
  assignHelper(memberId: $memberId, category: $category, helperMemberId: $helperMemberId,
      helperContact: $helperContact, since: $since) {{
    category {{ id category }}
    {ERRORS}
  }}
}}"""

CLEAR_CATEGORY = f"""
mutation ConsoleClearCategory($memberId: ID!, $category: SpecialCategory!) {{
  clearMemberCategory(memberId: $memberId, category: $category) {{ ok {ERRORS} }}
}}"""


def members_path(code: str) -> str:
    return f"{COMMUNITY}/{code}/members"


def member_path(code: str, member_id: str) -> str:
    return f"{members_path(code)}/{member_id}"


def _choice(page: Page, name: str, allowed: tuple[str, ...]) -> str | None:
    """A filter's value from the query string: one of `allowed`, or none given. Anything
    else names no list the form could ask for: 404, as for a wrong address."""
    value = page.request.query_params.get(name) or None
    if value is not None and value not in allowed:
        raise PageRefusalError(404)
    return value


def path_uuid(value: str | None) -> str | None:
    """An id from the address or the query string; anything else names nothing: 404."""
    if not value:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise PageRefusalError(404) from None


def _buildings(community: dict[str, Any]) -> list[dict[str, Any]]:
    """The community's buildings for the filter, by zone then name (orphans last)."""
    found = [b for zone in community.get("zones") or [] for b in zone["buildings"]]
    found += community.get("orphanBuildings") or []
    return found


async def members_list(page: Page) -> Response:
    code = page.community(page.request.path_params["code"])
    filters = {
        "management": _choice(page, "management", MANAGEMENTS),
        "category": _choice(page, "category", CATEGORIES),
        "reporting": _choice(page, "reporting", REPORTING),
        "building": path_uuid(page.request.query_params.get("building")),
        "name": (page.request.query_params.get("name") or "").strip() or None,
    }
    after = page.request.query_params.get("after") or None
    graph_filter = {
        "regionCode": code,
        "management": filters["management"],
        "category": filters["category"],
        "reporting": filters["reporting"],
        "buildingId": filters["building"],
        "nameContains": filters["name"],
    }
    answer = await page.ask(
        LIST_QUERY,
        {"code": code, "filter": graph_filter, "first": PAGE_SIZE, "after": after},
    )
    community = answer.need("community", page)
    members = answer.need("members", page)
    nodes = members["nodes"]
    params = {k: v for k, v in filters.items() if v}
    next_url = (
        page.url(members_path(code), **params, after=members["pageInfo"]["endCursor"])
        if members["pageInfo"]["hasNextPage"]
        else None
    )
    return page.render(
        "community/members.html",
        code=code,
        community=community,
        buildings=_buildings(community),
        members=nodes,
        total=members["totalCount"],
        filters=filters,
        options={"management": MANAGEMENTS, "category": CATEGORIES, "reporting": REPORTING},
        withheld=any(m["personalDataAccess"] != "GRANTED" for m in nodes),
        next_url=next_url,
        first_url=page.url(members_path(code), **params) if after else None,
        clear_url=page.url(members_path(code)) if params else None,
        list_url=members_path(code),
        member_url=lambda m: page.url(member_path(code, m["id"])),
    )


async def _member_of(page: Page, code: str, member_id: str) -> dict[str, Any]:
    """The member `member_id` of community `code` as the graph gives it (404 if it is not
    one of this community's)."""
    path_uuid(member_id)
    answer = await page.ask(MEMBER_QUERY, {"id": member_id, "code": code})
    member: dict[str, Any] = answer.need("member", page)
    if member["community"]["code"] != code:
        raise PageRefusalError(404)
    # 双争 of the member: the graph lists a community's by year (a handful a year, so one
    # page holds many years); none if that list was refused.
    evaluations = (answer.data.get("evaluations") or {}).get("nodes") or []
    member["evaluations"] = [e for e in evaluations if e["member"]["id"] == member_id]
    return member


MEMBER_COMMUNITY = "query ($id: ID!) { member(id: $id) { community { code } } }"


async def is_member_of(page: Page, member_id: str, code: str) -> bool:
    """Whether `member_id` names a member of community `code`, as the graph gives it to the
    caller: the one check of a member id a form posts, wherever on a paged or searched list
    it was picked (a list rebuilt from the post could have moved, or stop short)."""
    try:
        path_uuid(member_id)
    except PageRefusalError:
        return False
    member = (await page.ask(MEMBER_COMMUNITY, {"id": member_id})).data.get("member") or {}
    return bool(member) and member["community"]["code"] == code


async def community_members(page: Page, code: str) -> list[dict[str, Any]]:
    """The community's members a helper may be chosen from (the graph's pages, in order)."""
    found: list[dict[str, Any]] = []
    after = None
    for _ in range(_HELPER_PAGES):
        answer = await page.ask(HELPERS_QUERY, {"code": code, "after": after})
        members = answer.need("members", page)
        found += members["nodes"]
        if not members["pageInfo"]["hasNextPage"]:
            break
        after = members["pageInfo"]["endCursor"]
    return found


async def _member_page(
    page: Page,
    code: str,
    member_id: str,
    *,
    result: WriteResult | None = None,
    form: str = "",
    status: int = 200,
) -> Response:
    """The member's page; `result`: the refusal of `form` ("assign", or "clear-<category>"),
    shown in that form when the page shows it, else at the top (a viewer posting anyway, a
    category someone cleared meanwhile), never lost."""
    member = await _member_of(page, code, member_id)
    writer = may(page.identity, "org")
    shown = (
        {"assign", *(f"clear-{c['category']}" for c in member["categories"])} if writer else set()
    )
    in_form = form in shown
    placed = (
        result.placed(_ASSIGN_FIELDS if form == "assign" and in_form else ()) if result else None
    )
    return page.render(
        "community/members_detail.html",
        status=status,
        code=code,
        member=member,
        writer=writer,
        helpers=await community_members(page, code) if writer else [],
        categories=CATEGORIES,
        result=placed if in_form else None,
        unplaced=None if in_form else placed,
        failed_form=form if in_form else "",
        posted={name: page.field(name) for name in _ASSIGN_FIELDS} if in_form else {},
        done=page.request.query_params.get("done"),
        list_url=page.url(members_path(code)),
        action=member_path(code, member_id),
        member_url=lambda m: page.url(member_path(code, m["id"])),
        evaluation_url=lambda e: page.url(f"{COMMUNITY}/{code}/dual/{e['id']}"),
    )


async def member_detail(page: Page) -> Response:
    code = page.community(page.request.path_params["code"])
    return await _member_page(page, code, page.request.path_params["id"])


_ASSIGN_FIELDS = ("category", "helperMemberId", "helperContact", "since")


def posted_date(
    page: Page, name: str, result: WriteResult, *, required: bool = False
) -> str | None:
    """A posted date (YYYY-MM-DD). A malformed one, or a required one missing, is an error
    beside its field, as the graph's own would be, and the graph is not asked."""
    value = page.field(name).strip()
    if not value:
        if required:
            result.field_errors.setdefault(name, []).append(page.t("mem_missing"))
        return None
    day = iso_date(value)
    if day is None:
        result.field_errors.setdefault(name, []).append(page.t("mem_bad_date"))
    return day


async def assign_helper(page: Page) -> Response:
    code = page.community(page.request.path_params["code"])
    member_id = page.request.path_params["id"]
    await _member_of(page, code, member_id)  # 404 before writing for another community
    checked = WriteResult(payload=None)
    since = posted_date(page, "since", checked)
    helper_id = page.field("helperMemberId") or None
    if helper_id is not None and not await is_member_of(page, helper_id, code):
        # Only a member of this community, as the form offers, helps one of its members.
        checked.field_errors.setdefault("helperMemberId", []).append(page.t("dual_pick_member"))
    if checked.field_errors:
        return await _member_page(page, code, member_id, result=checked, form="assign", status=422)
    result = await page.write(
        ASSIGN_HELPER,
        {
            "memberId": member_id,
            "category": page.field("category"),
            "helperMemberId": helper_id,
            "helperContact": page.field("helperContact") or None,
            "since": since,
        },
        "assignHelper",
    )
    if not result.ok:
        return await _member_page(page, code, member_id, result=result, form="assign", status=422)
    return page.redirect(member_path(code, member_id), done="assigned")


async def clear_category(page: Page) -> Response:
    code = page.community(page.request.path_params["code"])
    member_id = page.request.path_params["id"]
    await _member_of(page, code, member_id)
    result = await page.write(
        CLEAR_CATEGORY,
        {"memberId": member_id, "category": page.field("category")},
        "clearMemberCategory",
    )
    if not result.ok:
        form = f"clear-{page.field('category')}"
        return await _member_page(page, code, member_id, result=result, form=form, status=422)
    return page.redirect(member_path(code, member_id), done="cleared")


ROUTES = [
    console_route(COMMUNITY + "/{code}/members", members_list),
    console_route(COMMUNITY + "/{code}/members/{id}", member_detail),
    console_route(COMMUNITY + "/{code}/members/{id}/helper", assign_helper, methods=("POST",)),
    console_route(COMMUNITY + "/{code}/members/{id}/clear", clear_category, methods=("POST",)),
]
