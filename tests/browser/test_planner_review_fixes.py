"""The planner page after the review of its parts (review items 6, 8, 9, 11, 14), in a real
browser.

- One zone stands out at a time, whichever part lit it, and a zone comes back in its own
  style, not another highlight's or Leaflet.draw's edit style (item 6).
- A name holding "$&" or "$'" reads as typed in the page's messages (item 8).
- Deleting one piece of a multi-part zone previews the zone redrawn as its other pieces;
  deleting every piece previews deleting it (item 9).
- "Use the repaired shape" on a redraw whose repair is in pieces makes one layer per piece,
  which Leaflet.draw then edits (item 10).
- Erasing a painting while its preview is on its way leaves a page with no edit (item 11).
- The zone, branch and group lists order names as the zone table does: numbers by value,
  第一片区 before 第十片区 (item 14).

Expectations come from the demo data (infra/demo/model.py, shapely) and the labels; the
names' order from the browser's zh-CN collation for the words and a reading of the numerals
of the tests' own (as grid's natural_key reads them).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import shapely
from browser_pages import Visit
from playwright.sync_api import Page, Route
from test_planner_orgs import (
    DISSOLVE,
    _collated,
    _group_ids_named,
    _listed,
    _most_groups,
    _names,
)
from test_planner_page import (
    REDRAW,
    ZONE,
    Clearing,
    Corner,
    _point,
    clear_spot,
    click,
    console_errors,
    drag_corner,
    fit,
    open_planner,
    same_shape,
    wait_idle,
)

from gateway.maps.planner_labels import planner_labels
from infra.demo.model import BRANCH, COMMUNITY_KINDS, Demo
from stack import DISTRICT, Running

T = planner_labels(None)
HIGHLIGHT_COLOURS = {"#ffab00", "#0d47a1"}


def _table_zones(page: Page) -> list[str]:
    return page.evaluate("() => window.__pgPlanner.zonesTable.rows.map((r) => r.id)")


def _zone_styles(page: Page) -> dict[str, list[dict]]:
    """Every zone layer's drawn style, by zone id."""
    return page.evaluate(
        """() => { const out = {};
             window.__pgPlanner.zones.eachLayer((l) => { if (!l.zone) { return; }
               (out[l.zone.id] = out[l.zone.id] || []).push({ color: l.options.color,
                 weight: l.options.weight, dashArray: l.options.dashArray || null }); });
             return out; }"""
    )


def _lit(page: Page) -> set[str]:
    """The zones drawn in a highlight's style (any piece)."""
    return {
        zone
        for zone, styles in _zone_styles(page).items()
        if any(s["color"] in HIGHLIGHT_COLOURS or s["weight"] >= 5 for s in styles)
    }


def test_one_zone_stands_out_and_each_comes_back_in_its_own_style(
    visit: Callable[..., Visit], demo: Demo, screenshots: Path
) -> None:
    code = max(
        {z.community_code for z in demo.zones},
        key=lambda c: (sum(z.community_code == c for z in demo.zones), c),
    )
    seen = open_planner(visit, code)
    page = seen.page
    a, b, c = _table_zones(page)[:3]
    zone_a = next(z for z in demo.zones if str(z.id) == a)
    # The review's walk: hover A's row, click A on the map, click B's row, pick C in the list.
    page.locator(f"#planner-zones-table tr[data-zone='{a}']").hover()
    fit(page, zone_a.boundary)
    spot, _ = clear_spot(demo, zone_a)
    click(page, *_point(page, spot.x, spot.y))
    assert page.locator("#planner-branch-zone").input_value() == a
    page.locator(f"#planner-zones-table tr[data-zone='{b}']").click()
    page.locator("#planner-branch-zone").select_option(c)
    assert _lit(page) == {c}, "one zone lit at a time"
    page.screenshot(path=screenshots / "planner-one-highlight.png")

    # Picked while Leaflet.draw edits the zones, saved, then another picked: A comes back in
    # its own style, not the edit mode's dashed one (a dash means "no branch").
    page.locator("a.leaflet-draw-edit-edit").click()
    page.locator("#planner-branch-zone").select_option(a)
    page.locator("ul.leaflet-draw-actions a", has_text="保存").click()
    wait_idle(page)
    assert _lit(page) == {a}
    page.locator("#planner-branch-zone").select_option(b)
    assert _lit(page) == {b}
    own = page.evaluate(
        "(id) => window.__pgPlanner.zoneLayers(id).map((l) => !!l.zone.organization)", a
    )
    for styles, has_branch in zip(_zone_styles(page)[a], own, strict=True):
        assert styles["weight"] == 2
        assert styles["dashArray"] == (None if has_branch else "6 4")
    assert console_errors(seen) == []


def test_a_name_with_dollar_patterns_reads_as_typed(
    visit: Callable[..., Visit], running: Running, demo: Demo
) -> None:
    # String.replace reads "$&" as the matched text and "$'" as the text after it.
    code = _most_groups(demo)
    branch = sorted(_names(demo, code, "grid_branch"))[0]
    name = f"美元$&党小组$'{uuid.uuid4().hex[:6]}"
    try:
        seen = visit(f"/maps/planner/{code}", identity=DISTRICT)
        page = seen.page
        page.wait_for_function("() => window.__pgPlanner && window.__pgPlanner.ready")
        page.locator("#planner-create-org-kind").select_option("PARTY_GROUP")
        page.locator("#planner-create-org-name").fill(name)
        page.locator("#planner-create-org-parent").select_option(label=f"{branch}（网格党支部）")
        page.locator("#planner-create-org-button").click()
        page.locator("#planner-message.ok").wait_for()
        wait_idle(page)
        assert page.locator("#planner-message").inner_text() == T["created_org"].format(name=name)
        assert console_errors(seen) == []
    finally:
        for org_id in _group_ids_named(running, code, name):
            running.post(running.gateway, DISSOLVE, {"id": org_id})


def test_the_lists_order_names_as_the_zone_table(visit: Callable[..., Visit], demo: Demo) -> None:
    code = _most_groups(demo)
    page = open_planner(visit, code).page
    table = page.evaluate("() => window.__pgPlanner.zonesTable.rows.map((r) => r.name)")
    zone_names = [z.name for z in demo.zones if z.community_code == code]
    assert table == _collated(page, zone_names), "第一片区 first, numbers by value"
    assert _listed(page, "planner-branch-zone") == table
    assert _listed(page, "planner-branch") == _collated(page, _names(demo, code, "grid_branch"))
    assert _listed(page, "planner-group") == _collated(page, _names(demo, code, "party_group"))


def test_deleting_one_piece_of_a_zone_previews_the_rest(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    clearing: Clearing,
    restore: Callable[[str], None],
    screenshots: Path,
) -> None:
    code = clearing.code
    zone = next(z for z in demo.zones if z.community_code == code)
    # A zone of two pieces: its own shape and a square of open land away from every zone.
    piece = clearing.square
    restore(code)
    version = running.post(running.gateway, ZONE, {"id": str(zone.id)})["data"]["zone"]["version"]
    two = shapely.MultiPolygon([zone.boundary, piece])
    answer = running.post(
        running.gateway,
        REDRAW,
        {"id": str(zone.id), "b": shapely.geometry.mapping(two), "v": version},
    )["data"]["redrawZone"]
    assert answer["errors"] == [], answer
    seen = open_planner(visit, code)
    page = seen.page
    footprints = shapely.union_all(
        [b.footprint for b in demo.buildings if b.community_code == code]
    )

    def spot(shape: shapely.Polygon) -> tuple[float, float]:
        free = shape.difference(footprints.buffer(1e-5))
        return _point(
            page, *shapely.get_point(shapely.maximum_inscribed_circle(free, 1e-6), 0).coords[0]
        )

    def delete(*shapes: shapely.Polygon) -> dict:
        fit(page, shapely.union_all(list(shapes)))
        page.locator("a.leaflet-draw-edit-remove").click()
        for shape in shapes:
            click(page, *spot(shape))
        page.locator("ul.leaflet-draw-actions a", has_text="保存").click()
        wait_idle(page)
        return page.evaluate("() => window.__pgPlanner.pending")

    pending = delete(piece)
    assert pending["op"] == "redraw" and pending["zoneId"] == str(zone.id)
    assert same_shape(shapely.geometry.shape(pending["boundary"]), zone.boundary)
    assert page.locator("#planner-message.error").count() == 0
    page.screenshot(path=screenshots / "planner-delete-piece.png")
    page.locator("#planner-discard").click()
    wait_idle(page)
    pending = delete(piece, zone.boundary)
    assert pending == {"op": "delete", "zoneId": str(zone.id), "expectedVersion": version + 1}
    page.locator("#planner-discard").click()
    assert console_errors(seen) == []


def test_erasing_while_the_preview_is_on_its_way_leaves_no_edit(
    visit: Callable[..., Visit], demo: Demo
) -> None:
    kinds = {o.community_code: o.kind for o in demo.organizations if o.kind in COMMUNITY_KINDS}
    zoned = shapely.union_all([z.boundary for z in demo.zones])
    building = max(
        (
            b
            for b in demo.buildings
            if kinds[b.community_code] != BRANCH
            and b.footprint.geom_type == "Polygon"
            and zoned.covers(b.footprint.representative_point())
        ),
        key=lambda b: (b.footprint.area, str(b.id)),
    )
    seen = open_planner(visit, building.community_code)
    page = seen.page
    page.locator("input[name=planner-mode][value=groups]").check()
    page.locator("#planner-group").select_option(index=1)
    fit(page, building.footprint.buffer(building.footprint.length / 4))
    at = building.footprint.representative_point()
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route("**/preview", hold)
    page.locator("input[name=planner-brush][value=paint]").check()
    click(page, *_point(page, at.x, at.y))
    while not held:
        page.wait_for_timeout(20)
    assert page.evaluate("() => window.__pgPlanner.busy")
    page.locator("input[name=planner-brush][value=erase]").check()
    click(page, *_point(page, at.x, at.y))
    assert page.evaluate("() => window.__pgPlanner.brush.painted()") == []
    held[0].continue_()
    page.unroute("**/preview")
    page.wait_for_function(
        "() => !window.__pgPlanner.busy && window.__pgPlanner.pending === null", timeout=5000
    )
    assert page.locator("#planner-diff").is_hidden()
    assert page.locator("#planner-commit").is_disabled()
    assert console_errors(seen) == []


def test_a_repaired_shape_in_pieces_is_a_layer_per_piece(
    visit: Callable[..., Visit],
    corner: Corner,
) -> None:
    # A corner dragged across the zone, past the edge after next: a bow tie, which the grid
    # repairs into two polygons.
    zone = corner.zone
    ring = list(zone.boundary.exterior.coords)[:-1]
    i = ring.index(corner.vertex)
    before, (ax, ay), (bx, by) = ring[i - 1], ring[(i + 1) % len(ring)], ring[(i + 2) % len(ring)]
    middle = ((ax + bx) / 2, (ay + by) / 2)
    target = (before[0] + 1.1 * (middle[0] - before[0]), before[1] + 1.1 * (middle[1] - before[1]))
    seen = open_planner(visit, zone.community_code)
    page = seen.page
    drag_corner(page, Corner(zone, corner.vertex, target))
    page.locator("#planner-use-repaired").click()
    wait_idle(page)
    offered = shapely.geometry.shape(page.evaluate("window.__pgPlanner.pending.boundary"))
    pieces = page.evaluate(
        """(id) => window.__pgPlanner.zoneLayers(id).map((l) => l.toGeoJSON(false).geometry)""",
        str(zone.id),
    )
    assert [p["type"] for p in pieces] == ["Polygon"] * len(shapely.get_parts(offered))
    assert same_shape(shapely.union_all([shapely.geometry.shape(p) for p in pieces]), offered)
    # The new pieces answer as the old layers did: hovering one lights its zone's table row.
    lit = page.evaluate(
        """(id) => { const P = window.__pgPlanner;
            P.zoneLayers(id).slice(-1)[0].fire('mouseover'); return P.highlighted(); }""",
        str(zone.id),
    )
    assert lit == {"id": str(zone.id), "kind": "table"}
    # Leaflet.draw edits every piece (a nested one threw "reading 'lat'").
    page.locator("a.leaflet-draw-edit-edit").click()
    page.locator("ul.leaflet-draw-actions a", has_text="取消").click()
    page.locator("#planner-discard").click()
    assert console_errors(seen) == []


def test_a_bad_organization_body_is_refused_in_words_not_json_keys(
    running: Running, demo: Demo
) -> None:
    code = _most_groups(demo)
    base = running.gateway.removesuffix("/graphql")
    district = running.headers(running.gateway, DISTRICT) | {"origin": base}
    answer = httpx.post(f"{base}/maps/planner/{code}/organizations", headers=district, json=[])
    assert answer.status_code == 400
    error = answer.json()["errors"][0]
    assert error["code"] == "INVALID"
    # A reader of Chinese is told what to give, not the page's field names.
    assert not {"name", "kind", "parentId"} & set(re.findall("[A-Za-z]+", error["message"]))
    assert "parentId" not in error["messageEn"]
