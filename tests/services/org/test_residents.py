"""Org's set-based answers for grid's coverage: `regionResidents` (the Party members living in
each building of whole regions, as columns, which coverage ranks its gaps by, and the kinds of
the regions' communities) and `communityKinds` — compared with the demo district, computed
here from its data."""

from __future__ import annotations

from collections.abc import Collection

from org_api import mutate, query, register

from infra.demo.model import COMMUNITY_KINDS as KINDS_OF_COMMUNITY
from infra.demo.model import SELF_MANAGED, Demo
from stack import Running

RESIDENT_TABLE = """query ($codes: [String!]!) { regionResidents(regionCodes: $codes) {
  buildingIds total selfManaged nonSelfManaged jointlyManaged notReportedIn } }"""
FIELD_OF_MANAGEMENT = {
    "self": "selfManaged",
    "non_self": "nonSelfManaged",
    "joint": "jointlyManaged",
}
FIELDS = ["total", *FIELD_OF_MANAGEMENT.values(), "notReportedIn"]


def expected_counts(demo: Demo, codes: Collection[str]) -> dict[str, dict[str, int]]:
    """Per building of these communities with a resident who has not left, by building id."""
    community_of = {b.id: b.community_code for b in demo.buildings}
    counts: dict[str, dict[str, int]] = {}
    for m in demo.members:
        if m.left_on is not None or community_of.get(m.home_building_id) not in codes:
            continue
        entry = counts.setdefault(str(m.home_building_id), dict.fromkeys(FIELDS, 0))
        entry["total"] += 1
        entry[FIELD_OF_MANAGEMENT[m.management]] += 1
        # plan 三 党员报到: a non-self-managed resident who has not reported in
        entry["notReportedIn"] += m.management != SELF_MANAGED and m.reported_in_on is None
    return counts


def resident_counts(running: Running, codes: list[str]) -> dict[str, dict[str, int]]:
    table = query(running, RESIDENT_TABLE, {"codes": codes})["regionResidents"]
    ids = table.pop("buildingIds")
    assert ids == sorted(ids), "ordered by building id"
    assert all(len(column) == len(ids) for column in table.values()), "one entry per building"
    assert len(set(ids)) == len(ids)
    return {b: {f: table[f][i] for f in FIELDS} for i, b in enumerate(ids)}


def test_one_community_matches_the_demo(running: Running, demo: Demo) -> None:
    code = demo.communities[1].code
    expected = expected_counts(demo, {code})
    assert sum(e["nonSelfManaged"] for e in expected.values()) > 0  # a meaningful sample
    assert sum(e["notReportedIn"] for e in expected.values()) > 0
    assert resident_counts(running, [code]) == expected


def test_several_communities_match_the_demo(running: Running, demo: Demo) -> None:
    some = [c.code for c in demo.communities[2:5]]
    assert resident_counts(running, some) == expected_counts(demo, set(some))
    every = [c.code for c in demo.communities]
    got = resident_counts(running, every)
    assert got == expected_counts(demo, set(every))
    # Only buildings with residents are listed; the demo has buildings without any.
    assert 0 < len(got) < len(demo.buildings)
    assert all(entry["total"] > 0 for entry in got.values())


def test_members_who_left_are_excluded(running: Running, demo: Demo) -> None:
    code = demo.communities[1].code
    home = next(b for b in demo.buildings if b.community_code == code)
    before = resident_counts(running, [code])
    guest = register(
        running,
        communityCode=code,
        management="NON_SELF",
        employerUnit="管城区教育局",
        homeBuildingId=str(home.id),
    )
    assert guest["errors"] == []
    arrived = resident_counts(running, [code])[str(home.id)]
    had = before.get(str(home.id), dict.fromkeys(FIELDS, 0))
    assert arrived["total"] == had["total"] + 1
    assert arrived["nonSelfManaged"] == had["nonSelfManaged"] + 1
    assert arrived["notReportedIn"] == had["notReportedIn"] + 1
    # Leaving takes the member out again, as the demo's counts were, for the tests after this.
    left = mutate(
        running,
        """mutation ($id: ID!) { markMemberLeft(memberId: $id, leftOn: "2024-06-01") {
          member { leftOn } errors { code } } }""",
        {"id": guest["member"]["id"]},
    )
    assert left["errors"] == []
    assert resident_counts(running, [code]) == before


def test_a_street_or_district_code_covers_its_communities(running: Running, demo: Demo) -> None:
    district = next(r.code for r in demo.regions if r.level == "district")
    street = next(r.code for r in demo.regions if r.level == "street")
    of_street = {c.code for c in demo.communities if c.code.startswith(street)}
    assert 0 < len(of_street) < len(demo.communities)
    assert resident_counts(running, [street]) == expected_counts(demo, of_street)
    every = {c.code for c in demo.communities}
    assert resident_counts(running, [district]) == expected_counts(demo, every)
    # Overlapping regions count each building once.
    assert resident_counts(running, [district, street]) == expected_counts(demo, every)


def test_unknown_or_no_community_gives_nothing(running: Running) -> None:
    assert resident_counts(running, ["410104999999"]) == {}
    assert resident_counts(running, []) == {}


def test_a_malformed_region_code_is_an_error(running: Running) -> None:
    for bad in ("not a code", "4101", "41010400100%", ""):
        result = running.post(running.subgraphs["org"], RESIDENT_TABLE, {"codes": [bad]})
        assert result["data"] is None
        assert result["errors"][0]["extensions"]["code"] == "INVALID"
        assert result["errors"][0]["extensions"]["field"] == ["regionCodes", "0"]


COMMUNITY_KINDS = """query ($codes: [String!]!) { communityKinds(regionCodes: $codes) {
  code kind } }"""


def test_community_kinds_name_each_communitys_organization(running: Running, demo: Demo) -> None:
    district = next(r.code for r in demo.regions if r.level == "district")
    got = query(running, COMMUNITY_KINDS, {"codes": [district]})["communityKinds"]
    expected = {
        o.community_code: o.kind.upper() for o in demo.organizations if o.kind in KINDS_OF_COMMUNITY
    }
    assert [row["code"] for row in got] == sorted(c.code for c in demo.communities)
    assert {row["code"]: row["kind"] for row in got} == {
        c.code: expected.get(c.code) for c in demo.communities
    }
    assert len(set(expected.values())) == 3  # committee, general branch and branch all occur
    bundled = """query ($codes: [String!]!) { regionResidents(regionCodes: $codes) {
      communities { code kind } } }"""
    assert query(running, bundled, {"codes": [district]})["regionResidents"]["communities"] == got
    one = demo.communities[0].code
    assert query(running, COMMUNITY_KINDS, {"codes": [one]})["communityKinds"] == [
        {"code": one, "kind": expected.get(one)}
    ]
