"""双创双争 (plan 五) and 七一 commendations through the gateway, on the running stack: criteria
as data, star ratings computed from the graph and awarded by the street office, five-good
organizations nominated and confirmed, the July-1 list drafted, nominated to and published.

Expectations come from org and grid data read in the test through the graph. Every write
names a year from 2000 to the current one (services/assess/shared/dates.py), so these tests use past
years nobody else uses, 2021-2025: ratings 2021-2024, five-goods 2025, July-1 lists 2021 (its
双争 decided in March 2021, since the previous July 1) and 2024."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import yaml
from sqlalchemy import text

from infra.demo.model import Demo
from infra.setup import Prepared
from services.assess.commendations.criteria import (
    DEFAULT_CRITERIA_FILE,
    CriteriaError,
    parse_criteria,
    read_default_criteria,
)
from services.assess.shared.text import MAX_LINE, MAX_NOTE
from services.assess.standard.documents import read_standard
from services.common.auth import Identity, Role
from stack import DISTRICT, Running, rolled_back

ERRORS = "errors { code message messageEn field rule }"
RATING = """unitId unitName unitKind communityCode computedStars awardedStars reason
  computedWhenAwarded leaderName criteria { code star attested value threshold met }"""
STAR_RATINGS = f"""query ($r: String!, $y: Int!, $c: ID) {{
  starRatings(regionCode: $r, year: $y, criteriaId: $c) {{ {RATING} }} }}"""
AWARD = f"""mutation ($u: ID!, $y: Int!, $s: Int!, $why: String!) {{
  awardStars(unitId: $u, year: $y, stars: $s, reason: $why) {{ rating {{ {RATING} }} {ERRORS} }} }}"""
ATTEST = f"""mutation ($u: ID!, $y: Int!, $c: String!, $n: String!) {{
  attestStarCriterion(unitId: $u, year: $y, criterion: $c, note: $n) {{
    attestation {{ unitId criterion note }} {ERRORS} }} }}"""
LOAD = f"""mutation ($d: String!) {{ loadCommendationCriteria(document: $d, makeCurrent: false) {{
  criteria {{ id isCurrent maxStars }} {ERRORS} }} }}"""
FIVE_GOOD = """communityCode year criteriaId meetsAll stage decisionReason
  goods { code met conditions { kind name value threshold met } }"""
EVALUATE = f"""query ($c: String!, $y: Int!, $k: ID) {{
  fiveGoodEvaluation(communityCode: $c, year: $y, criteriaId: $k) {{ {FIVE_GOOD} }} }}"""
NOMINATE_FIVE = f"""mutation ($c: String!, $y: Int!, $k: ID) {{
  nominateFiveGood(communityCode: $c, year: $y, criteriaId: $k, note: "街道推荐") {{
    evaluation {{ {FIVE_GOOD} }} {ERRORS} }} }}"""
DECIDE_FIVE = f"""mutation ($c: String!, $y: Int!, $ok: Boolean!, $why: String!) {{
  decideFiveGood(communityCode: $c, year: $y, confirmed: $ok, reason: $why) {{
    evaluation {{ {FIVE_GOOD} }} {ERRORS} }} }}"""
LIST_FIELDS = """id districtCode year state publishedAt
  entries { id category subjectId name communityCode management partTimeMember source
            basis { code text textEn } reason }"""
LIST = f"""query ($r: String!, $y: Int!) {{ commendationList(regionCode: $r, year: $y) {{
  {LIST_FIELDS} }} }}"""
DRAFT = f"""mutation ($r: String!, $y: Int!) {{ draftCommendationList(regionCode: $r, year: $y) {{
  commendationList {{ {LIST_FIELDS} }} {ERRORS} }} }}"""
PUBLISH = f"""mutation ($r: String!, $y: Int!) {{ publishCommendationList(regionCode: $r, year: $y) {{
  commendationList {{ {LIST_FIELDS} }} {ERRORS} }} }}"""
NOMINATE = f"""mutation ($y: Int!, $m: ID!, $c: CommendationCategory!, $why: String!) {{
  nominateForCommendation(year: $y, memberId: $m, category: $c, reason: $why) {{
    entry {{ id category subjectId management partTimeMember source }} {ERRORS} }} }}"""
REMOVE = f"""mutation ($e: ID!) {{ removeCommendationEntry(entryId: $e) {{
  commendationList {{ id }} {ERRORS} }} }}"""


def gql(running: Running, query: str, variables: dict | None = None, **kw: Any) -> dict:
    result = running.post(running.gateway, query, variables or {}, **kw)
    assert "errors" not in result, result
    return result["data"]


def payload(running: Running, query: str, variables: dict, **kw: Any) -> dict:
    (value,) = gql(running, query, variables, **kw).values()
    return value


def forbidden(running: Running, query: str, variables: dict, identity: Identity) -> None:
    result = running.post(running.gateway, query, variables, identity=identity)
    assert result.get("errors"), result
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN", result


def codes(found: dict) -> list[str]:
    return [e["code"] for e in found["errors"]]


def street(code: str, name: str = "street") -> Identity:
    return Identity(f"test-{name}", Role.STREET, code[:9])


def _paged(running: Running, query: str, variables: dict, root: str) -> list[dict]:
    nodes, after = [], None
    while True:
        page = gql(running, query, {**variables, "after": after})[root]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


@pytest.fixture(scope="module")
def community(running: Running, demo: Demo) -> str:
    """A 社区党支部 community (its Party groups sit in zones, plan 二; few enough to rate
    fast) whose units the tests below can use: computed stars of more than one level, one
    unit meeting the four computed criteria. Chosen from the graph, not by code: which
    community has them follows the demo generator's geometry."""
    kinds = {o.community_code for o in demo.organizations if o.kind == "branch"}
    for code in sorted(kinds):
        board = gql(running, STAR_RATINGS, {"r": code, "y": 2021})["starRatings"]
        levels = {r["computedStars"] for r in board}
        if len(levels) >= 2 and 4 in levels:
            return code
    raise AssertionError("no branch community of the demo has units of 4 and other stars")


def _db_count(prepared: Prepared, table: str) -> int:
    with rolled_back(prepared.database.service_urls["assess"]) as conn:
        return conn.execute(text(f"SELECT count(*) FROM assess.{table}")).scalar_one()


# -- criteria as data -----------------------------------------------------------------------


def _document(change: Any = None) -> str:
    data = yaml.safe_load(DEFAULT_CRITERIA_FILE.read_text(encoding="utf-8"))
    if change:
        change(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _bump(data: dict, version: int) -> None:
    data["version"] = version


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: d["stars"]["criteria"].append(dict(d["stars"]["criteria"][0])), "repeated"),
        (lambda d: d["five_good"]["goods"][1].update(code="G1"), "repeated"),
        (lambda d: d["stars"]["criteria"][0].update(fact="unit.no_such_fact"), "unknown fact"),
        (lambda d: d["five_good"]["goods"][0]["conditions"][0].update(fact="x.y"), "unknown fact"),
        (lambda d: d["stars"]["criteria"][0].update(star=6), "less than or equal to 5"),
        (lambda d: d["stars"]["criteria"][0].update(star=0), "greater than or equal to 1"),
        (lambda d: d["stars"]["criteria"][1].update(star=3), "without a gap"),
        (lambda d: d["five_good"]["goods"].pop(), "at least 5"),
        (lambda d: d["stars"]["criteria"][3].update(threshold=1.5), "from 0 to 1"),
        (lambda d: d["five_good"]["goods"][4]["conditions"][0].update(threshold=1.5), "whole"),
        (lambda d: d["stars"]["criteria"][0].update(attested=True), "one of the two"),
        (lambda d: d.pop("july_first"), "Field required"),
    ],
)
def test_bad_criteria_documents_are_refused(change: Any, says: str) -> None:
    with pytest.raises(CriteriaError) as refused:
        parse_criteria(_document(change))
    assert says in str(refused.value)


def test_the_shipped_criteria_name_indicators_of_the_default_standard() -> None:
    data, _ = read_default_criteria()
    standard = read_standard()
    assert data.standard == standard.id
    assert data.indicator_codes() <= {i.code for i in standard.indicators}
    assert data.group_names() <= {i.group for i in standard.indicators}
    assert [c.star for c in data.stars.criteria] == [1, 2, 3, 4, 5]
    assert len(data.five_good.goods) == 5  # 五好


@pytest.mark.parametrize(
    ("document", "code", "field"),
    [
        ("stars: [unclosed", "INVALID", "document"),
        ("- a list", "INVALID", "document"),
        (_document(lambda d: (_bump(d, 90), d["stars"]["criteria"][0].update(star=7))), "INVALID", "document"),
        (_document(lambda d: (_bump(d, 91), d["five_good"]["goods"][0]["conditions"].append({"indicator": "Z9"}))), "INVALID", "document"),
        (_document(lambda d: (_bump(d, 92), d["five_good"]["goods"][2]["conditions"][0].update(group="四化·无此组"))), "INVALID", "document"),
        (_document(), "CONFLICT", "document"),  # version 1 is loaded already
    ],
)  # fmt: skip
def test_loading_bad_criteria_is_refused_and_writes_nothing(
    running: Running, prepared: Prepared, document: str, code: str, field: str
) -> None:
    gql(running, "{ commendationCriteria { id } }")  # the shipped version is installed
    before = _db_count(prepared, "commendation_criteria")
    refused = payload(running, LOAD, {"d": document})
    assert codes(refused)[0] == code, refused
    assert refused["errors"][0]["field"][0] == field
    assert refused["errors"][0]["message"] and refused["errors"][0]["messageEn"]
    assert refused["criteria"] is None
    assert _db_count(prepared, "commendation_criteria") == before


def test_only_the_district_loads_criteria(running: Running, community: str) -> None:
    forbidden(running, LOAD, {"d": _document(lambda d: _bump(d, 93))}, street(community))


# -- star ratings ---------------------------------------------------------------------------

UNITS = """query ($c: String!, $k: OrganizationKind!, $after: String) {
  organizations(regionCode: $c, kind: $k, first: 200, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id name parent { id }
            committee { role member { id name posts { kind organization { id } } } } } } }"""
PLACES = """query ($c: String!) { community(code: $c) {
  zones { organization { id }
          buildings { id coverageState residentMemberCount partyGroup { id } } } } }"""
MEMBERS = """query ($c: String!, $after: String) {
  members(filter: {regionCode: $c}, first: 200, after: $after) {
    pageInfo { hasNextPage endCursor } nodes { organization { id } isAble posts { kind } } } }"""


def _expected_stars(running: Running, community: str) -> dict[str, tuple[int, dict[str, bool]]]:
    """plan (五): 星级模范 — each unit's stars by the shipped criteria, from the graph:
    S1 a leader (书记/组长); S2 the leader holds a grid-management post on it; S3 every
    building of its area with resident members covered; S4 90% of its able members (with its
    groups') hold a post; S5 attested by the street office (none yet)."""
    units = [
        n
        for kind in ("GRID_BRANCH", "PARTY_GROUP")
        for n in _paged(running, UNITS, {"c": community, "k": kind}, "organizations")
    ]
    zones = gql(running, PLACES, {"c": community})["community"]["zones"]
    members = _paged(running, MEMBERS, {"c": community}, "members")
    expected = {}
    for unit in units:
        seat = next((s for s in unit["committee"] if s["role"] == "SECRETARY"), None)
        post = seat is not None and any(
            p["kind"] == "GRID_MANAGEMENT" and (p["organization"] or {}).get("id") == unit["id"]
            for p in seat["member"]["posts"]
        )
        area = [
            b
            for z in zones
            for b in z["buildings"]
            if (z["organization"] or {}).get("id") == unit["id"]
            or (b["partyGroup"] or {}).get("id") == unit["id"]
        ]
        lived = [b for b in area if b["residentMemberCount"] > 0]
        covered = bool(area) and all(b["coverageState"] == "COVERED" for b in lived)
        own = {unit["id"]} | {u["id"] for u in units if (u["parent"] or {}).get("id") == unit["id"]}
        mine = [m for m in members if m["isAble"] and (m["organization"] or {}).get("id") in own]
        posts = bool(mine) and sum(bool(m["posts"]) for m in mine) >= 0.9 * len(mine) - 1e-9
        met = {"S1": seat is not None, "S2": post, "S3": covered, "S4": posts, "S5": False}
        stars = 0
        for level, code in enumerate(("S1", "S2", "S3", "S4", "S5"), start=1):
            if not met[code]:
                break
            stars = level
        expected[unit["id"]] = (stars, met)
    return expected


def test_computed_stars_follow_the_graph(running: Running, community: str) -> None:
    expected = _expected_stars(running, community)
    got = gql(running, STAR_RATINGS, {"r": community, "y": 2021})["starRatings"]
    assert {r["unitId"] for r in got} == set(expected)
    for rating in got:
        stars, met = expected[rating["unitId"]]
        assert rating["computedStars"] == stars, rating
        assert {c["code"]: c["met"] for c in rating["criteria"]} == met, rating
        assert rating["awardedStars"] is None
    # The demo has units of several levels (some lack a leader: breach 11 of the generator).
    assert len({s for s, _ in expected.values()}) >= 2


BOTH = f"""query ($c: String!, $y: Int!) {{
  starRatings(regionCode: $c, year: $y) {{ {RATING} }}
  fiveGoodEvaluation(communityCode: $c, year: $y) {{ {FIVE_GOOD} }} }}"""


def test_stars_and_five_goods_in_one_document_read_as_each_alone(
    running: Running, community: str
) -> None:
    """A community's commendations page asks both at once and they share the request's read of
    the community (CommendationsContext.community_bases): the answers are those of each alone."""
    variables = {"c": community, "y": 2021}
    both = gql(running, BOTH, variables)
    assert (
        both["starRatings"]
        == gql(running, STAR_RATINGS, {"r": community, "y": 2021})["starRatings"]
    )
    assert both["fiveGoodEvaluation"] == gql(running, EVALUATE, variables)["fiveGoodEvaluation"]
    assert both["starRatings"] and both["fiveGoodEvaluation"]["goods"]


def test_stars_awarded_with_and_without_a_reason(
    running: Running, prepared: Prepared, community: str
) -> None:
    year = 2022
    office = street(community)
    board = gql(running, STAR_RATINGS, {"r": community, "y": year})["starRatings"]
    unit = next(r for r in board if r["computedStars"] >= 1)
    computed = unit["computedStars"]
    # The computed stars need no reason.
    same = payload(running, AWARD, {"u": unit["unitId"], "y": year, "s": computed, "why": ""},
                   identity=office)  # fmt: skip
    assert same["errors"] == []
    assert (same["rating"]["awardedStars"], same["rating"]["computedWhenAwarded"]) == (
        computed,
        computed,
    )
    # Other stars do.
    other = computed - 1
    refused = payload(running, AWARD, {"u": unit["unitId"], "y": year, "s": other, "why": " "},
                      identity=office)  # fmt: skip
    assert codes(refused) == ["INVALID"] and refused["errors"][0]["field"] == ["reason"]
    for stars in (-1, 6):
        out = payload(running, AWARD, {"u": unit["unitId"], "y": year, "s": stars, "why": "x"},
                      identity=office)  # fmt: skip
        assert codes(out) == ["INVALID"] and out["errors"][0]["field"] == ["stars"]
    missing = payload(running, AWARD, {"u": str(uuid.uuid4()), "y": year, "s": 1, "why": ""})
    assert codes(missing) == ["NOT_FOUND"]
    now = {
        r["unitId"]: r
        for r in gql(running, STAR_RATINGS, {"r": community, "y": year})["starRatings"]
    }
    assert now[unit["unitId"]]["awardedStars"] == computed  # nothing written by the refusals
    why = "楼栋党小组长期坚持入户走访，街道研究后降低一星以示督促"
    lower = payload(running, AWARD, {"u": unit["unitId"], "y": year, "s": other, "why": why},
                    identity=office)  # fmt: skip
    assert lower["errors"] == []
    read = {
        r["unitId"]: r
        for r in gql(running, STAR_RATINGS, {"r": community[:9], "y": year})["starRatings"]
    }
    assert (read[unit["unitId"]]["awardedStars"], read[unit["unitId"]]["computedStars"]) == (
        other,
        computed,
    )
    assert read[unit["unitId"]]["reason"] == why


def test_an_attested_criterion_counts_once_recorded_with_a_note(
    running: Running, prepared: Prepared, community: str
) -> None:
    year = 2023
    office = street(community)
    board = gql(running, STAR_RATINGS, {"r": community, "y": year})["starRatings"]
    unit = next((r for r in board if r["computedStars"] == 4), None)
    # The demo data is deterministic: this community has such a unit (fail, not skip, if not).
    assert unit is not None, "no unit meets the four computed criteria in this community"
    empty = payload(running, ATTEST, {"u": unit["unitId"], "y": year, "c": "S5", "n": "  "},
                    identity=office)  # fmt: skip
    assert codes(empty) == ["INVALID"] and empty["errors"][0]["field"] == ["note"]
    before = _db_count(prepared, "star_attestation")
    for bad_note in ("有记录\x00", "长" * (MAX_NOTE + 1)):  # a NUL; over the cap
        bad = payload(running, ATTEST, {"u": unit["unitId"], "y": year, "c": "S5", "n": bad_note},
                      identity=office)  # fmt: skip
        assert codes(bad) == ["INVALID"] and bad["errors"][0]["field"] == ["note"], bad
    assert _db_count(prepared, "star_attestation") == before
    computed = payload(running, ATTEST, {"u": unit["unitId"], "y": year, "c": "S1", "n": "有"},
                       identity=office)  # fmt: skip
    assert codes(computed) == ["INVALID"] and computed["errors"][0]["field"] == ["criterion"]
    note = f"{year}年开展“双创双争”活动12次，有记录"
    done = payload(running, ATTEST, {"u": unit["unitId"], "y": year, "c": "S5", "n": note},
                   identity=office)  # fmt: skip
    assert done["errors"] == [] and done["attestation"]["note"] == note
    after = {
        r["unitId"]: r
        for r in gql(running, STAR_RATINGS, {"r": community, "y": year})["starRatings"]
    }
    assert after[unit["unitId"]]["computedStars"] == 5
    other_year = {
        r["unitId"]: r
        for r in gql(running, STAR_RATINGS, {"r": community, "y": year + 1})["starRatings"]
    }
    assert other_year[unit["unitId"]]["computedStars"] == 4


def test_star_roles_and_scope(running: Running, demo: Demo, community: str) -> None:
    year = 2024
    board = gql(running, STAR_RATINGS, {"r": community, "y": year})["starRatings"]
    unit = board[0]["unitId"]
    elsewhere = next(c.code for c in demo.communities if c.code[:9] != community[:9])
    variables = {"u": unit, "y": year, "s": 0, "why": "x"}
    # Another street's unit answers as an unknown id would (issue 12, class 7).
    other = street(elsewhere, "other-street")
    assert codes(payload(running, AWARD, variables, identity=other)) == ["NOT_FOUND"]
    forbidden(running, AWARD, variables, Identity("sec", Role.SECRETARY, community))
    forbidden(running, AWARD, variables, Identity("viewer", Role.VIEWER, community[:6]))
    attest = {"u": unit, "y": year, "c": "S5", "n": "x"}
    assert codes(payload(running, ATTEST, attest, identity=other)) == ["NOT_FOUND"]
    # Viewers read within scope; outside it, nothing.
    inside = Identity("viewer", Role.VIEWER, community[:9])
    assert gql(running, STAR_RATINGS, {"r": community, "y": year}, identity=inside)["starRatings"]
    outside = Identity("viewer", Role.VIEWER, elsewhere[:9])
    assert gql(running, STAR_RATINGS, {"r": community, "y": year}, identity=outside) == {
        "starRatings": []
    }


# -- years ----------------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["a year to come", "before 2000"])
def test_writes_of_a_year_not_in_range_are_invalid_and_write_nothing(
    running: Running, prepared: Prepared, community: str, when: str
) -> None:
    """Every write about a year names one from 2000 to the current one (services/assess/
    dates.py): stars, five-goods and 七一 lists of a year to come have not happened. Reads of
    such a year stay open (they find nothing stored)."""
    year = dt.date.today().year + 1 if when == "a year to come" else 1999
    unit = gql(running, STAR_RATINGS, {"r": community, "y": 2021})["starRatings"][0]["unitId"]
    member = gql(
        running,
        "query ($c: String!) { members(filter: {regionCode: $c}, first: 1) { nodes { id } } }",
        {"c": community},
    )["members"]["nodes"][0]["id"]
    office, district = street(community), DISTRICT
    cases = [
        (AWARD, {"u": unit, "y": year, "s": 0, "why": "x"}, office),
        (ATTEST, {"u": unit, "y": year, "c": "S5", "n": "x"}, office),
        (NOMINATE_FIVE, {"c": community, "y": year, "k": None}, office),
        (DECIDE_FIVE, {"c": community, "y": year, "ok": True, "why": ""}, district),
        (DRAFT, {"r": community[:6], "y": year}, district),
        (NOMINATE, {"y": year, "m": member, "c": "EXCELLENT_MEMBER", "why": "x"}, office),
        (PUBLISH, {"r": community[:6], "y": year}, district),
    ]
    tables = ("star_rating", "star_attestation", "five_good", "commendation_list",
              "commendation_entry")  # fmt: skip
    before = {t: _db_count(prepared, t) for t in tables}
    for query, variables, who in cases:
        refused = payload(running, query, variables, identity=who)
        assert codes(refused) == ["INVALID"], (variables, refused)
        assert refused["errors"][0]["field"] == ["year"], refused
        assert refused["errors"][0]["message"] and refused["errors"][0]["messageEn"]
    assert {t: _db_count(prepared, t) for t in tables} == before
    assert gql(running, LIST, {"r": community[:6], "y": year})["commendationList"] is None


# -- five-good ------------------------------------------------------------------------------

FACTS = """query ($c: String!) {
  community(code: $c) { organization { committee { role } } }
  residentUnits(communityCode: $c) { partyOrganizationName agreement { signedOn } }
}"""


def _fact_criteria(version: int, part_time_threshold: int) -> str:
    """Five goods computed from the graph only, so the test can derive them."""

    def facts_only(d: dict) -> None:
        d["id"] = "commend-test"
        d["version"] = version
        goods = d["five_good"]["goods"]
        goods[0]["conditions"] = [{"fact": "community.committee_core", "threshold": 0}]
        goods[1]["conditions"] = [{"fact": "community.units_with_leader", "threshold": 0.5}]
        goods[2]["conditions"] = [
            {"fact": "community.star_units", "params": {"min_stars": 1}, "threshold": 0}
        ]
        goods[3]["conditions"] = [{"fact": "community.excellent_members", "threshold": 0}]
        goods[4]["conditions"] = [
            {"fact": "community.part_time_members", "threshold": part_time_threshold},
            {"fact": "community.co_building_agreements", "threshold": 0},
        ]

    return _document(facts_only)


def test_five_good_evaluated_nominated_and_confirmed(
    running: Running, prepared: Prepared, demo: Demo
) -> None:
    year = 2025
    # A 社区党委 community: its big committee has part-time members (plan 三).
    code = sorted(o.community_code for o in demo.organizations if o.kind == "community_committee")[
        1
    ]
    graph = gql(running, FACTS, {"c": code})
    roles = [s["role"] for s in graph["community"]["organization"]["committee"]]
    part_time = roles.count("PARTTIME_MEMBER")
    units = [
        n
        for kind in ("GRID_BRANCH", "PARTY_GROUP")
        for n in _paged(running, UNITS, {"c": code, "k": kind}, "organizations")
    ]
    led = sum(any(s["role"] == "SECRETARY" for s in u["committee"]) for u in units) / len(units)
    with_org = [u for u in graph["residentUnits"] if u["partyOrganizationName"]]
    signed = sum(u["agreement"] is not None for u in with_org) / len(with_org) if with_org else None
    loaded = payload(running, LOAD, {"d": _fact_criteria(1, part_time)})
    assert loaded["errors"] == [] and loaded["criteria"]["isCurrent"] is False
    strict = payload(running, LOAD, {"d": _fact_criteria(2, part_time + 1)})["criteria"]["id"]
    key = loaded["criteria"]["id"]

    got = gql(running, EVALUATE, {"c": code, "y": year, "k": key})["fiveGoodEvaluation"]
    values = {c["name"]: c["value"] for g in got["goods"] for c in g["conditions"]}
    assert values["community.part_time_members"] == part_time
    assert values["community.units_with_leader"] == pytest.approx(led)
    assert values["community.co_building_agreements"] == (
        pytest.approx(signed) if signed is not None else None
    )
    assert values["community.excellent_members"] == 0  # no 双争 in 2025
    assert values["community.committee_core"] == float(
        {"SECRETARY", "FULLTIME_DEPUTY"} <= set(roles)
    )
    expect_all = led >= 0.5 and signed is not None
    assert got["meetsAll"] is expect_all and got["stage"] is None
    # The demo data is deterministic: the chosen community meets all five (fail, not skip).
    assert expect_all, "the chosen community has no resident unit with a Party organization"

    office = street(code)
    before = _db_count(prepared, "five_good")
    # One part-time member too few under the strict version: refused, nothing written.
    short = payload(running, NOMINATE_FIVE, {"c": code, "y": year, "k": strict}, identity=office)
    assert (
        codes(short) == ["RULE_VIOLATION"] and short["errors"][0]["rule"] == "five_good.all_goods"
    )
    assert "区域共建好" in short["errors"][0]["message"]
    assert _db_count(prepared, "five_good") == before
    forbidden(running, NOMINATE_FIVE, {"c": code, "y": year, "k": key},
              Identity("sec", Role.SECRETARY, code))  # fmt: skip
    made = payload(running, NOMINATE_FIVE, {"c": code, "y": year, "k": key}, identity=office)
    assert made["errors"] == [] and made["evaluation"]["stage"] == "NOMINATED"
    # Only the district confirms; not confirming needs a reason.
    forbidden(running, DECIDE_FIVE, {"c": code, "y": year, "ok": True, "why": ""}, office)
    bare = payload(running, DECIDE_FIVE, {"c": code, "y": year, "ok": False, "why": ""})
    assert codes(bare) == ["INVALID"] and bare["errors"][0]["field"] == ["reason"]
    # A NUL (Postgres refuses it in text) or an over-long reason: INVALID, still nominated.
    for why in ("不予确认\x00", "长" * (MAX_NOTE + 1)):
        bad = payload(running, DECIDE_FIVE, {"c": code, "y": year, "ok": False, "why": why})
        assert codes(bad) == ["INVALID"] and bad["errors"][0]["field"] == ["reason"], bad
    still = gql(running, EVALUATE, {"c": code, "y": year, "k": key})["fiveGoodEvaluation"]
    assert still["stage"] == "NOMINATED"
    done = payload(running, DECIDE_FIVE, {"c": code, "y": year, "ok": True, "why": ""})
    assert done["errors"] == [] and done["evaluation"]["stage"] == "CONFIRMED"
    again = payload(running, DECIDE_FIVE, {"c": code, "y": year, "ok": False, "why": "x"})
    assert codes(again) == ["RULE_VIOLATION"]
    none = payload(running, DECIDE_FIVE, {"c": code, "y": year - 1, "ok": True, "why": ""})
    assert codes(none) == ["NOT_FOUND"]
    listed = gql(
        running,
        """query ($r: String!, $y: Int!) { fiveGoodOrganizations(regionCode: $r, year: $y,
           stage: CONFIRMED) { communityCode stage } }""",
        {"r": code[:9], "y": year},
        identity=Identity("viewer", Role.VIEWER, code[:9]),
    )["fiveGoodOrganizations"]
    assert listed == [{"communityCode": code, "stage": "CONFIRMED"}]


# -- July-1 lists ---------------------------------------------------------------------------

REGISTER = """mutation ($i: RegisterMemberInput!) { registerMember(input: $i) {
  member { id name } errors { code } } }"""
EVALUATION_STEPS = (
    (
        """mutation ($m: ID!, $y: Int!, $on: Date!) { nominateExcellentMember(memberId: $m,
        year: $y, title: SERVICE_MODEL, nominatedBy: "社区党支部", nominatedOn: $on,
        reason: "联管党员，带头参加楼栋志愿服务") { evaluation { id } errors { code } } }"""
    ),
    (
        """mutation ($id: ID!, $from: Date!, $until: Date!) { publicizeEvaluation(id: $id,
        from: $from, until: $until) { evaluation { id } errors { code } } }"""
    ),
    (
        """mutation ($id: ID!, $on: Date!) { decideEvaluation(id: $id, chosen: true,
        decidedOn: $on) { evaluation { id stage } errors { code } } }"""
    ),
)
CHOSEN = """query ($r: String!, $y: Int!, $after: String) {
  evaluations(regionCode: $r, year: $y, stage: CHOSEN, first: 200, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { title decidedOn member { id leftOn } } } }"""


def _choose(running: Running, member: str, year: int) -> dt.date:
    """A 双争 evaluation of the member chosen through org's mutations in March of a year
    (nominated, publicized a week, decided); the decision date."""
    nominated = payload(
        running, EVALUATION_STEPS[0], {"m": member, "y": year, "on": f"{year}-03-01"}
    )
    evaluation = nominated["evaluation"]["id"]
    period = {"id": evaluation, "from": f"{year}-03-02", "until": f"{year}-03-08"}
    assert payload(running, EVALUATION_STEPS[1], period)["errors"] == []
    decided = dt.date(year, 3, 10)
    chosen = payload(running, EVALUATION_STEPS[2], {"id": evaluation, "on": str(decided)})
    assert chosen["evaluation"]["stage"] == "CHOSEN"
    return decided


def _list_year(decided: dt.date) -> int:
    """The 七一 that commends a decision: the first July 1 after it."""
    return decided.year + (1 if decided >= dt.date(decided.year, 7, 1) else 0)


def test_july_first_list_includes_jointly_managed_and_part_time_members(
    running: Running, demo: Demo
) -> None:
    """DOMAIN Commendations: "big-committee part-time members and jointly managed members are
    eligible too"."""
    code = sorted(o.community_code for o in demo.organizations if o.kind == "community_committee")[
        2
    ]
    district = code[:6]
    joint = payload(running, REGISTER, {"i": {
        "communityCode": code, "name": f"联管{uuid.uuid4().hex[:4]}", "gender": "M",
        "birthDate": "1982-03-01", "education": "BACHELOR", "joinedOn": "2006-07-01",
        "management": "JOINT", "employerUnit": "区税务局",
    }})["member"]  # fmt: skip
    decided = _choose(running, joint["id"], 2021)
    year = _list_year(decided)
    units = gql(
        running,
        """query ($c: String!) { residentUnits(communityCode: $c) {
           partTimeMembers { member { id name management } } } }""",
        {"c": code},
    )["residentUnits"]
    part_timer = next(s["member"] for u in units for s in u["partTimeMembers"])
    office = street(code)
    try:
        bare = payload(running, NOMINATE, {"y": year, "m": part_timer["id"],
                                           "c": "EXCELLENT_PARTY_WORKER", "why": " "},
                       identity=office)  # fmt: skip
        assert codes(bare) == ["INVALID"] and bare["errors"][0]["field"] == ["reason"]
        organization = payload(running, NOMINATE, {"y": year, "m": part_timer["id"],
                                                   "c": "FIVE_GOOD_ORGANIZATION", "why": "x"},
                               identity=office)  # fmt: skip
        assert codes(organization) == ["INVALID"]
        elsewhere = next(c.code for c in demo.communities if c.code[:9] != code[:9])
        forbidden(running, NOMINATE, {"y": year, "m": part_timer["id"],
                                      "c": "EXCELLENT_PARTY_WORKER", "why": "x"},
                  street(elsewhere, "other"))  # fmt: skip
        why = "驻社区单位党组织负责人，牵头共建项目3个"
        nominated = payload(running, NOMINATE, {"y": year, "m": part_timer["id"],
                                                "c": "EXCELLENT_PARTY_WORKER", "why": why},
                            identity=office)  # fmt: skip
        assert nominated["errors"] == [], nominated
        twice = payload(running, NOMINATE, {"y": year, "m": part_timer["id"],
                                            "c": "EXCELLENT_PARTY_WORKER", "why": why},
                        identity=office)  # fmt: skip
        assert codes(twice) == ["CONFLICT"]
        forbidden(running, DRAFT, {"r": district, "y": year}, office)
        drafted = payload(running, DRAFT, {"r": district, "y": year})
        assert drafted["errors"] == [], drafted
        entries = drafted["commendationList"]["entries"]
        by_subject = {(e["category"], e["subjectId"]): e for e in entries}
        member_entry = by_subject[("EXCELLENT_MEMBER", joint["id"])]
        assert (member_entry["management"], member_entry["source"]) == ("joint", "evaluation")
        assert member_entry["communityCode"] == code and member_entry["basis"]
        worker = by_subject[("EXCELLENT_PARTY_WORKER", part_timer["id"])]
        assert worker["partTimeMember"] is True and worker["source"] == "nomination"
        assert worker["management"] == part_timer["management"].lower()
        assert worker["reason"] == why
        # Every member chosen since the previous 七一 in the district, and no one else.
        start, end = dt.date(year - 1, 7, 1), dt.date(year, 6, 30)
        chosen = {
            e["member"]["id"]
            for y in (year - 2, year - 1, year)
            for e in _paged(running, CHOSEN, {"r": district, "y": y}, "evaluations")
            if start <= dt.date.fromisoformat(e["decidedOn"]) <= end and not e["member"]["leftOn"]
        }
        listed = {e["subjectId"] for e in entries if e["category"] == "EXCELLENT_MEMBER"
                  and e["source"] == "evaluation"}  # fmt: skip
        assert listed == chosen
        # A secretary reads only the entries of their own community.
        own = gql(running, LIST, {"r": code, "y": year},
                  identity=Identity("sec", Role.SECRETARY, code))["commendationList"]  # fmt: skip
        assert own["entries"] and {e["communityCode"] for e in own["entries"]} == {code}

        published = payload(running, PUBLISH, {"r": district, "y": year})
        assert published["errors"] == [] and published["commendationList"]["state"] == "PUBLISHED"
        locked = gql(running, LIST, {"r": district, "y": year})["commendationList"]
        for query, variables in (
            (DRAFT, {"r": district, "y": year}),
            (PUBLISH, {"r": district, "y": year}),
            (REMOVE, {"e": worker["id"]}),
            (NOMINATE, {"y": year, "m": joint["id"], "c": "EXCELLENT_PARTY_WORKER", "why": "x"}),
        ):
            refused = payload(running, query, variables, identity=DISTRICT)
            assert refused["errors"][0]["rule"] == "commendation.published_locked", refused
        assert gql(running, LIST, {"r": district, "y": year})["commendationList"] == locked
    finally:
        # Restore the community's members: the registered one leaves again.
        left = payload(running, """mutation ($m: ID!, $on: Date!) { markMemberLeft(memberId: $m,
                       leftOn: $on) { errors { code } } }""",
                       {"m": joint["id"], "on": str(dt.date.today())})  # fmt: skip
        assert left["errors"] == []


def test_a_draft_entry_is_removed_by_the_district_only(
    running: Running, prepared: Prepared, demo: Demo
) -> None:
    year = 2024
    code = sorted(o.community_code for o in demo.organizations if o.kind == "general_branch")[0]
    member = _paged(running, """query ($c: String!, $after: String) { members(filter:
        {regionCode: $c, management: JOINT}, first: 5, after: $after) {
        pageInfo { hasNextPage endCursor } nodes { id } } }""",
                    {"c": code}, "members")[0]  # fmt: skip
    before = _db_count(prepared, "commendation_entry")
    for why in ("值守\x00", "长" * (MAX_LINE + 1)):  # a NUL; over the cap: nothing written
        bad = payload(running, NOMINATE, {"y": year, "m": member["id"], "c": "EXCELLENT_MEMBER",
                                          "why": why}, identity=street(code))  # fmt: skip
        assert codes(bad) == ["INVALID"] and bad["errors"][0]["field"] == ["reason"], bad
    assert _db_count(prepared, "commendation_entry") == before
    made = payload(running, NOMINATE, {"y": year, "m": member["id"], "c": "EXCELLENT_MEMBER",
                                       "why": "联管党员，疫情防控卡点值守"}, identity=street(code))  # fmt: skip
    assert made["errors"] == [] and made["entry"]["management"] == "JOINT".lower()
    forbidden(running, REMOVE, {"e": made["entry"]["id"]}, street(code))
    assert payload(running, REMOVE, {"e": made["entry"]["id"]})["errors"] == []
    gone = gql(running, LIST, {"r": code, "y": year})["commendationList"]
    assert made["entry"]["id"] not in {e["id"] for e in gone["entries"]}
    missing = payload(running, REMOVE, {"e": str(uuid.uuid4())})
    assert codes(missing) == ["NOT_FOUND"]
    unpublished = payload(running, PUBLISH, {"r": code[:6], "y": 2023})  # no list of 2023
    assert codes(unpublished) == ["NOT_FOUND"]
