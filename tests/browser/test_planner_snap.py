"""Snapping and shared vertices on the planner page (issue 15, item 6 and the geometry help):
corners clicked a few pixels off the community boundary land exactly on it (the grid then
accepts the zone), a marker shows where; moving a vertex two zones share moves it in both,
previewed and committed as one change set that one undo reverses.

Places come from the demo (shapely); each test leaves the grid as it found it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import shapely
from browser_pages import Visit
from playwright.sync_api import Page
from shapely.geometry import LineString, Polygon
from test_planner_page import (
    ZONE,
    _point,
    change_sets,
    click,
    commit_and_wait,
    console_errors,
    fit,
    graph_zones,
    open_planner,
    planner_of,
    undo_and_wait,
    wait_idle,
)

from infra.demo.model import Demo
from stack import Running

SPLIT = """mutation ($z: ID!, $l: GeoJSON!, $v: Int!) {
  splitZone(zoneId: $z, line: $l, expectedVersion: $v, newZoneName: "测试半区") {
    diff { zonesCreated } errors { code } } }"""

SIDE = 1e-4  # degrees (~10 m): the new zone's side along the boundary, and its depth
OFF = 5  # pixels outside the boundary where the planner clicks


@dataclass(frozen=True)
class Edge:
    """A straight stretch of a community's boundary with open land inside it: the zone to
    draw has corners a, b on it and c, d inside (`inward`: unit normal into the community)."""

    code: str
    a: tuple[float, float]
    b: tuple[float, float]
    inward: tuple[float, float]

    def corners(self) -> list[tuple[float, float]]:
        nx, ny = self.inward
        a, b = self.a, self.b
        return [a, b, (b[0] + nx * SIDE, b[1] + ny * SIDE), (a[0] + nx * SIDE, a[1] + ny * SIDE)]


@pytest.fixture(scope="module")
def edge(demo: Demo) -> Edge:
    """Of every boundary segment long enough, the one whose square farthest from any zone."""
    found = []
    for community in demo.communities:
        zones = shapely.union_all(
            [z.boundary for z in demo.zones if z.community_code == community.code]
        )
        ring = list(community.boundary.exterior.coords)
        for (ax, ay), (bx, by) in itertools.pairwise(ring):
            length = math.hypot(bx - ax, by - ay)
            if length < 3 * SIDE:
                continue
            ux, uy = (bx - ax) / length, (by - ay) / length
            mx, my = (ax + bx) / 2, (ay + by) / 2
            nx, ny = -uy, ux
            if not community.boundary.contains(shapely.Point(mx + nx * 1e-6, my + ny * 1e-6)):
                nx, ny = uy, -ux
            a = (mx - ux * SIDE / 2, my - uy * SIDE / 2)
            b = (mx + ux * SIDE / 2, my + uy * SIDE / 2)
            candidate = Edge(community.code, a, b, (nx, ny))
            square = Polygon(candidate.corners())
            if square.difference(community.boundary).area > 1e-13:
                continue
            found.append((square.distance(zones), community.code, candidate))
    distance, _code, best = max(found, key=lambda f: (f[0], f[1]))
    assert distance > 4 * SIDE, "the demo has no open land along a boundary"
    return best


def _off(page: Page, at: tuple[float, float], inward: tuple[float, float]) -> tuple[float, float]:
    """The viewport pixel OFF pixels outside the boundary from `at`."""
    x, y = _point(page, *at)
    ox, oy = _point(page, at[0] - inward[0] * 1e-5, at[1] - inward[1] * 1e-5)
    norm = math.hypot(ox - x, oy - y)
    return x + (ox - x) / norm * OFF, y + (oy - y) / norm * OFF


def test_corners_clicked_just_off_the_boundary_snap_onto_it(
    visit: Callable[..., Visit], running: Running, demo: Demo, edge: Edge, screenshots: Path
) -> None:
    code = edge.code
    count = change_sets(running, code)["totalCount"]
    seen = open_planner(visit, code)
    page = seen.page
    corners = edge.corners()
    fit(page, Polygon(corners).buffer(SIDE))
    clicks = [_off(page, edge.a, edge.inward), _off(page, edge.b, edge.inward)]
    clicks += [_point(page, *c) for c in corners[2:]]
    page.locator("a.leaflet-draw-draw-polygon").click()
    # Hovering near the boundary shows where the vertex would go.
    page.mouse.move(*clicks[0], steps=5)
    snapped = page.evaluate("window.__pgPlanner.snap.last")
    assert snapped["kind"] == "edge"
    assert page.locator("path.pg-snap-marker").is_visible()
    page.screenshot(path=screenshots / "planner-snap.png")
    for x, y in [*clicks, clicks[0]]:
        click(page, x, y)
    wait_idle(page)

    pending = page.evaluate("window.__pgPlanner.pending")
    assert pending["op"] == "create"
    ring = pending["boundary"]["coordinates"][0]
    served = shapely.geometry.shape(page.evaluate("window.__pgPlanner.state.community.boundary"))
    on = [shapely.Point(p).distance(served.exterior) for p in ring[:-1]]
    assert on[0] < 1e-12 and on[1] < 1e-12, on  # exactly on the boundary the page has
    assert min(on[2:]) > SIDE / 2  # the inner corners stay where they were clicked
    segment = LineString([edge.a, edge.b])
    assert max(shapely.Point(p).distance(segment) for p in ring[:2]) < 1e-6  # where clicked
    assert page.evaluate("window.__pgPlanner.result.ok") is True  # the grid accepts it
    assert page.locator("#planner-commit").is_enabled()
    assert page.locator("#planner-message.error").count() == 0
    page.screenshot(path=screenshots / "planner-snap-preview.png")
    page.locator("#planner-discard").click()
    assert change_sets(running, code)["totalCount"] == count
    assert console_errors(seen) == []


def _shared_move(a: Polygon, b: Polygon) -> tuple[tuple[float, float], tuple[float, float]]:
    """A vertex both zones have, and 30% of the way from it along the edge they share (far
    from every other zone and the boundary: nothing else to snap to)."""
    ring = list(a.exterior.coords)[:-1]
    shared = set(ring) & set(b.exterior.coords)
    for i, p in enumerate(ring):
        other = ring[(i + 1) % len(ring)]
        if p in shared and other in shared:
            return p, (p[0] + 0.3 * (other[0] - p[0]), p[1] + 0.3 * (other[1] - p[1]))
    raise AssertionError("the halves share no edge")


def test_moving_a_vertex_two_zones_share_moves_both_in_one_change_set(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    screenshots: Path,
    restore: Callable[[str], None],
) -> None:
    zone = max(demo.zones, key=lambda z: (z.boundary.area, str(z.id)))
    code = zone.community_code
    restore(code)
    # Two zones sharing an edge: the zone split down the middle (the split is undone after).
    version = running.post(running.gateway, ZONE, {"id": str(zone.id)})["data"]["zone"]["version"]
    minx, miny, maxx, maxy = zone.boundary.bounds
    line = LineString([((minx + maxx) / 2, miny - 0.01), ((minx + maxx) / 2, maxy + 0.01)])
    split = running.post(
        running.gateway,
        SPLIT,
        {"z": str(zone.id), "l": shapely.geometry.mapping(line), "v": version},
        identity=planner_of(code),
    )["data"]["splitZone"]
    assert split["errors"] == []
    (half,) = split["diff"]["zonesCreated"]
    zones, _ = graph_zones(running, code)
    a = shapely.geometry.shape(zones[str(zone.id)]["boundary"])
    b = shapely.geometry.shape(zones[half]["boundary"])
    vertex, target = _shared_move(a, b)
    count = change_sets(running, code)["totalCount"]

    seen = open_planner(visit, code)
    page = seen.page
    fit(page, shapely.union_all([a, b]))
    page.locator("a.leaflet-draw-edit-edit").click()
    x, y = _point(page, *vertex)
    tx, ty = _point(page, *target)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(tx, ty, steps=12)
    page.mouse.up()
    page.locator("ul.leaflet-draw-actions a", has_text="保存").click()
    wait_idle(page)
    pending = page.evaluate("window.__pgPlanner.pending")
    assert pending["op"] == "redraw_zones"
    assert {c["zoneId"] for c in pending["changes"]} == {str(zone.id), half}
    assert page.evaluate("window.__pgPlanner.result.ok") is True
    page.screenshot(path=screenshots / "planner-shared-vertex.png")
    commit_and_wait(page)

    sets = change_sets(running, code)
    assert sets["totalCount"] == count + 1  # one change set for both zones
    assert max(sets["nodes"], key=lambda n: n["number"])["kind"] == "redraw_zones"
    zones, _ = graph_zones(running, code)
    a2 = shapely.geometry.shape(zones[str(zone.id)]["boundary"])
    b2 = shapely.geometry.shape(zones[half]["boundary"])
    assert not a2.equals(a) and not b2.equals(b)  # both changed
    moved = (set(a2.exterior.coords) & set(b2.exterior.coords)) - set(a.exterior.coords)
    assert len(moved) == 1, "the shared vertex moved in both zones, to one place"
    (new,) = moved
    assert math.dist(new, target) < math.dist(vertex, target) / 5
    assert a2.intersection(b2).area < 1e-14 and a2.distance(b2) == 0  # no overlap, no gap
    assert a2.union(b2).difference(a.union(b)).area < 1e-12  # nothing gained elsewhere

    undo_and_wait(page)  # one undo restores both
    zones, _ = graph_zones(running, code)
    assert shapely.geometry.shape(zones[str(zone.id)]["boundary"]).equals(a)
    assert shapely.geometry.shape(zones[half]["boundary"]).equals(b)
    assert console_errors(seen) == []
