"""Merging zones on the planner page (issue 15, item 2): the demo's neighbours, a road apart,
merge into one polygon; zones far apart only with the planner's confirmation, into a zone of
several pieces; either way editing vertices afterwards works, piece by piece, with no error
in the page (it threw "reading 'lat'" of null for every zone of the community).

Expectations come from the demo (shapely); each test undoes what it committed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import shapely
from browser_pages import Visit
from playwright.sync_api import Page
from test_planner_page import (
    Corner,
    _neighbours,
    _point,
    clear_spot,
    click,
    commit_and_wait,
    console_errors,
    drag_corner,
    fit,
    graph_zones,
    open_planner,
    same_shape,
    undo_and_wait,
    wait_idle,
)

from infra.demo.model import Demo, Zone
from stack import Running


def _pick(page: Page, demo: Demo, zones: tuple[Zone, ...]) -> None:
    """In merge mode, click each zone at its clearest spot, in order."""
    page.locator("input[name=planner-mode][value=merge]").check()
    fit(page, shapely.union_all([z.boundary for z in zones]))
    for zone in zones:
        spot, _room = clear_spot(demo, zone)
        click(page, *_point(page, spot.x, spot.y))


def _inward_corner(zone: Zone, shape: shapely.Polygon, others: list[Zone]) -> Corner:
    """The vertex of `shape` farthest from the other zones, dragged a quarter of the way to
    the piece's centre (inside it: no overlap, no crossing)."""
    vertex = max(
        list(shape.exterior.coords)[:-1],
        key=lambda v: min(o.boundary.distance(shapely.Point(v)) for o in others),
    )
    centre = shape.centroid
    target = (vertex[0] + 0.25 * (centre.x - vertex[0]), vertex[1] + 0.25 * (centre.y - vertex[1]))
    return Corner(dataclasses.replace(zone, boundary=shape), vertex, target)


def _pieces(page: Page, zone_id: str) -> int:
    return page.evaluate("(id) => window.__pgPlanner.zoneLayers(id).length", zone_id)


def test_neighbours_a_road_apart_merge_into_one_polygon_and_stay_editable(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    screenshots: Path,
    restore: Callable[[str], None],
) -> None:
    kept, gone = _neighbours(demo)
    code = kept.community_code
    restore(code)
    assert kept.boundary.distance(gone.boundary) > 0, "the demo's neighbours do not touch"
    seen = open_planner(visit, code)
    page = seen.page
    _pick(page, demo, (kept, gone))
    page.locator("#planner-merge-preview").click()
    wait_idle(page)
    assert page.evaluate("window.__pgPlanner.result.ok") is True
    bridged = page.locator("#planner-findings li[data-code=MERGE_BRIDGED]")
    assert "合并后的片区一并纳入其间" in bridged.inner_text()
    commit_and_wait(page)

    zones, _ = graph_zones(running, code)
    merged = shapely.geometry.shape(zones[str(kept.id)]["boundary"])
    assert merged.geom_type == "Polygon"
    # Both zones whole (up to the 7 decimals GeoJSON carries through the graph, ~1 cm).
    assert merged.buffer(1e-7).covers(shapely.union_all([kept.boundary, gone.boundary]))
    assert _pieces(page, str(kept.id)) == 1
    fit(page, merged)
    page.screenshot(path=screenshots / "planner-merge-contiguous.png")

    # Vertex editing afterwards: the edit toolbar opens and a drag previews a redraw.
    others = [z for z in demo.zones if z.community_code == code and z not in (kept, gone)]
    drag_corner(page, _inward_corner(kept, merged, others))
    pending = page.evaluate("window.__pgPlanner.pending")
    assert (pending["op"], pending["zoneId"]) == ("redraw", str(kept.id))
    assert pending["boundary"]["type"] == "Polygon"
    page.locator("#planner-discard").click()
    wait_idle(page)
    undo_and_wait(page)
    zones, _ = graph_zones(running, code)
    assert str(gone.id) in zones
    assert console_errors(seen) == []


def _far_pair(demo: Demo) -> tuple[Zone, Zone]:
    """Two zones of one community far apart (ten times the merge gap and more), with the
    most room to click."""
    room = {z.id: clear_spot(demo, z)[1] for z in demo.zones}
    pairs = [
        (a, b)
        for a in demo.zones
        for b in demo.zones
        if a.community_code == b.community_code
        and str(a.id) < str(b.id)
        and a.boundary.distance(b.boundary) > 1e-3
    ]
    return max(pairs, key=lambda p: (min(room[p[0].id], room[p[1].id]), str(p[0].id)))


def test_zones_far_apart_merge_only_when_confirmed_and_each_piece_stays_editable(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    screenshots: Path,
    restore: Callable[[str], None],
) -> None:
    first, second = _far_pair(demo)
    code = first.community_code
    restore(code)
    count = len(graph_zones(running, code)[0])
    seen = open_planner(visit, code)
    page = seen.page
    _pick(page, demo, (first, second))
    page.locator("#planner-merge-preview").click()
    wait_idle(page)
    refusal = page.locator("#planner-message.error").inner_text()
    assert "互不相连" in refusal and "米" in refusal
    assert page.locator("#planner-commit").is_disabled()
    confirm = page.locator("#planner-merge-multi")
    assert confirm.is_visible() and confirm.inner_text() == "确认合并为多块片区"
    confirm.click()
    wait_idle(page)
    assert page.evaluate("window.__pgPlanner.pending.allowMultiPart") is True
    assert page.locator("#planner-findings li[data-code=MULTI_PART]").count() == 1
    assert not confirm.is_visible()
    commit_and_wait(page)

    zones, _ = graph_zones(running, code)
    assert len(zones) == count - 1
    merged = shapely.geometry.shape(zones[str(first.id)]["boundary"])
    assert merged.geom_type == "MultiPolygon" and len(merged.geoms) == 2
    assert _pieces(page, str(first.id)) == 2
    page.screenshot(path=screenshots / "planner-merge-multi-part.png")

    # Each piece edits on its own; the redraw sends the whole zone, the other piece as it was.
    piece = next(g for g in merged.geoms if g.distance(second.boundary) < 1e-6)
    others = [z for z in demo.zones if z.community_code == code and z not in (first, second)]
    drag_corner(page, _inward_corner(first, piece, [*others, first]))
    pending = page.evaluate("window.__pgPlanner.pending")
    assert (pending["op"], pending["zoneId"]) == ("redraw", str(first.id))
    sent = shapely.geometry.shape(pending["boundary"])
    assert sent.geom_type == "MultiPolygon" and len(sent.geoms) == 2
    untouched = next(g for g in sent.geoms if g.distance(first.boundary) < 1e-6)
    assert same_shape(untouched, first.boundary)
    page.locator("#planner-discard").click()
    wait_idle(page)
    undo_and_wait(page)
    assert len(graph_zones(running, code)[0]) == count
    assert console_errors(seen) == []
