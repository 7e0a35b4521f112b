"""Org's set-based resident counts (`residentCounts`): the Party members living in each
building of whole communities, which grid's coverage ranks its gaps by — compared with the
demo district, computed here from its buildings and members."""

from __future__ import annotations

from collections.abc import Collection

from org_api import mutate, query, register

from infra.demo.model import SELF_MANAGED, Demo
from stack import Running

RESIDENT_COUNTS = """query ($codes: [String!]!) { residentCounts(communityCodes: $codes) {
  buildingId total selfManaged nonSelfManaged jointlyManaged notReportedIn } }"""
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
    rows = query(running, RESIDENT_COUNTS, {"codes": codes})["residentCounts"]
    by_building = {row.pop("buildingId"): row for row in rows}
    assert len(by_building) == len(rows), "one entry per building"
    return by_building


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


def test_unknown_or_no_community_gives_nothing(running: Running) -> None:
    assert resident_counts(running, ["410104999999"]) == {}
    assert resident_counts(running, []) == {}
    assert resident_counts(running, ["not a code"]) == {}
