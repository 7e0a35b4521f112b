"""Coverage map pages: served by the gateway from the graph, and needing no internet."""

from __future__ import annotations

import re
from collections import Counter

import httpx
import pytest

from expectations import expected_zone
from infra.demo.model import BRANCH, COMMUNITY_KINDS, Demo
from stack import DISTRICT, Running

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//(?!127\.0\.0\.1)""", re.I)


def _page(running: Running, path: str) -> httpx.Response:
    return httpx.get(
        running.gateway.replace("/graphql", path),
        headers=running.headers(running.gateway, DISTRICT),
        timeout=60,
    )


def expected_summary(demo: Demo, code: str) -> dict[str, int]:
    """Building states computed from the demo data, not from the service."""
    zone_of = expected_zone(demo)
    kind = next(
        o.kind for o in demo.organizations if o.community_code == code and o.kind in COMMUNITY_KINDS
    )
    zone_org = {o.zone_id for o in demo.organizations if o.zone_id}
    grouped = {o.building_id for o in demo.organizations if o.building_id}
    residents = Counter(m.home_building_id for m in demo.members if m.home_building_id)
    states: Counter[str] = Counter()
    for b in (b for b in demo.buildings if b.community_code == code):
        zone = zone_of[b.id]
        if zone is None:
            states["orphan"] += 1
        elif b.id in grouped or (kind == BRANCH and zone in zone_org):
            states["covered"] += 1
        else:
            states["gap_members" if residents[b.id] else "gap"] += 1
    return states


def test_a_community_map_shows_its_coverage_offline(running: Running, demo: Demo) -> None:
    # The community with the most gaps of the worst kind makes the strongest check.
    code = max(
        (c.code for c in demo.communities),
        key=lambda c: expected_summary(demo, c)["gap_members"],
    )
    states = expected_summary(demo, code)
    response = _page(running, f"/maps/coverage/{code}")
    assert response.status_code == 200
    page = response.text
    assert not EXTERNAL.search(page), EXTERNAL.search(page)
    assert '<script src="/static/leaflet/leaflet.js">' in page
    total = sum(states.values())
    assert f"{100 * states['covered'] / total:.1f}% ({states['covered']}/{total})" in page
    for label in ("未覆盖且有党员居住", "不在任何片区", "楼栋覆盖率"):
        assert label in page
    assert page.count("#7f0000") >= states["gap_members"]  # dark red: gap with residents
    static = _page(running, "/static/leaflet/leaflet.js")
    assert static.status_code == 200
    assert "Leaflet" in static.text[:500]


def test_english_labels_on_request(running: Running, demo: Demo) -> None:
    page = _page(running, f"/maps/coverage/{demo.communities[0].code}?lang=en").text
    assert "Buildings covered" in page
    assert "楼栋覆盖率" not in page


def test_the_district_map_links_every_community(running: Running, demo: Demo) -> None:
    response = _page(running, "/maps/coverage")
    assert response.status_code == 200
    assert not EXTERNAL.search(response.text)
    for community in demo.communities:
        assert f"/maps/coverage/{community.code}" in response.text
    total = Counter()
    for community in demo.communities:
        total.update(expected_summary(demo, community.code))
    buildings = sum(total.values())
    assert f"({total['covered']}/{buildings})" in response.text


@pytest.mark.parametrize("code", ["410104999999", "not-a-code"])
def test_an_unknown_community_is_404(running: Running, code: str) -> None:
    assert _page(running, f"/maps/coverage/{code}").status_code == 404
