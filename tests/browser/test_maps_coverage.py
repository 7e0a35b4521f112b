"""Coverage maps in headless Chromium: each renders offline, with no console errors, and
draws exactly the buildings the demo data says, in the colours of their states (counted
from the page's own map objects). Screenshots are saved as artifacts."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from browser_pages import Visit
from map_expectations import expected_states, region_bounds, streets

from gateway.maps.coverage import COLOURS
from infra.demo.model import Demo

BUILDINGS_ZOOM = 14  # grid puts buildings in tiles from this zoom on

COUNT_INLINE = """() => {
  const out = {};
  window.__pgLayers.buildings.eachLayer(l => {
    const key = l.feature.properties.state + '|' + l.options.fillColor;
    out[key] = (out[key] || 0) + 1;
  });
  return out;
}"""

# Every feature VectorGrid drew, by id, with the fill colour the page's style gave it.
DRAWN = """(name) => {
  const layer = window.__pgLayers[name], seen = {};
  for (const key in layer._vectorTiles) {
    const features = layer._vectorTiles[key]._features;
    for (const id in features) { seen[id] = features[id].feature.options.fillColor; }
  }
  return seen;
}"""

# Move the map and wait until the named tile layer has loaded every visible tile.
GO_AND_LOAD = """([lat, lon, zoom, name]) => new Promise(resolve => {
  const layer = window.__pgLayers[name];
  layer.once('load', () => resolve(true));
  window.__pgMap.setView([lat, lon], zoom, {animate: false});
  if (!layer.isLoading() && Object.keys(layer._tiles).length) { resolve(true); }
})"""


def _clean(seen: Visit) -> None:
    assert seen.external_requests() == []
    assert seen.errors == []


def _viewport_for(bounds: tuple[float, float, float, float], zoom: int) -> tuple[int, int]:
    """CSS pixels that hold `bounds` at `zoom` in Web Mercator, plus a margin."""
    minx, miny, maxx, maxy = bounds

    def y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    scale = 256 * 2**zoom
    width = (maxx - minx) / 360 * scale
    height = (y(maxy) - y(miny)) / (2 * math.pi) * scale
    return int(width) + 160, int(height) + 160


def _drawn_buildings_match(seen: Visit, demo: Demo, prefix: str) -> Counter[str]:
    """Show all of the region's buildings, then compare each drawn one with the demo data."""
    bounds = region_bounds(demo, prefix)
    centre = ((bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2)
    assert seen.page.evaluate(GO_AND_LOAD, [*centre, BUILDINGS_ZOOM, "buildings"])
    drawn = seen.page.evaluate(DRAWN, "buildings")
    expected = {str(i): COLOURS[s] for i, s in expected_states(demo, prefix).items()}
    assert set(drawn) == set(expected)
    wrong = {i: (drawn[i], expected[i]) for i in expected if drawn[i] != expected[i]}
    assert wrong == {}
    by_colour = {colour: state for state, colour in COLOURS.items()}
    return Counter(by_colour[c] for c in drawn.values())


def test_a_community_map_draws_every_building_by_state(
    visit: Callable[..., Visit], demo: Demo, screenshots: Path
) -> None:
    code = max(
        (c.code for c in demo.communities),
        key=lambda c: Counter(expected_states(demo, c).values())["GAP_WITH_MEMBERS"],
    )
    seen = visit(f"/maps/coverage/{code}")
    expected = Counter(expected_states(demo, code).values())
    drawn = seen.page.evaluate(COUNT_INLINE)
    assert drawn == {f"{s}|{COLOURS[s]}": n for s, n in expected.items()}
    zones = seen.page.evaluate("() => window.__pgLayers.zones.getLayers().length")
    assert zones == sum(1 for z in demo.zones if z.community_code == code)
    assert seen.page.locator(".zone-label").count() == zones
    assert seen.page.locator(".leaflet-control-layers").count() == 1
    assert seen.page.locator("#coverage-legend > div").count() == 6
    seen.page.screenshot(path=screenshots / f"coverage-community-{code}.png")
    # A building's popup: click the first worst gap where the map draws it.
    worst = next(i for i, s in expected_states(demo, code).items() if s == "GAP_WITH_MEMBERS")
    point = next(b for b in demo.buildings if b.id == worst).footprint.representative_point()
    seen.page.evaluate(
        "([lat, lon]) => { window.__pgMap.setView([lat, lon], 19, {animate: false}); }",
        [point.y, point.x],
    )
    box = seen.page.locator(".leaflet-container").bounding_box()
    seen.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = seen.page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert next(b.name for b in demo.buildings if b.id == worst) in popup.inner_text()
    assert "居住党员" in popup.inner_text()
    names = seen.page.locator(".leaflet-popup-content .pg-residents")
    names.wait_for()
    residents = {m.name for m in demo.members if m.home_building_id == worst}
    assert any(name in names.inner_text() for name in residents)
    seen.page.wait_for_function(
        "() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
    )
    seen.page.screenshot(path=screenshots / f"coverage-community-{code}-popup.png")
    _clean(seen)


def test_a_street_map_draws_its_buildings_from_tiles(
    visit: Callable[..., Visit], demo: Demo, screenshots: Path
) -> None:
    street = max(streets(demo), key=lambda s: len(expected_states(demo, s)))
    width, height = _viewport_for(region_bounds(demo, street), BUILDINGS_ZOOM)
    seen = visit(f"/maps/coverage/{street}", width=width, height=height)
    zones = seen.page.evaluate(DRAWN, "zones")
    assert set(zones) == {str(z.id) for z in demo.zones if z.community_code.startswith(street)}
    seen.page.screenshot(path=screenshots / f"coverage-street-{street}.png")
    counts = _drawn_buildings_match(seen, demo, street)
    assert counts == Counter(expected_states(demo, street).values())
    seen.page.screenshot(path=screenshots / f"coverage-street-{street}-z14.png")
    # Click a worst gap close up: its popup comes from /maps/buildings with the cookie.
    worst = next(i for i, s in expected_states(demo, street).items() if s == "GAP_WITH_MEMBERS")
    building = next(b for b in demo.buildings if b.id == worst)
    point = building.footprint.representative_point()
    assert seen.page.evaluate(GO_AND_LOAD, [point.y, point.x, 19, "buildings"])
    box = seen.page.locator(".leaflet-container").bounding_box()
    seen.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = seen.page.locator(".leaflet-popup-content table")
    popup.wait_for()
    text = popup.inner_text()
    assert building.name in text
    assert "未覆盖且有党员居住" in text
    _clean(seen)


def test_the_district_map_opens_with_every_zone_and_building(
    visit: Callable[..., Visit], demo: Demo, screenshots: Path
) -> None:
    width, height = _viewport_for(region_bounds(demo, "410104"), BUILDINGS_ZOOM)
    seen = visit("/maps/coverage", width=width, height=height)
    communities = seen.page.evaluate("() => window.__pgLayers.communities.getLayers().length")
    assert communities == len(demo.communities)
    zones = seen.page.evaluate(DRAWN, "zones")
    assert len(zones) == len(demo.zones)
    seen.page.screenshot(path=screenshots / "coverage-district-410104.png")
    counts = _drawn_buildings_match(seen, demo, "410104")
    assert sum(counts.values()) == len(demo.buildings)
    seen.page.screenshot(path=screenshots / "coverage-district-410104-z14.png")
    _clean(seen)


def test_english_map_labels(visit: Callable[..., Visit], demo: Demo) -> None:
    seen = visit(f"/maps/coverage/{streets(demo)[0]}?lang=en")
    legend = seen.page.locator("#coverage-legend").inner_text()
    assert "Gap with resident members" in legend
    assert "未覆盖" not in legend
    assert "Buildings" in seen.page.locator(".leaflet-control-layers").inner_text()
    _clean(seen)
