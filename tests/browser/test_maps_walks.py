"""Role walks on the coverage maps (issue 15, "Done when"), in Chromium, with screenshots:

- district (区委组织部): open the district map, find the worst community (lowest share of
  covered buildings) from the page's own figures, open its map through its popup's link;
- street office (街道): open the street map and read each community's figures there.

Expectations come from the demo data (map_expectations), never from the services."""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

from browser_pages import Visit
from map_expectations import expected_counts, streets
from test_maps_community_popup import POINT, _inside_a_zone_off_buildings

from infra.demo.model import Demo
from services.common.auth import Identity, Role

# What the page itself says of each community (its outline's figures).
FIGURES = """() => {
  const out = {};
  window.__pgLayers.communities.eachLayer(l => {
    const p = l.feature.properties;
    out[p.code] = p.coverage;
  });
  return out;
}"""
FRACTION = re.compile(r"\((\d+)/(\d+)\)")


def _share(text: str) -> Fraction:
    covered, total = FRACTION.search(text).groups()
    return Fraction(int(covered), int(total)) if int(total) else Fraction(1)


def _expected_share(demo: Demo, code: str) -> Fraction:
    counts = expected_counts(demo, code)
    total = sum(counts.values())
    return Fraction(counts["COVERED"], total) if total else Fraction(1)


def _point_at(seen: Visit, demo: Demo, code: str, zoom: int) -> tuple[float, float]:
    point = _inside_a_zone_off_buildings(demo, code)
    seen.page.evaluate(
        "([lat, lon, z]) => window.__pgMap.setView([lat, lon], z, {animate: false})",
        [point.y, point.x, zoom],
    )
    seen.page.wait_for_timeout(300)
    return seen.page.evaluate(POINT, [point.y, point.x])


def _covered(demo: Demo, code: str) -> str:
    """The "(covered/buildings)" part of a coverage figure (the percentage's rounding is
    the graph's)."""
    counts = expected_counts(demo, code)
    return f"({counts['COVERED']}/{sum(counts.values())})"


def _name(demo: Demo, code: str) -> str:
    return next(r.name for r in demo.regions if r.code == code)


def test_district_walk_finds_the_worst_community_and_opens_it(
    visit: Callable[..., Visit], demo: Demo, screenshots: Path
) -> None:
    seen = visit("/maps/coverage")
    page = seen.page
    page.wait_for_function("() => document.getElementById('pg-header').dataset.ready === '1'")
    shown = page.evaluate(FIGURES)
    assert set(shown) == {c.code for c in demo.communities}
    worst = min(shown, key=lambda code: (_share(shown[code]), code))
    lowest = min(_expected_share(demo, c.code) for c in demo.communities)
    assert _share(shown[worst]) == lowest == _expected_share(demo, worst)
    x, y = _point_at(seen, demo, worst, 13)
    page.mouse.move(x - 6, y)
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content >> visible=true")
    popup.wait_for()
    assert _name(demo, worst) in popup.inner_text()
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
    )
    page.screenshot(path=screenshots / "maps-district-walk.png")
    popup.get_by_role("link", name="打开社区覆盖图").click()
    page.wait_for_url(f"**/maps/coverage/{worst}")
    page.wait_for_load_state("networkidle")
    panel = page.locator("#coverage-figures").inner_text()
    assert _covered(demo, worst) in panel
    assert _name(demo, worst) in page.locator("#coverage-panel .title").inner_text()
    page.screenshot(path=screenshots / "maps-district-walk-community.png")
    assert seen.errors == []


def test_street_walk_reads_its_communities_figures(
    visit: Callable[..., Visit], demo: Demo, screenshots: Path
) -> None:
    street = min(streets(demo), key=lambda code: _expected_share(demo, code))  # most to read
    seen = visit(f"/maps/coverage/{street}", identity=Identity("test-street", Role.STREET, street))
    page = seen.page
    page.wait_for_function("() => document.getElementById('pg-header').dataset.ready === '1'")
    assert "办事处党工委" in page.locator("#pg-header").inner_text()
    panel = page.locator("#coverage-figures").inner_text()
    assert _covered(demo, street) in panel
    communities = sorted(c.code for c in demo.communities if c.code.startswith(street))
    assert set(page.evaluate(FIGURES)) == set(communities)
    for code in communities:
        # Read as a user does: the tooltip over the community.
        x, y = _point_at(seen, demo, code, 13)
        page.mouse.move(1, 1)
        page.mouse.move(x - 6, y)
        page.mouse.move(x, y)
        tooltip = page.locator(".leaflet-tooltip >> visible=true")
        tooltip.wait_for()
        text = tooltip.inner_text()
        counts = expected_counts(demo, code)
        assert _name(demo, code) in text, code
        assert _covered(demo, code) in text, code
        gaps = counts["GAP_WITH_MEMBERS"] + counts["GAP"] + counts["ORPHAN"]
        assert re.search(rf"覆盖缺口\s+{gaps}\b", text), (code, text)
    page.evaluate("() => window.__pgMap.setZoom(13, {animate: false})")
    page.screenshot(path=screenshots / "maps-street-walk.png")
    assert seen.errors == []
