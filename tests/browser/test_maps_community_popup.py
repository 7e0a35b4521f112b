"""District and street maps (issue 15, item 1): the community under the pointer answers a
hover or a click with its name, figures and the link to its own map, though zones are drawn
over it; hiding the zones leaves the zoom where it was, and zooming out still works."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shapely
from browser_pages import Visit
from map_expectations import expected_counts, streets

from infra.demo.model import Demo

# The page's point for a lon/lat, in page coordinates (the map fills the window).
POINT = """([lat, lon]) => {
  const p = window.__pgMap.latLngToContainerPoint([lat, lon]);
  const box = window.__pgMap.getContainer().getBoundingClientRect();
  return [box.left + p.x, box.top + p.y];
}"""


def _inside_a_zone_off_buildings(demo: Demo, code: str) -> shapely.Point:
    """A point of the community inside one of its zones (where the zone layer used to take
    the pointer) and away from every building (whose own popup would answer)."""
    community = next(c for c in demo.communities if c.code == code)
    zones = shapely.union_all([z.boundary for z in demo.zones if z.community_code == code])
    near = shapely.union_all(
        [b.footprint.buffer(0.0003) for b in demo.buildings if b.community_code == code]
    )
    room = community.boundary.intersection(zones).difference(near).buffer(-0.0001)
    assert not room.is_empty, code
    return room.representative_point()


def _community_answers(seen: Visit, demo: Demo, code: str, zoom: int) -> str:
    point = _inside_a_zone_off_buildings(demo, code)
    seen.page.mouse.move(1, 1)
    seen.page.evaluate("() => { window.__pgMap.closePopup(); }")
    seen.page.evaluate(
        "([lat, lon, z]) => window.__pgMap.setView([lat, lon], z, {animate: false})",
        [point.y, point.x, zoom],
    )
    seen.page.wait_for_timeout(300)
    x, y = seen.page.evaluate(POINT, [point.y, point.x])
    name = next(r.name for r in demo.regions if r.code == code)
    counts = expected_counts(demo, code)
    figures = f"({counts['COVERED']}/{sum(counts.values())})"
    seen.page.mouse.move(x - 6, y)  # enter the shape: a mouseover needs a move into it
    seen.page.mouse.move(x, y)
    tooltip = seen.page.locator(".leaflet-tooltip >> visible=true")
    tooltip.wait_for()
    assert name in tooltip.inner_text()
    assert figures in tooltip.inner_text()
    seen.page.mouse.click(x, y)
    popup = seen.page.locator(".leaflet-popup-content >> visible=true")
    popup.wait_for()
    text = popup.inner_text()
    assert name in text and figures in text
    link = popup.get_by_role("link", name="打开社区覆盖图")
    assert link.get_attribute("href") == f"/maps/coverage/{code}"
    return text


def test_a_community_answers_hover_and_click_on_the_street_map(
    visit: Callable[..., Visit], demo: Demo, screenshots: Path
) -> None:
    street = streets(demo)[0]
    code = sorted(c.code for c in demo.communities if c.code.startswith(street))[0]
    seen = visit(f"/maps/coverage/{street}")
    _community_answers(seen, demo, code, 13)
    _community_answers(seen, demo, code, 16)  # buildings drawn from tiles here
    seen.page.screenshot(path=screenshots / "maps-community-popup.png")
    assert seen.errors == []


def test_a_community_answers_on_the_district_map(visit: Callable[..., Visit], demo: Demo) -> None:
    code = sorted(c.code for c in demo.communities)[-1]
    seen = visit("/maps/coverage")
    _community_answers(seen, demo, code, 13)
    assert seen.errors == []


def test_hiding_the_zones_keeps_the_zoom(visit: Callable[..., Visit], demo: Demo) -> None:
    seen = visit(f"/maps/coverage/{streets(demo)[0]}")
    page = seen.page
    page.evaluate("() => window.__pgMap.setZoom(12, {animate: false})")
    before = page.evaluate("() => window.__pgMap.getZoom()")
    assert before < 14
    page.locator(".leaflet-control-layers label", has_text="片区").filter(
        has_not_text="名称"
    ).locator("input").uncheck()
    page.wait_for_timeout(300)
    assert not page.evaluate("() => window.__pgMap.hasLayer(window.__pgLayers.zones)")
    assert page.evaluate("() => window.__pgMap.getZoom()") == before
    assert page.evaluate("() => window.__pgMap.getMinZoom()") == 0
    page.locator(".leaflet-control-zoom-out").click()
    page.wait_for_function(f"() => window.__pgMap.getZoom() === {before - 1}")
    assert seen.errors == []
