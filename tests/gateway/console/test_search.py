"""Console search (issue 16): places, organizations and members by name within the caller's
scope, only what the graph gives the caller; empty, too short and odd queries; the query
echoed back escaped. Expectations are asked of the graph with a bearer token."""

from __future__ import annotations

import html
import re

import pytest
from console_client import SignIn

from gateway.console.labels import LABELS
from services.common.auth import Identity, Role
from stack import Running

DISTRICT = Identity("t-district", Role.DISTRICT, "410104")
STREET = Identity("t-street", Role.STREET, "410104001")  # demo-street's place
VIEWER = Identity("t-viewer", Role.VIEWER, "410104")
ZH = LABELS["zh"]


def _ask(running: Running, identity: Identity, query: str, variables: dict) -> dict:
    return running.post(running.gateway, query, variables, identity=identity)["data"]


def _rows(page: str, kind: str) -> list[str]:
    return re.findall(rf'<tr data-{kind}="([^"]+)">', page)


@pytest.fixture(scope="module")
def elsewhere(running: Running) -> dict:
    """A community, an organization and a member of another street than demo-street's."""
    streets = _ask(running, DISTRICT, 'query { regions(parentCode: "410104") { code } }', {})[
        "regions"
    ]
    other = next(s["code"] for s in streets if s["code"] != STREET.region)
    community = _ask(
        running,
        DISTRICT,
        "query($c: String!) { communities(regionCode: $c) { code name } }",
        {"c": other},
    )["communities"][0]
    organization = _ask(
        running,
        DISTRICT,
        "query($c: String!) { organizations(regionCode: $c, first: 1) { nodes { id name } } }",
        {"c": other},
    )["organizations"]["nodes"][0]
    member = _ask(
        running,
        DISTRICT,
        "query($c: String!) { members(filter: {regionCode: $c}, first: 1) { nodes { id name } } }",
        {"c": other},
    )["members"]["nodes"][0]
    return {"community": community, "organization": organization, "member": member}


def test_a_street_finds_its_own_places_but_not_another_streets(
    signed_in: SignIn, running: Running, elsewhere: dict
) -> None:
    own = _ask(
        running,
        STREET,
        "query($c: String!) { communities(regionCode: $c) { code name } }",
        {"c": STREET.region},
    )["communities"][0]
    street = signed_in("demo-street")
    found = street.get("/console/search", params={"q": own["name"]}).text
    assert own["code"] in _rows(found, "place")
    assert f'href="/console/community/{own["code"]}"' in found
    theirs = elsewhere["community"]
    away = street.get("/console/search", params={"q": theirs["name"]}).text
    assert theirs["code"] not in _rows(away, "place")
    by_code = street.get("/console/search", params={"q": theirs["code"]}).text
    assert _rows(by_code, "place") == []
    # The district sees both.
    district = signed_in("demo-district").get("/console/search", params={"q": theirs["name"]}).text
    assert theirs["code"] in _rows(district, "place")


def test_a_street_cannot_find_another_streets_organization(
    signed_in: SignIn, elsewhere: dict
) -> None:
    organization = elsewhere["organization"]
    params = {"q": organization["name"]}
    district = signed_in("demo-district").get("/console/search", params=params).text
    assert organization["id"] in _rows(district, "organization")
    street = signed_in("demo-street").get("/console/search", params=params).text
    assert organization["id"] not in _rows(street, "organization")


def test_a_street_cannot_find_another_streets_member(
    signed_in: SignIn, running: Running, elsewhere: dict
) -> None:
    member = elsewhere["member"]
    params = {"q": member["name"]}
    district = signed_in("demo-district").get("/console/search", params=params).text
    assert member["id"] in _rows(district, "member")
    street = signed_in("demo-street").get("/console/search", params=params).text
    assert member["id"] not in _rows(street, "member")
    # What the street sees is what the graph gives it for that name.
    given = _ask(
        running,
        STREET,
        """query($c: String!, $q: String!) { members(filter: {regionCode: $c, nameContains: $q},
          first: 20) { nodes { id } } }""",
        {"c": STREET.region, "q": member["name"]},
    )["members"]["nodes"]
    assert sorted(_rows(street, "member")) == sorted(m["id"] for m in given)


def test_a_viewer_sees_exactly_the_member_names_the_graph_gives_a_viewer(
    signed_in: SignIn, running: Running
) -> None:
    # The graph gives a viewer members' names (not their personal fields: issue 12 classes
    # `name` as not personal); the console shows that, and nothing more.
    given = _ask(
        running,
        VIEWER,
        """query($c: String!) { members(filter: {regionCode: $c, nameContains: "张"}, first: 20) {
          nodes { id name phone } } }""",
        {"c": VIEWER.region},
    )["members"]["nodes"]
    page = signed_in("demo-viewer").get("/console/search", params={"q": "张"}).text
    assert sorted(_rows(page, "member")) == sorted(m["id"] for m in given)
    for member in given:
        assert member["phone"] is None  # withheld from a viewer
        assert html.escape(member["name"]) in page


def test_organizations_found_are_the_graphs_with_their_kind_label(
    signed_in: SignIn, running: Running
) -> None:
    given = _ask(
        running,
        STREET,
        """query($c: String!) { organizations(regionCode: $c, nameContains: "党小组", first: 20) {
          totalCount nodes { id kind } } }""",
        {"c": STREET.region},
    )["organizations"]
    page = signed_in("demo-street").get("/console/search", params={"q": "党小组"}).text
    assert sorted(_rows(page, "organization")) == sorted(o["id"] for o in given["nodes"])
    assert "PARTY_GROUP" not in page.split('id="results"')[1]
    if given["totalCount"] > 20:
        assert f"共 {given['totalCount']} 条" in page


def test_empty_short_and_odd_queries(signed_in: SignIn) -> None:
    client = signed_in("demo-street")
    empty = client.get("/console/search").text
    assert ZH["search_hint"] in empty and "data-results" not in empty
    short = client.get("/console/search", params={"q": " a "}).text
    assert 'data-field="q"' in short and 'aria-invalid="true"' in short
    assert "data-results" not in short
    assert ZH["search_too_short"].format(min=2) in short
    odd = client.get("/console/search", params={"q": "ab\x00c"})
    assert odd.status_code == 200
    assert ZH["search_invalid"] in odd.text and "data-results" not in odd.text
    # A LIKE wildcard is text, not "anything".
    wildcard = client.get("/console/search", params={"q": "%%"}).text
    assert _rows(wildcard, "member") == [] and _rows(wildcard, "organization") == []


def test_the_query_comes_back_escaped(signed_in: SignIn) -> None:
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    page = signed_in("demo-street").get("/console/search", params={"q": hostile}).text
    assert "<script>alert" not in page and '"><img' not in page and "<img src=x" not in page
    assert html.escape(hostile[:50]).replace("&#x27;", "&#39;") in page or "&lt;script&gt;" in page


def test_search_keeps_english(signed_in: SignIn) -> None:
    page = (
        signed_in("demo-street").get("/console/search", params={"q": "Shuyuan", "lang": "en"}).text
    )
    assert 'name="lang" value="en"' in page
    assert "/console/community/410104001001?lang=en" in page


@pytest.mark.parametrize(
    ("query", "path"),
    [
        (
            'query($q: String!) { organizations(regionCode: "410104001", nameContains: $q) '
            "{ totalCount } }",
            ["nameContains"],
        ),
        (
            'query($q: String!) { members(filter: {regionCode: "410104001", nameContains: $q}) '
            "{ totalCount } }",
            ["filter", "nameContains"],
        ),
    ],
)
def test_the_graphs_name_filters_refuse_control_characters_typed(
    running: Running, query: str, path: list[str]
) -> None:
    # Search text is taken in by the services' one text rule: a NUL is a typed INVALID in
    # Chinese and English naming the argument, not a masked database error.
    body = running.post(running.gateway, query, {"q": "张\x00"}, identity=STREET)
    error = body["errors"][0]
    assert error["extensions"]["code"] == "INVALID", error
    assert (
        "控制字符" in error["message"] and "control character" in error["extensions"]["messageEn"]
    )
    assert error["extensions"]["field"] == path


def test_a_member_found_links_to_the_members_own_page(
    signed_in: SignIn, running: Running, elsewhere: dict
) -> None:
    member = elsewhere["member"]
    client = signed_in("demo-district")
    page = client.get("/console/search", params={"q": member["name"]}).text
    row = re.search(rf'<tr data-member="{member["id"]}">(.*?)</tr>', page, re.S)
    assert row, "the member is found"
    link = html.unescape(re.search(r'href="([^"]+)"', row.group(1)).group(1))
    assert link.endswith(f"/members/{member['id']}"), link
    shown = client.get(link)
    assert shown.status_code == 200
    assert member["name"] in shown.text and 'class="member"' in shown.text
