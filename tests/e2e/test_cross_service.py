"""Through the gateway: one query spanning org and grid returns the demo district."""

from __future__ import annotations

from collections import Counter

import httpx

from expectations import expected_zone, reading_key
from infra.demo.model import Demo
from stack import Running

CROSS_SERVICE = """
query ($code: String!) {
  community(code: $code) {
    name
    organization { name kind }
    zones { name organization { name kind } buildings { name residentMemberCount } }
  }
}"""


def test_the_issue_query_returns_the_demo_data(running: Running, demo: Demo) -> None:
    """Issue 2: `community(code:) { name organization { name } zones { name buildings { name } } }`."""
    zone_of = expected_zone(demo)
    residents = Counter(m.home_building_id for m in demo.members if m.home_building_id)
    names = {r.code: r.name for r in demo.regions}
    checked_gap = False
    for community in demo.communities:
        result = running.post(running.gateway, CROSS_SERVICE, {"code": community.code})
        assert "errors" not in result, result
        got = result["data"]["community"]
        assert got["name"] == names[community.code]
        community_org = next(
            o
            for o in demo.organizations
            if o.community_code == community.code
            and o.kind in ("community_committee", "general_branch", "branch")
        )
        assert got["organization"] == {
            "name": community_org.name,
            "kind": community_org.kind.upper(),
        }
        zones = sorted(
            (z for z in demo.zones if z.community_code == community.code),
            key=lambda z: reading_key(z.name),
        )
        assert [z["name"] for z in got["zones"]] == [z.name for z in zones]
        for zone_json, zone in zip(got["zones"], zones, strict=True):
            assigned = next((o for o in demo.organizations if o.zone_id == zone.id), None)
            expected_org = assigned and {"name": assigned.name, "kind": assigned.kind.upper()}
            assert zone_json["organization"] == expected_org
            checked_gap |= expected_org is None  # a zone with no grid branch (gap 3)
            buildings = [b for b in demo.buildings if zone_of[b.id] == zone.id]
            assert sorted(
                (b["name"], b["residentMemberCount"]) for b in zone_json["buildings"]
            ) == sorted((b.name, residents.get(b.id, 0)) for b in buildings)
    assert checked_gap, "the demo must hold a zone without its grid branch"


def test_an_unknown_community_is_null_not_an_error(running: Running) -> None:
    result = running.post(running.gateway, CROSS_SERVICE, {"code": "410104999999"})
    assert result == {"data": {"community": None}}


def test_health_of_every_process(running: Running) -> None:
    for url in [*running.subgraphs.values(), running.gateway]:
        response = httpx.get(url.replace("/graphql", "/healthz"), timeout=10)
        assert response.status_code == 200, url
