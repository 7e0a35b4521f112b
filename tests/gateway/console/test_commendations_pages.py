"""The commendations pages (issue 16): star ratings, five-good and the July-1 list, read
through the graph as the signed-in user, with the forms of the roles the assess service
accepts; each refusal beside the field it names (its message as the graph gives it), and
every text written through a form escaped when it comes back.

Writes here name the year 2019, which no other test reads (the service tests use 2021-2025):
stars awarded, criteria attested and the 2019 July-1 list drafted, edited and published stay
in that year only; the member nominated is removed again before the list is published."""

from __future__ import annotations

import html
import re

import httpx
import pytest
from console_client import SignIn, csrf_of
from markupsafe import escape

from gateway.console.labels import LABELS
from gateway.console.labels.enums import enum_label
from services.common.auth import Identity, Role
from stack import DISTRICT, Running

YEAR = 2019
DISTRICT_CODE = "410104"
STREET_CODE = "410104001"
SECRETARY_COMMUNITY = "410104001001"
# The graph asked as the demo users' roles and regions (tokens of their own: a demo user's
# is revoked when the suite sets its password).
STREET = Identity("test-street", Role.STREET, STREET_CODE)

ERRORS = "errors { code message messageEn field }"
RATINGS = """query ($r: String!, $y: Int!) { starRatings(regionCode: $r, year: $y) {
  unitId unitName computedStars awardedStars reason criteria { code met } } }"""
CRITERIA = "{ commendationCriteria { maxStars starCriteria { code attested } } }"
AWARD = f"""mutation ($u: ID!, $y: Int!, $s: Int!, $why: String!) {{
  awardStars(unitId: $u, year: $y, stars: $s, reason: $why) {{ rating {{ unitId }} {ERRORS} }} }}"""
LIST = """query ($r: String!, $y: Int!) { commendationList(regionCode: $r, year: $y) {
  id state entries { id name reason source } } }"""
NOMINATE = f"""mutation ($y: Int!, $m: ID!, $c: CommendationCategory!, $why: String!) {{
  nominateForCommendation(year: $y, memberId: $m, category: $c, reason: $why) {{
    entry {{ id }} {ERRORS} }} }}"""
DECIDE = f"""mutation ($c: String!, $y: Int!, $ok: Boolean!, $why: String!) {{
  decideFiveGood(communityCode: $c, year: $y, confirmed: $ok, reason: $why) {{
    evaluation {{ stage }} {ERRORS} }} }}"""
PUBLISH = f"""mutation ($r: String!, $y: Int!) {{ publishCommendationList(regionCode: $r, year: $y) {{
  commendationList {{ id }} {ERRORS} }} }}"""
MEMBERS = (
    "query ($r: String!) { members(filter: {regionCode: $r}, first: 5) { nodes { id name } } }"
)
NAMES = "query ($c: String!) { community(code: $c) { name nameEn } }"
MARKUP = '<script>alert(1)</script>"><img src=x>'


def gql(running: Running, query: str, variables: dict, identity: Identity = DISTRICT) -> dict:
    answer = running.post(running.gateway, query, variables, identity=identity)
    assert "errors" not in answer, answer
    return answer["data"]


def refusal(running: Running, query: str, variables: dict, identity: Identity) -> dict:
    """The typed error the graph gives for a refused write (which changes nothing)."""
    (payload,) = gql(running, query, variables, identity).values()
    assert payload["errors"], payload
    return payload["errors"][0]


@pytest.fixture(scope="module")
def community(running: Running) -> str:
    """A community of the demo street with grid branches or Party groups to rate (from the
    graph: which has them follows the demo generator)."""
    found = gql(running, '{ communities(regionCode: "410104001") { code } }', {})
    for c in sorted(x["code"] for x in found["communities"]):
        if gql(running, RATINGS, {"r": c, "y": YEAR}, STREET)["starRatings"]:
            return c
    raise AssertionError("no community of the demo street has units to rate")


def page_of(client: httpx.Client, path: str) -> tuple[str, str]:
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    return answer.text, csrf_of(answer.text)


def post(client: httpx.Client, site: str, path: str, token: str, **fields: str) -> httpx.Response:
    return client.post(
        path, data={**fields, "csrf": token, "year": str(YEAR)}, headers={"origin": site},
        follow_redirects=False,
    )  # fmt: skip


def error_beside(page: str, form: str, field: str) -> str:
    """The error text shown beside `field` of `form` (and the field points at it)."""
    found = re.search(
        rf'<span class="field-error" id="err-{form}-{field}" data-field="{field}">([^<]*)</span>',
        page,
    )
    assert found, f"no error beside {form}.{field}"
    assert f'aria-describedby="err-{form}-{field}"' in page
    return html.unescape(found.group(1))


def forms_of(page: str) -> list[str]:
    """The write forms of a page (the header's sign-out form is not one)."""
    return re.findall(r'<form method="post" action="([^"]+)"', page.replace(
        '<form method="post" action="/session/logout"', ""))  # fmt: skip


@pytest.mark.parametrize("username", ["demo-viewer", "demo-secretary", "demo-planner"])
def test_roles_the_service_refuses_see_no_form(
    signed_in: SignIn, community: str, username: str
) -> None:
    client = signed_in(username)
    region = SECRETARY_COMMUNITY if username == "demo-secretary" else community
    page, _ = page_of(client, f"/console/commendations/{region}?year={YEAR}")
    assert "星级评定" in page and "“七一”表彰名单" in page
    assert forms_of(page) == []


def test_a_street_user_gets_the_street_forms_and_the_district_the_district_forms(
    signed_in: SignIn, community: str
) -> None:
    street_page, _ = page_of(signed_in("demo-street"), f"/console/commendations/{community}")
    base = f"/console/commendations/{community}"
    assert {f"{base}/award", f"{base}/attest", f"{base}/nominate-five",
            f"{base}/nominate-member"} <= set(forms_of(street_page))  # fmt: skip
    assert f"{base}/draft" not in forms_of(street_page)
    district_page, _ = page_of(
        signed_in("demo-district"), f"/console/commendations/{DISTRICT_CODE}"
    )
    base = f"/console/commendations/{DISTRICT_CODE}"
    assert {f"{base}/draft", f"{base}/publish"} <= set(forms_of(district_page))
    english = signed_in("demo-district").get(f"{base}?lang=en")
    assert english.status_code == 200 and "July-1 commendation list" in english.text


def test_a_page_outside_the_callers_region_is_refused(signed_in: SignIn) -> None:
    client = signed_in("demo-street")
    assert client.get("/console/commendations/410104002001").status_code == 403
    assert client.get("/console/commendations/41010400100x").status_code == 404


def test_the_page_shows_each_units_computed_stars_from_the_graph(
    signed_in: SignIn, running: Running, community: str
) -> None:
    ratings = gql(running, RATINGS, {"r": community, "y": YEAR}, STREET)["starRatings"]
    page, _ = page_of(signed_in("demo-viewer"), f"/console/commendations/{community}?year={YEAR}")
    for rating in ratings:
        row = re.search(rf'<tr data-unit="{re.escape(rating["unitId"])}">(.*?)</tr>', page, re.S)
        assert row, rating
        assert f'data-computed="{rating["computedStars"]}"' in row.group(1)
        assert str(escape(rating["unitName"])) in row.group(1)
    name = gql(
        running, "query ($c: String!) { region(code: $c) { name nameEn } }", {"c": community}
    )
    assert f"<h1>评星评优 · {escape(name['region']['name'])} · {YEAR}年度</h1>" in page
    english, _ = page_of(signed_in("demo-viewer"), f"/console/commendations/{community}?lang=en")
    assert "Star ratings" in english and str(escape(name["region"]["nameEn"])) in english


def test_a_street_user_awards_stars_and_the_reason_comes_back_escaped(
    signed_in: SignIn, running: Running, site: str, community: str
) -> None:
    client = signed_in("demo-street")
    path = f"/console/commendations/{community}"
    _, token = page_of(client, path)
    unit = gql(running, RATINGS, {"r": community, "y": YEAR}, STREET)["starRatings"][0]
    top = gql(running, CRITERIA, {})["commendationCriteria"]["maxStars"]
    stars = (unit["computedStars"] + 1) % (top + 1)
    answer = post(client, site, f"{path}/award", token, unitId=unit["unitId"], stars=str(stars),
                  reason=MARKUP)  # fmt: skip
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"{path}?year={YEAR}&done=award"
    after = {r["unitId"]: r for r in gql(running, RATINGS, {"r": community, "y": YEAR}, STREET)[
        "starRatings"]}  # fmt: skip
    assert after[unit["unitId"]]["awardedStars"] == stars
    assert after[unit["unitId"]]["reason"] == MARKUP
    page, _ = page_of(client, answer.headers["location"])
    assert 'role="status"' in page
    assert str(escape(MARKUP)) in page
    assert "<script>alert(1)" not in page and '"><img src=x>' not in page


def test_a_refused_award_shows_the_typed_error_beside_its_field_and_changes_nothing(
    signed_in: SignIn, running: Running, site: str, community: str
) -> None:
    client = signed_in("demo-street")
    path = f"/console/commendations/{community}"
    _, token = page_of(client, path)
    before = gql(running, RATINGS, {"r": community, "y": YEAR}, STREET)["starRatings"]
    unit = before[-1]
    top = gql(running, CRITERIA, {})["commendationCriteria"]["maxStars"]
    for stars, reason, field in (
        (top + 4, "", "stars"),  # out of range
        ((unit["computedStars"] + 1) % (top + 1), "", "reason"),  # not computed: needs a reason
    ):
        expected = refusal(running, AWARD, {"u": unit["unitId"], "y": YEAR, "s": stars,
                                            "why": reason}, STREET)  # fmt: skip
        assert expected["field"] == [field]
        answer = post(client, site, f"{path}/award", token, unitId=unit["unitId"],
                      stars=str(stars), reason=reason)  # fmt: skip
        assert answer.status_code == 422
        assert error_beside(answer.text, "award", field) == expected["message"]
        assert "aria-invalid" in answer.text
    assert gql(running, RATINGS, {"r": community, "y": YEAR}, STREET)["starRatings"] == before


def test_the_service_still_refuses_a_form_posted_by_a_role_it_does_not_accept(
    signed_in: SignIn, running: Running, site: str
) -> None:
    client = signed_in("demo-secretary")
    path = f"/console/commendations/{SECRETARY_COMMUNITY}"
    _, token = page_of(client, path)
    before = gql(running, RATINGS, {"r": SECRETARY_COMMUNITY, "y": YEAR}, STREET)["starRatings"]
    assert before, "the demo gives every community grid branches to rate"
    answer = post(client, site, f"{path}/award", token, unitId=before[0]["unitId"], stars="1",
                  reason="x")  # fmt: skip
    assert answer.status_code == 422
    assert '<div class="form-errors" role="alert">' in answer.text
    assert "评定星级" in answer.text  # the refusal names the action
    after = gql(running, RATINGS, {"r": SECRETARY_COMMUNITY, "y": YEAR}, STREET)["starRatings"]
    assert after == before


def test_a_street_user_attests_a_criterion_and_a_note_is_required(
    signed_in: SignIn, running: Running, site: str, community: str
) -> None:
    client = signed_in("demo-street")
    path = f"/console/commendations/{community}"
    page, token = page_of(client, path)
    criteria = gql(running, CRITERIA, {})["commendationCriteria"]["starCriteria"]
    attested = next(c["code"] for c in criteria if c["attested"])
    assert f'<option value="{attested}"' in page
    unit = gql(running, RATINGS, {"r": community, "y": YEAR}, STREET)["starRatings"][0]
    refused = post(client, site, f"{path}/attest", token, unitId=unit["unitId"],
                   criterion=attested, note="  ")  # fmt: skip
    assert refused.status_code == 422
    assert error_beside(refused.text, "attest", "note")
    answer = post(client, site, f"{path}/attest", token, unitId=unit["unitId"],
                  criterion=attested, note="书面认定：按月开展活动")  # fmt: skip
    assert answer.status_code == 303, answer.text
    after = gql(running, RATINGS, {"r": community, "y": YEAR}, STREET)["starRatings"]
    met = next(r for r in after if r["unitId"] == unit["unitId"])["criteria"]
    assert next(c for c in met if c["code"] == attested)["met"] is True


def test_deciding_a_community_never_nominated_is_refused_beside_the_community(
    signed_in: SignIn, running: Running, site: str, community: str
) -> None:
    client = signed_in("demo-district")
    path = f"/console/commendations/{community}"
    _, token = page_of(client, path)
    expected = refusal(running, DECIDE, {"c": community, "y": YEAR, "ok": True, "why": ""},
                       DISTRICT)  # fmt: skip
    answer = post(client, site, f"{path}/decide-five", token, communityCode=community,
                  confirmed="true", reason="")  # fmt: skip
    assert answer.status_code == 422
    assert error_beside(answer.text, "decide-five", "communityCode") == expected["message"]


def test_the_july_first_list_drafted_nominated_to_edited_and_published(
    signed_in: SignIn, running: Running, site: str, community: str
) -> None:
    district, street = signed_in("demo-district"), signed_in("demo-street")
    district_path = f"/console/commendations/{DISTRICT_CODE}"
    street_path = f"/console/commendations/{community}"
    _, district_token = page_of(district, district_path)
    _, street_token = page_of(street, street_path)

    # Publishing a list never drafted: the service's refusal, for the whole form.
    expected = refusal(running, PUBLISH, {"r": DISTRICT_CODE, "y": YEAR}, DISTRICT)
    refused = post(district, site, f"{district_path}/publish", district_token)
    assert refused.status_code == 422
    assert str(escape(expected["message"])) in refused.text
    assert gql(running, LIST, {"r": DISTRICT_CODE, "y": YEAR})["commendationList"] is None

    drafted = post(district, site, f"{district_path}/draft", district_token)
    assert drafted.status_code == 303, drafted.text
    listed = gql(running, LIST, {"r": DISTRICT_CODE, "y": YEAR})["commendationList"]
    assert listed["state"] == "DRAFT"

    member = gql(running, MEMBERS, {"r": community}, STREET)["members"]["nodes"][0]
    page, _ = page_of(street, street_path)
    assert f'<option value="{member["id"]}"' in page
    # No reason: refused beside the reason, nothing added.
    no_reason = post(street, site, f"{street_path}/nominate-member", street_token,
                     memberId=member["id"], category="EXCELLENT_MEMBER", reason="")  # fmt: skip
    assert no_reason.status_code == 422
    assert error_beside(no_reason.text, "nominate-member", "reason")
    nominated = post(street, site, f"{street_path}/nominate-member", street_token,
                     memberId=member["id"], category="EXCELLENT_MEMBER", reason=MARKUP)  # fmt: skip
    assert nominated.status_code == 303, nominated.text
    entries = gql(running, LIST, {"r": DISTRICT_CODE, "y": YEAR})["commendationList"]["entries"]
    entry = next(e for e in entries if e["source"] == "nomination")
    assert entry["reason"] == MARKUP
    page, _ = page_of(district, f"{district_path}?year={YEAR}")
    assert f'<tr data-entry="{entry["id"]}">' in page
    # The entry's community by its name in the page's language, never its code.
    place = gql(running, NAMES, {"c": community})["community"]
    for lang, name in (("zh", place["name"]), ("en", place["nameEn"])):
        shown, _ = page_of(district, f"{district_path}?year={YEAR}&lang={lang}")
        row = shown.split(f'<tr data-entry="{entry["id"]}">')[1].split("</tr>")[0]
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        assert cells[1] == str(escape(name))
    assert str(escape(MARKUP)) in page and "<script>alert(1)" not in page
    # The category by its label (labels/enums.py; the raw value until its labels are filled).
    assert (
        f'data-category="EXCELLENT_MEMBER">{enum_label("CommendationCategory", "EXCELLENT_MEMBER", "zh")}<'
        in page
    )

    removed = post(district, site, f"{district_path}/remove", district_token, entryId=entry["id"])
    assert removed.status_code == 303, removed.text
    entries = gql(running, LIST, {"r": DISTRICT_CODE, "y": YEAR})["commendationList"]["entries"]
    assert entry["id"] not in {e["id"] for e in entries}

    published = post(district, site, f"{district_path}/publish", district_token)
    assert published.status_code == 303, published.text
    listed = gql(running, LIST, {"r": DISTRICT_CODE, "y": YEAR})["commendationList"]
    assert listed["state"] == "PUBLISHED"
    page, _ = page_of(district, f"{district_path}?year={YEAR}")
    assert 'data-state="PUBLISHED"' in page
    assert f"{district_path}/draft" not in forms_of(page)  # a published list is locked


FIND = """query ($r: String!, $n: String, $after: String) {
  members(filter: {regionCode: $r, nameContains: $n}, first: 200, after: $after) {
    nodes { id name } pageInfo { hasNextPage endCursor } } }"""


def test_a_member_beyond_the_first_choices_is_found_by_name_for_a_nomination(
    signed_in: SignIn, running: Running, community: str
) -> None:
    first = gql(running, FIND, {"r": community, "n": None, "after": None}, STREET)["members"]
    # Someone not offered at first (the next page) when there are more; else the last.
    if first["pageInfo"]["hasNextPage"]:
        after = {"r": community, "n": None, "after": first["pageInfo"]["endCursor"]}
        wanted = gql(running, FIND, after, STREET)["members"]["nodes"][0]
    else:
        wanted = first["nodes"][-1]
    client = signed_in("demo-street")
    page, _ = page_of(client, f"/console/commendations/{community}")
    offered = re.findall(r'<option value="([^"]+)"', page.split('id="form-nominate-member"')[1])
    assert offered[: len(first["nodes"])] == [m["id"] for m in first["nodes"]]
    assert ("只列出前 200 名党员" in page) == first["pageInfo"]["hasNextPage"]
    found, _ = page_of(client, f"/console/commendations/{community}?member={wanted['name']}")
    expected = gql(running, FIND, {"r": community, "n": wanted["name"], "after": None}, STREET)
    form = found.split('id="form-nominate-member"')[1].split("</form>")[0]
    ids = re.findall(r'<option value="([^"]+)"', form.split('name="category"')[0])
    assert ids == [m["id"] for m in expected["members"]["nodes"]]
    assert wanted["id"] in ids


def test_a_unit_of_another_community_is_refused_beside_the_unit_and_nothing_written(
    signed_in: SignIn, running: Running, site: str, community: str
) -> None:
    # The street may rate any unit of its street: the page of one community offers only its
    # units, and the posted id is checked against them (never "saved" on A for B's unit).
    found = gql(running, '{ communities(regionCode: "410104001") { code } }', {})
    other = next(
        (c["code"], ratings)
        for c in found["communities"]
        if c["code"] != community
        and (ratings := gql(running, RATINGS, {"r": c["code"], "y": YEAR}, STREET)["starRatings"])
    )
    code, before = other
    client = signed_in("demo-street")
    path = f"/console/commendations/{community}"
    _, token = page_of(client, path)
    answer = post(client, site, f"{path}/award", token, unitId=before[0]["unitId"], stars="1",
                  reason="跨社区")  # fmt: skip
    assert answer.status_code == 422
    assert error_beside(answer.text, "award", "unitId") == LABELS["zh"]["form_not_offered"]
    assert gql(running, RATINGS, {"r": code, "y": YEAR}, STREET)["starRatings"] == before


def _five(stage: str | None) -> dict:
    return {"street_forms": True, "district_forms": False, "community": True, "july": None,
            "ratings": [], "attest_options": [], "decide_options": [], "member_options": [],
            "evaluation": {"stage": stage}}  # fmt: skip


def test_the_five_good_nomination_form_is_shown_only_before_a_nomination() -> None:
    from gateway.console.pages.commendations import _shown  # the page's one rule

    assert "nominate-five" in _shown(_five(None))
    for stage in ("NOMINATED", "CONFIRMED", "REJECTED"):
        assert "nominate-five" not in _shown(_five(stage))
