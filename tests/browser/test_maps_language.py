"""What a user reads on the map pages (issue 15, item 10), in Chromium: no raw enum value of
the graph (coverage states, roles, organization kinds, member fields...) anywhere on the
page, its header, legends, panels, tooltips or popups, in Chinese or English; Leaflet's
attribution prefix gone (no "Leaflet" link, no flag), the attribution naming the data
sources only; a metric scale bar only."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from browser_pages import Visit
from map_expectations import streets
from supergraph_enums import user_enum_values

from infra.demo.model import Demo
from services.common.auth import Identity, Role

RAW = re.compile(r"\b(" + "|".join(sorted(user_enum_values(), key=len, reverse=True)) + r")\b")
# Everything the page shows now: its text, its open tooltips and popups included.
TEXT = "() => document.body.innerText"
OPEN_A_BUILDING = """() => {
  let first = null;
  window.__pgLayers.buildings.eachLayer(l => { first = first || l; });
  // The popup is bound to the whole layer: a click on one building, passed up, opens it.
  const at = first.getBounds ? first.getBounds().getCenter() : first.getLatLng();
  first.fire('click', {latlng: at}, true);
}"""


def _pages(demo: Demo) -> list[tuple[str, Identity | None]]:
    street = streets(demo)[0]
    community = sorted(c.code for c in demo.communities if c.code.startswith(street))[0]
    planner = Identity("test-planner", Role.PLANNER, street)
    return [
        (f"/maps/coverage/{community}", planner),
        (f"/maps/coverage/{street}", None),
        ("/maps/coverage", None),
        (f"/maps/planner/{community}", planner),
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_raw_enum_value_and_no_leaflet_prefix_on_a_map_page(
    visit: Callable[..., Visit], demo: Demo, screenshots: Path, lang: str
) -> None:
    assert {"GAP_WITH_MEMBERS", "PLANNER", "COVERED"} <= user_enum_values()
    for path, identity in _pages(demo):
        url = path + ("?lang=en" if lang == "en" else "")
        seen = visit(url) if identity is None else visit(url, identity=identity)
        page = seen.page
        page.wait_for_function("() => document.getElementById('pg-header').dataset.ready")
        if path.count("/") == 3 and len(path.rsplit("/", 1)[1]) == 12 and "planner" not in path:
            page.evaluate(OPEN_A_BUILDING)
            page.locator(
                ".leaflet-popup-content .pg-residents, .leaflet-popup-content"
            ).first.wait_for()
        found = sorted(set(RAW.findall(page.evaluate(TEXT))))
        assert found == [], (url, found)
        attribution = page.locator(".leaflet-control-attribution")
        assert "Leaflet" not in attribution.inner_text(), url
        assert attribution.locator("svg, img").count() == 0, url
        expected = "PartyGrid" if lang == "en" else "党建网格"
        assert expected in attribution.inner_text(), url
        scale = page.locator(".leaflet-control-scale-line")
        assert scale.count() == 1, url
        assert re.fullmatch(r"\d+ k?m", scale.inner_text().strip()), url
        assert seen.errors == [], url
    page.screenshot(path=screenshots / f"maps-language-{lang}.png")
