"""A community's members in the console (issue 16): filters by management type, special
category, building and reporting in (报到), each narrowing the list exactly as the graph
does; paging as the graph pages; a member's page with its special categories and helpers
(帮带), where an org writer records and removes a helper through the same mutations, with
the graph's typed errors beside the field they name; what a viewer sees (no forms, no
personal data, as the graph gives it)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from console_client import SignIn, csrf_of
from markupsafe import escape

from gateway.console.labels import LABELS
from gateway.console.labels.enums import enum_label
from gateway.console.pages import members as members_page
from infra.settings import ROOT
from services.common.auth import Identity, Role
from stack import Running

CODE = "410104001001"  # demo-secretary's community (the first of the first street)
LIST = f"/console/community/{CODE}/members"
SECRETARY = Identity("test-secretary", Role.SECRETARY, CODE)  # as demo-secretary
VIEWER = Identity("test-viewer", Role.VIEWER, "410104")  # as demo-viewer

MEMBERS = """query ($filter: MemberFilterInput!, $first: Int!, $after: String) {
  members(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id name management personalDataAccess homeBuilding { id }
      reporting { status }
      categories { category hasHelper helperContact helper { id name } } } } }"""
MEMBER = """query ($id: ID!) { member(id: $id) { id name phone personalDataAccess
  categories { category helperContact helper { id } } } }"""
ASSIGN = """mutation ($m: ID!, $c: SpecialCategory!, $h: ID, $contact: String, $since: Date) {
  assignHelper(memberId: $m, category: $c, helperMemberId: $h, helperContact: $contact,
    since: $since) { category { id } errors { code message messageEn field } } }"""


def _graph(running: Running, identity: Identity, query: str, variables: dict) -> dict:
    body = running.post(running.gateway, query, variables, identity=identity)
    assert "errors" not in body, body
    return body["data"]


def _all_members(running: Running, identity: Identity, **filters: Any) -> list[dict]:
    found, after = [], None
    while True:
        page = _graph(
            running,
            identity,
            MEMBERS,
            {"filter": {"regionCode": CODE, **filters}, "first": 200, "after": after},
        )["members"]
        found += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def _rows(page: str) -> list[str]:
    """The member ids of the list's rows, in order."""
    return re.findall(r'<tr data-member="([^"]+)"', page)


def _schema_enum(name: str) -> tuple[str, ...]:
    sdl = (ROOT / "supergraph.graphql").read_text(encoding="utf-8")
    body = re.search(rf"enum {name} [^{{]*\{{([^}}]*)\}}", sdl)
    assert body, name
    return tuple(re.findall(r"^\s+([A-Z_]+)\b", body.group(1), re.M))


@pytest.fixture(scope="module")
def secretary(signed_in: SignIn) -> httpx.Client:
    return signed_in("demo-secretary")


def test_the_filters_offer_the_graphs_values() -> None:
    assert _schema_enum("Management") == members_page.MANAGEMENTS
    assert _schema_enum("SpecialCategory") == members_page.CATEGORIES
    assert _schema_enum("ReportingStatus") == members_page.REPORTING


def test_the_graph_filters_by_reporting_in(running: Running) -> None:
    """The graph's own `reporting` filter keeps exactly the members whose reporting in has
    that status (read from the unfiltered list)."""
    everyone = _all_members(running, SECRETARY)
    for status in members_page.REPORTING:
        expected = {m["id"] for m in everyone if (m["reporting"] or {}).get("status") == status}
        found = {m["id"] for m in _all_members(running, SECRETARY, reporting=status)}
        assert found == expected, status
    assert any((m["reporting"] or {}).get("status") == "PENDING" for m in everyone)


def _filters(running: Running) -> Iterator[tuple[dict[str, str], dict[str, Any]]]:
    """(query string, graph filter) for each filter the page has."""
    everyone = _all_members(running, SECRETARY)
    building = next(m["homeBuilding"]["id"] for m in everyone if m["homeBuilding"])
    yield {"management": "NON_SELF"}, {"management": "NON_SELF"}
    yield {"category": "ELDERLY_FRAIL"}, {"category": "ELDERLY_FRAIL"}
    yield {"reporting": "PENDING"}, {"reporting": "PENDING"}
    yield {"building": building}, {"buildingId": building}
    yield (
        {"management": "JOINT", "reporting": "REPORTED"},
        {"management": "JOINT", "reporting": "REPORTED"},
    )


def test_each_filter_narrows_the_list_as_the_graph_does(
    running: Running, secretary: httpx.Client
) -> None:
    unfiltered = secretary.get(LIST)
    assert unfiltered.status_code == 200, unfiltered.text
    total = _graph(running, SECRETARY, MEMBERS, {"filter": {"regionCode": CODE}, "first": 0})
    all_count = total["members"]["totalCount"]
    for params, graph_filter in _filters(running):
        page = secretary.get(LIST, params=params)
        assert page.status_code == 200, (params, page.text)
        expected = _graph(
            running,
            SECRETARY,
            MEMBERS,
            {"filter": {"regionCode": CODE, **graph_filter}, "first": members_page.PAGE_SIZE},
        )["members"]
        assert _rows(page.text) == [m["id"] for m in expected["nodes"]], params
        assert 0 < expected["totalCount"] < all_count, params
        caption = LABELS["zh"]["mem_count"].format(
            total=expected["totalCount"], shown=len(expected["nodes"])
        )
        assert caption in page.text
        # The form keeps the choice (selected), so the next change adds to it.
        for name, value in params.items():
            assert re.search(
                rf'<select id="f-{name}" name="{name}">.*?<option value="{re.escape(value)}" selected>',
                page.text,
                re.S,
            ), name


def test_values_are_shown_by_their_labels(running: Running, secretary: httpx.Client) -> None:
    page = secretary.get(LIST, params={"management": "NON_SELF", "reporting": "PENDING"}).text
    assert enum_label("Management", "NON_SELF", "zh") in page
    assert enum_label("ReportingStatus", "PENDING", "zh") in page
    english = secretary.get(LIST, params={"lang": "en", "category": "HARDSHIP"}).text
    assert enum_label("SpecialCategory", "HARDSHIP", "en") in english
    assert LABELS["en"]["mem_category"] in english


def test_paging_follows_the_graphs_pages(running: Running, secretary: httpx.Client) -> None:
    first = secretary.get(LIST).text
    graph_first = _graph(
        running, SECRETARY, MEMBERS, {"filter": {"regionCode": CODE}, "first": 50}
    )["members"]
    assert graph_first["pageInfo"]["hasNextPage"], "the demo community has over 50 members"
    found = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert found
    second = secretary.get(html.unescape(found.group(1)))
    graph_second = _graph(
        running,
        SECRETARY,
        MEMBERS,
        {
            "filter": {"regionCode": CODE},
            "first": 50,
            "after": graph_first["pageInfo"]["endCursor"],
        },
    )["members"]
    assert _rows(second.text) == [m["id"] for m in graph_second["nodes"]]
    assert 'rel="first"' in second.text


def test_a_filter_value_the_form_never_offers_is_a_wrong_address(
    secretary: httpx.Client,
) -> None:
    assert secretary.get(LIST, params={"management": "NOBODY"}).status_code == 404
    assert secretary.get(LIST, params={"building": "not-an-id"}).status_code == 404
    assert secretary.get(LIST.replace(CODE, "410104001002")).status_code == 403
    assert secretary.get(LIST.replace(CODE, "4101x")).status_code == 404


def _plain_member(running: Running) -> tuple[dict, dict]:
    """A member in no special category, and another who may help (both self-managed)."""
    everyone = _all_members(running, SECRETARY, management="SELF")
    plain = [m for m in everyone if not m["categories"]]
    return plain[0], plain[1]


def _categories(running: Running, member_id: str) -> list[dict]:
    return _graph(running, SECRETARY, MEMBER, {"id": member_id})["member"]["categories"]


def test_a_helper_is_recorded_and_removed_through_the_forms(
    running: Running, secretary: httpx.Client, site: str
) -> None:
    member, helper = _plain_member(running)
    detail = f"{LIST}/{member['id']}"
    page = secretary.get(detail)
    assert page.status_code == 200
    assert '<form method="post" action="/console' in page.text  # what a viewer never gets
    assert 'class="assign-helper"' in page.text
    token = csrf_of(page.text)
    contact = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
    answer = secretary.post(
        f"{detail}/helper",
        data={
            "csrf": token,
            "category": "HARDSHIP",
            "helperMemberId": helper["id"],
            "helperContact": contact,
            "since": "2025-03-01",
        },
        headers={"origin": site},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    try:
        assert _categories(running, member["id"]) == [
            {"category": "HARDSHIP", "helperContact": contact, "helper": {"id": helper["id"]}}
        ]
        shown = secretary.get(answer.headers["location"]).text
        assert LABELS["zh"]["mem_assigned"] in shown
        assert helper["name"] in shown
        assert str(escape(contact)) in shown  # escaped, never markup
        assert "<script>alert(2)" not in shown and "<img src=x" not in shown
        listed = secretary.get(LIST, params={"category": "HARDSHIP"}).text
        assert member["id"] in _rows(listed)
    finally:
        token = csrf_of(secretary.get(detail).text)
        cleared = secretary.post(
            f"{detail}/clear",
            data={"csrf": token, "category": "HARDSHIP"},
            headers={"origin": site},
            follow_redirects=False,
        )
    assert cleared.status_code == 303, cleared.text
    assert _categories(running, member["id"]) == []  # as the demo had it
    assert LABELS["zh"]["mem_cleared"] in secretary.get(cleared.headers["location"]).text


def _field_error(page: str, field: str) -> str:
    found = re.search(
        rf'<span class="field-error" id="err-{field}" data-field="{field}">([^<]*)</span>', page
    )
    assert found, f"no error beside {field}"
    return html.unescape(found.group(1))


def test_a_bad_helper_shows_the_graphs_error_beside_its_field(
    running: Running, secretary: httpx.Client, site: str
) -> None:
    member, _ = _plain_member(running)
    detail = f"{LIST}/{member['id']}"
    # What the graph says of a member helping themself (refused: nothing is written).
    refused = running.post(
        running.gateway,
        ASSIGN,
        {"m": member["id"], "c": "MOBILE", "h": member["id"]},
        identity=SECRETARY,
    )["data"]["assignHelper"]["errors"]
    assert [e["field"] for e in refused] == [["helperMemberId"]]
    token = csrf_of(secretary.get(detail).text)
    fields = {"csrf": token, "category": "MOBILE", "helperMemberId": member["id"]}
    answer = secretary.post(f"{detail}/helper", data=fields, headers={"origin": site})
    assert answer.status_code == 422
    assert _field_error(answer.text, "helperMemberId") == refused[0]["message"]
    assert 'aria-describedby="err-helperMemberId"' in answer.text
    english = secretary.post(
        f"{detail}/helper", data={**fields, "lang": "en"}, headers={"origin": site}
    )
    assert _field_error(english.text, "helperMemberId") == refused[0]["messageEn"]
    # A date that is none: beside its field, the graph not asked.
    bad_date = secretary.post(
        f"{detail}/helper",
        data={"csrf": token, "category": "MOBILE", "since": "2025-13-40"},
        headers={"origin": site},
    )
    assert bad_date.status_code == 422
    assert _field_error(bad_date.text, "since") == LABELS["zh"]["mem_bad_date"]
    assert 'value="2025-13-40"' in bad_date.text  # what was typed stays to be corrected
    assert _categories(running, member["id"]) == []


@pytest.mark.parametrize("username", ["demo-viewer", "demo-planner"])
def test_a_viewer_sees_the_graphs_names_but_no_forms_and_no_personal_data(
    running: Running, signed_in: SignIn, username: str
) -> None:
    viewer = signed_in(username)
    page = viewer.get(LIST)
    assert page.status_code == 200
    graph = _graph(running, VIEWER, MEMBERS, {"filter": {"regionCode": CODE}, "first": 50})[
        "members"
    ]["nodes"]
    assert _rows(page.text) == [m["id"] for m in graph]
    assert {m["personalDataAccess"] for m in graph} == {"WITHHELD_ROLE"}
    assert all(m["name"] in page.text for m in graph)  # names are not withheld by the graph
    assert LABELS["zh"]["mem_personal_withheld"] in page.text
    # A helper contact the secretary sees is not on the viewer's page.
    contacts = [
        c["helperContact"]
        for m in _all_members(running, SECRETARY)
        for c in m["categories"]
        if c["helperContact"]
    ]
    assert contacts
    category_page = viewer.get(LIST, params={"category": "ELDERLY_FRAIL"}).text
    assert not any(contact in category_page for contact in contacts)
    member = graph[0]["id"]
    detail = viewer.get(f"{LIST}/{member}")
    assert detail.status_code == 200
    assert '<form method="post" action="/console' not in detail.text  # no form that writes
    phone = _graph(running, SECRETARY, MEMBER, {"id": member})["member"]["phone"]
    assert phone and phone not in detail.text


def test_a_member_of_another_community_is_not_found_here(
    running: Running, signed_in: SignIn
) -> None:
    district = signed_in("demo-district")
    other = "410104001002"
    someone = _graph(
        running,
        Identity("test-district", Role.DISTRICT, "410104"),
        MEMBERS,
        {"filter": {"regionCode": other}, "first": 1},
    )["members"]["nodes"][0]["id"]
    assert district.get(f"/console/community/{other}/members/{someone}").status_code == 200
    assert district.get(f"{LIST}/{someone}").status_code == 404
    assert district.get(f"{LIST}/not-an-id").status_code == 404


CLEAR = """mutation ($m: ID!, $c: SpecialCategory!) { clearMemberCategory(memberId: $m,
  category: $c) { ok errors { code message messageEn field } } }"""


def _form_errors(page: str) -> list[str]:
    """The messages of the page's whole-form error lists."""
    lists = re.findall(r'<div class="form-errors" role="alert">.*?<ul>(.*?)</ul>', page, re.S)
    return [html.unescape(m) for block in lists for m in re.findall(r"<li>(.*?)</li>", block)]


def test_a_refused_clear_is_shown_as_its_own_not_beside_the_assign_form(
    running: Running, secretary: httpx.Client, site: str
) -> None:
    # A category cleared meanwhile (the member has none): its clear form is gone, so org's
    # refusal is shown at the top, never beside the assign form's category select.
    member, _ = _plain_member(running)
    detail = f"{LIST}/{member['id']}"
    body = running.post(
        running.gateway, CLEAR, {"m": member["id"], "c": "MOBILE"}, identity=SECRETARY
    )
    refusal = (body.get("data") or {}).get("clearMemberCategory") or {}
    expected = [e["message"] for e in refusal.get("errors") or body.get("errors") or []]
    assert expected, body
    token = csrf_of(secretary.get(detail).text)
    answer = secretary.post(
        f"{detail}/clear",
        data={"csrf": token, "category": "MOBILE"},
        headers={"origin": site},
    )
    assert answer.status_code == 422
    assert expected[0] in _form_errors(answer.text)
    assert 'id="err-category"' not in answer.text and "aria-invalid" not in answer.text
    assert _categories(running, member["id"]) == []


def test_a_viewers_clear_shows_the_services_refusal_and_clears_nothing(
    running: Running, signed_in: SignIn, site: str
) -> None:
    cared = next(m for m in _all_members(running, SECRETARY) if m["categories"])
    category = cared["categories"][0]["category"]
    body = running.post(running.gateway, CLEAR, {"m": cared["id"], "c": category}, identity=VIEWER)
    expected = body["errors"][0]["message"]
    viewer = signed_in("demo-viewer")
    detail = f"{LIST}/{cared['id']}"
    token = csrf_of(viewer.get(detail).text)
    answer = viewer.post(
        f"{detail}/clear", data={"csrf": token, "category": category}, headers={"origin": site}
    )
    assert answer.status_code == 422
    assert expected in _form_errors(answer.text)
    assert [c["category"] for c in _categories(running, cared["id"])] == [
        c["category"] for c in cared["categories"]
    ]


def test_each_clear_button_names_its_category_and_the_list_announces_only_its_count(
    running: Running, secretary: httpx.Client
) -> None:
    cared = next(m for m in _all_members(running, SECRETARY) if m["categories"])
    page = secretary.get(f"{LIST}/{cared['id']}").text
    for care in cared["categories"]:
        label = enum_label("SpecialCategory", care["category"], "zh")
        assert f'aria-label="{LABELS["zh"]["mem_clear"]}：{label}"' in page
    listed = secretary.get(LIST).text
    assert 'hx-trigger="change delay:500ms, submit"' in listed  # not one swap per arrow key
    assert '<div id="mem-results">' in listed
    assert re.search(r'<caption><span aria-live="polite">[^<]+</span></caption>', listed)


def test_a_helper_of_another_community_is_refused_beside_the_helper(
    running: Running, signed_in: SignIn, site: str
) -> None:
    # The form offers this community's members as helpers; an id of another is refused here.
    member, _ = _plain_member(running)
    street = Identity("test-street", Role.STREET, "410104001")  # demo-street's
    found = _graph(running, street, 'query { communities(regionCode: "410104001") { code } }', {})
    stranger = next(
        nodes[0]
        for c in found["communities"]
        if c["code"] != CODE
        and (nodes := _graph(running, street, MEMBERS, {"filter": {"regionCode": c["code"]},
                                                        "first": 1})["members"]["nodes"])
    )  # fmt: skip
    client = signed_in("demo-street")
    detail = f"{LIST}/{member['id']}"
    token = csrf_of(client.get(detail).text)
    answer = client.post(
        f"{detail}/helper",
        data={"csrf": token, "category": "MOBILE", "helperMemberId": stranger["id"]},
        headers={"origin": site},
    )
    assert answer.status_code == 422
    assert _field_error(answer.text, "helperMemberId") == LABELS["zh"]["dual_pick_member"]
    assert _categories(running, member["id"]) == []
