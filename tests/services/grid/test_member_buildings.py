"""Coverage's buildings with resident members (what assess grades O4 on): per community and
summed, against the demo district as generated (DOMAIN "The coverage graph"; plan 二
"党小组建到楼栋", "社区党支部应将党小组建在片区"). Nothing here writes."""

from __future__ import annotations

import uuid
from collections import Counter

from expectations import expected_zone
from infra.demo.model import BRANCH, COMMUNITY_KINDS, PARTY_GROUP, Demo
from stack import Running

QUERY = """query ($code: String!) { coverage(regionCode: $code) {
  residentsKnown memberBuildings memberBuildingsCovered
  communities { code memberBuildings memberBuildingsCovered } } }"""


def _expected(demo: Demo) -> dict[str, tuple[int, int]]:
    """Per community: buildings with a resident member who has not left, and of them those
    covered — their own Party group, or (a 社区党支部 community) their zone's group. An orphan
    (in no zone) is never covered."""
    zone_of = expected_zone(demo)
    zone_org = {o.zone_id for o in demo.organizations if o.zone_id is not None}
    grouped = {o.building_id for o in demo.organizations if o.kind == PARTY_GROUP}
    kind = {o.community_code: o.kind for o in demo.organizations if o.kind in COMMUNITY_KINDS}
    residents = Counter(
        m.home_building_id
        for m in demo.members
        if m.home_building_id is not None and m.left_on is None
    )
    found: dict[str, list[int]] = {c.code: [0, 0] for c in demo.communities}
    for b in demo.buildings:
        if not residents[b.id]:
            continue
        zone: uuid.UUID | None = zone_of[b.id]
        covered = zone is not None and (
            b.id in grouped or (kind.get(b.community_code) == BRANCH and zone in zone_org)
        )
        found[b.community_code][0] += 1
        found[b.community_code][1] += covered
    return {code: (n, k) for code, (n, k) in found.items()}


def test_member_buildings_match_the_demo(running: Running, demo: Demo) -> None:
    district = next(r.code for r in demo.regions if r.level == "district")
    body = running.post(running.subgraphs["grid"], QUERY, {"code": district})
    assert "errors" not in body, body
    coverage = body["data"]["coverage"]
    assert coverage["residentsKnown"]
    expected = _expected(demo)
    got = {
        c["code"]: (c["memberBuildings"], c["memberBuildingsCovered"])
        for c in coverage["communities"]
    }
    assert got == expected
    assert (coverage["memberBuildings"], coverage["memberBuildingsCovered"]) == (
        sum(n for n, _ in expected.values()),
        sum(k for _, k in expected.values()),
    )
    # The demo's gap 1 (buildings with members and no group) makes the share fall short.
    assert any(k < n for n, k in expected.values())
