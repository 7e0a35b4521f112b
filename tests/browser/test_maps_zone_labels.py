"""Zone names that thin out instead of piling up (issue 15: "a community of 400 zones was
unreadable"), in Chromium: on the community map, the street map, a page of 400 small zones
and the planner page, no two labels drawn overlap on screen, at any zoom; zooming in shows
more of them. And the planner map's legend."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from browser_pages import Visit
from map_expectations import streets

from infra.demo.model import Demo
from services.common.auth import Identity, Role

# Screen boxes of the zone labels drawn now (inside the map, not hidden).
DRAWN = """() => {
  const map = window.__pgMap.getContainer().getBoundingClientRect();
  return Array.from(document.querySelectorAll('.zone-label')).filter(icon =>
    getComputedStyle(icon).visibility !== 'hidden'
  ).map(icon => (icon.firstElementChild || icon).getBoundingClientRect()).filter(r =>
    r.width > 0 && r.right > map.left && r.bottom > map.top && r.left < map.right &&
    r.top < map.bottom
  ).map(r => [r.left, r.top, r.right, r.bottom]);
}"""
ZOOM = "(z) => { window.__pgMap.setZoom(z, {animate: false}); }"
# 400 small zones' names on a 20 x 20 lattice over the map's view, thinned as the pages do.
FOUR_HUNDRED = """() => {
  const map = window.__pgMap, b = map.getBounds(), group = L.layerGroup().addTo(map);
  for (let i = 0; i < 20; i++) {
    for (let j = 0; j < 20; j++) {
      const lat = b.getSouth() + (i + 0.5) * (b.getNorth() - b.getSouth()) / 20;
      const lng = b.getWest() + (j + 0.5) * (b.getEast() - b.getWest()) / 20;
      const span = document.createElement('span');
      span.textContent = '第' + (i * 20 + j + 1) + '片区';
      L.marker([lat, lng], {interactive: false, priority: (i * 7 + j * 13) % 17, icon: L.divIcon(
        {className: 'zone-label', html: span, iconSize: [120, 16], iconAnchor: [60, 8]})}).addTo(group);
    }
  }
  window.__many = PartyGridLabels.thin(map, group);
  window.__many.update();
  return group.getLayers().length;
}"""


def _overlapping(boxes: list[list[float]]) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, a in enumerate(boxes)
        for j, b in enumerate(boxes[:i])
        if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
    ]


def _settled(seen: Visit) -> list[list[float]]:
    seen.page.wait_for_timeout(200)
    return seen.page.evaluate(DRAWN)


def test_community_and_street_labels_never_overlap(
    visit: Callable[..., Visit], demo: Demo, screenshots: Path
) -> None:
    street = streets(demo)[0]
    code = max(
        (c.code for c in demo.communities if c.code.startswith(street)),
        key=lambda c: sum(1 for z in demo.zones if z.community_code == c),
    )
    zones = sum(1 for z in demo.zones if z.community_code == code)
    seen = visit(f"/maps/coverage/{code}", width=800, height=600)
    fit = seen.page.evaluate("() => window.__pgMap.getZoom()")
    counts = {}
    for zoom in (fit - 3, fit - 1, fit, fit + 1):
        seen.page.evaluate(ZOOM, zoom)
        boxes = _settled(seen)
        assert _overlapping(boxes) == [], zoom
        counts[zoom] = len(boxes)
    assert 1 <= counts[fit - 3] < zones  # far out: a few names, not a pile
    assert counts[fit - 3] <= counts[fit - 1] <= counts[fit]
    seen.page.evaluate(ZOOM, fit - 1)
    _settled(seen)
    seen.page.screenshot(path=screenshots / "maps-zone-labels.png")
    region = visit(f"/maps/coverage/{street}", width=800, height=600)
    for zoom in (12, 13, 15):
        region.page.evaluate(ZOOM, zoom)
        boxes = _settled(region)
        assert boxes and _overlapping(boxes) == [], zoom
    assert seen.errors == [] and region.errors == []


def test_four_hundred_zones_stay_readable(visit: Callable[..., Visit], demo: Demo) -> None:
    code = sorted(c.code for c in demo.communities)[0]
    seen = visit(f"/maps/coverage/{code}", width=1000, height=700)
    assert seen.page.evaluate(FOUR_HUNDRED) == 400
    shown = []
    for step in (0, 1, 2):
        if step:
            seen.page.evaluate("() => { window.__pgMap.zoomOut(1, {animate: false}); }")
        seen.page.wait_for_timeout(200)
        boxes = seen.page.evaluate(
            "() => window.__many.boxes()"
        )  # the thinned lattice's labels only
        assert _overlapping(boxes) == [], step
        shown.append(len(boxes))
    assert 0 < shown[2] < shown[0] < 400  # the lattice packed tighter: fewer names
    assert seen.errors == []


def test_the_planner_map_has_thinned_labels_and_a_legend(
    visit: Callable[..., Visit], demo: Demo, screenshots: Path
) -> None:
    street = streets(demo)[0]
    code = sorted(c.code for c in demo.communities if c.code.startswith(street))[0]
    planner = Identity("test-planner", Role.PLANNER, street)
    seen = visit(f"/maps/planner/{code}", identity=planner, width=1200, height=700)
    page = seen.page
    page.wait_for_function("() => window.__pgPlanner && window.__pgPlanner.ready")
    zones = sum(1 for z in demo.zones if z.community_code == code)
    assert page.locator(".zone-label").count() == zones
    fit = page.evaluate("() => window.__pgMap.getZoom()")
    for zoom in (fit - 3, fit, fit + 1):
        page.evaluate(ZOOM, zoom)
        boxes = _settled(seen)
        assert boxes and _overlapping(boxes) == [], zoom
    legend = page.locator("#planner-legend")
    text = legend.inner_text()
    for words in ("片区颜色：网格党支部", "虚线：无网格党支部的片区", "楼栋颜色：覆盖状态"):
        assert words in text
    for words in ("已覆盖（有党小组）", "未覆盖（无党小组）", "未覆盖且有党员居住", "不在任何片区"):
        assert words in text
    branches = {
        o.name
        for o in demo.organizations
        if o.zone_id in {z.id for z in demo.zones if z.community_code == code}
    }
    assert branches and all(name in text for name in branches)
    page.evaluate(ZOOM, fit)
    _settled(seen)
    page.screenshot(path=screenshots / "planner-zone-labels.png")
    assert seen.errors == []
