"""The planner page in a real browser: a planner edits the grid through Leaflet.draw.

Expectations come from the demo data (shapely, not the service): which buildings a redrawn,
new, split, merged or deleted zone holds, and so the coverage figures after the commit. Every
test leaves the grid as it found it (the page's own Undo, or undoLatest through the graph when
a test failed midway).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import shapely
from browser_pages import Visit
from playwright.sync_api import Page
from shapely import affinity
from shapely.geometry.base import BaseGeometry
from shapely.ops import split

from gateway.maps.labels import labels_for
from infra.demo.model import BRANCH, COMMUNITY_KINDS, Demo, Zone
from services.common.auth import Identity, Role
from services.grid.planner.zones import MERGE_GAP
from stack import Running

CHANGE_SETS = """query ($code: String!) { changeSets(communityCode: $code, first: 200) {
  totalCount nodes { number kind undoOf undoneAt } } }"""
UNDO = "mutation ($code: String!) { undoLatest(communityCode: $code) { errors { code } } }"
REDRAW = """mutation ($id: ID!, $b: GeoJSON!, $v: Int!) {
  redrawZone(zoneId: $id, boundary: $b, expectedVersion: $v) {
    changeSet { number } errors { code } } }"""
ZONE = "query ($id: ID!) { zone(id: $id) { version boundary } }"
ZONES = """query ($code: String!) { community(code: $code) {
  zones { id name boundary buildings { id } } orphanBuildings { id } } }"""
LABELS = labels_for(None)


def states(
    demo: Demo,
    code: str,
    boundaries: dict | None = None,
    grouped: frozenset = frozenset(),
    added: tuple[BaseGeometry, ...] = (),
) -> Counter[str]:
    """Coverage states of a community's buildings, with some zones' boundaries replaced (an
    empty one: the zone deleted), some more buildings given a Party group and some new zones
    (without an organization) added."""
    boundaries = boundaries or {}
    zones = [z for z in demo.zones if z.community_code == code]
    kind = next(
        o.kind for o in demo.organizations if o.community_code == code and o.kind in COMMUNITY_KINDS
    )
    zone_org = {o.zone_id for o in demo.organizations if o.zone_id}
    grouped = grouped | {o.building_id for o in demo.organizations if o.building_id}
    residents = Counter(m.home_building_id for m in demo.members if m.home_building_id)
    counts: Counter[str] = Counter()
    for b in (b for b in demo.buildings if b.community_code == code):
        point = b.footprint.representative_point()
        hits = [z.id for z in zones if boundaries.get(z.id, z.boundary).covers(point)]
        hits += [None for shape in added if shape.covers(point)]
        if not hits:
            counts["orphan"] += 1
        elif b.id in grouped or (kind == BRANCH and hits[0] in zone_org):
            counts["covered"] += 1
        else:
            counts["gap_members" if residents[b.id] else "gap"] += 1
    return counts


def figure(counts: Counter[str]) -> str:
    total = sum(counts.values())
    return f"{100 * counts['covered'] / total:.1f}% ({counts['covered']}/{total})"


def inside(demo: Demo, code: str, shape: BaseGeometry) -> set[str]:
    """Ids of the community's buildings a zone of this shape holds (DOMAIN "Places": the zone
    containing the building's interior point)."""
    return {
        str(b.id)
        for b in demo.buildings
        if b.community_code == code and shape.covers(b.footprint.representative_point())
    }


def same_shape(a: BaseGeometry, b: BaseGeometry) -> bool:
    """Equal up to the coordinate precision GeoJSON carries through the graph (7 decimals)."""
    return a.geom_type == b.geom_type and a.hausdorff_distance(b) < 1e-6


@dataclass(frozen=True)
class Corner:
    """A zone vertex far from every other zone, and where dragging it loses covered buildings."""

    zone: Zone
    vertex: tuple[float, float]
    target: tuple[float, float]


def _lonely_corners(demo: Demo) -> Iterator[Corner]:
    for zone in demo.zones:
        others = [z.boundary for z in demo.zones if z is not zone]
        centre = zone.boundary.centroid
        for vertex in list(zone.boundary.exterior.coords)[:-1]:
            if min(o.distance(shapely.Point(vertex)) for o in others) > 0.001:
                yield Corner(zone, vertex, (centre.x, centre.y))


@pytest.fixture(scope="session")
def corner(demo: Demo) -> Corner:
    """The corner whose drag to the zone's centre uncovers the most buildings (a frozen
    value of the demo: found once, not again by each of the five modules using it)."""

    def loss(c: Corner) -> int:
        ring = [c.target if p == c.vertex else p for p in c.zone.boundary.exterior.coords]
        shape = shapely.Polygon(ring)
        if not shape.is_valid:
            return -1
        code = c.zone.community_code
        return states(demo, code)["covered"] - states(demo, code, {c.zone.id: shape})["covered"]

    return max(_lonely_corners(demo), key=loss)


@dataclass(frozen=True)
class Clearing:
    """Land of a community in no zone, and a square well inside it holding orphan buildings."""

    code: str
    square: shapely.Polygon


@pytest.fixture(scope="module")
def clearing(demo: Demo) -> Clearing:
    """The community whose clearing's square holds the most buildings."""
    found = []
    for community in demo.communities:
        zones = [z.boundary for z in demo.zones if z.community_code == community.code]
        land = community.boundary.difference(shapely.union_all(zones))
        circle = shapely.maximum_inscribed_circle(land, 1e-6)
        centre, half = shapely.get_point(circle, 0), 0.6 * circle.length
        square = shapely.box(centre.x - half, centre.y - half, centre.x + half, centre.y + half)
        found.append((len(inside(demo, community.code, square)), community.code, square))
    held, code, square = max(found, key=lambda f: (f[0], f[1]))
    assert held > 0, "the demo has no open land with buildings"
    return Clearing(code, square)


def clear_spot(demo: Demo, zone: Zone) -> tuple[shapely.Point, float]:
    """The point of a zone farthest from its edges and from every building (a click there
    hits the zone, nothing on top of it), and that distance."""
    footprints = shapely.union_all(
        [b.footprint for b in demo.buildings if b.community_code == zone.community_code]
    )
    free = zone.boundary.difference(footprints.buffer(1e-5))
    circle = shapely.maximum_inscribed_circle(free, 1e-6)
    return shapely.get_point(circle, 0), circle.length


def planner_of(code: str) -> Identity:
    """A grid planner of the community's street office."""
    return Identity("test-planner", Role.PLANNER, code[:9])


def change_sets(running: Running, code: str) -> dict:
    data = running.post(running.gateway, CHANGE_SETS, {"code": code})["data"]
    return data["changeSets"]


def graph_zones(running: Running, code: str) -> tuple[dict[str, dict], set[str]]:
    """The community's zones by id, and its orphan buildings' ids, as the gateway serves them."""
    community = running.post(running.gateway, ZONES, {"code": code})["data"]["community"]
    zones = {z["id"]: z for z in community["zones"]}
    return zones, {b["id"] for b in community["orphanBuildings"]}


def buildings_of(zone: dict) -> set[str]:
    return {b["id"] for b in zone["buildings"]}


@pytest.fixture
def restore(running: Running) -> Iterator[Callable[[str], None]]:
    """Afterwards, undo whatever a test committed and left standing in the community."""
    started: dict[str, int] = {}

    def watch(code: str) -> None:
        started[code] = change_sets(running, code)["totalCount"]

    yield watch
    for code, count in started.items():
        standing = [
            n
            for n in change_sets(running, code)["nodes"]
            if n["number"] > count and n["undoOf"] is None and n["undoneAt"] is None
        ]
        for _ in standing:
            running.post(running.gateway, UNDO, {"code": code})


def open_planner(
    visit: Callable[..., Visit], code: str, lang: str | None = None, **kwargs
) -> Visit:
    query = f"?lang={lang}" if lang else ""
    # The planner says when it is ready (its grid and figures loaded): no need to wait for
    # the network to fall silent too. Every request is recorded as it starts, either way.
    seen = visit(
        f"/maps/planner/{code}{query}", identity=planner_of(code), wait_until="load", **kwargs
    )
    seen.page.wait_for_function("() => window.__pgPlanner && window.__pgPlanner.ready")
    return seen


def _point(page: Page, lon: float, lat: float) -> tuple[float, float]:
    """Viewport pixel of a longitude/latitude on the page's map."""
    xy = page.evaluate(
        """([lat, lon]) => { const m = window.__pgMap, p = m.latLngToContainerPoint([lat, lon]),
            r = m.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""",
        [lat, lon],
    )
    return xy[0], xy[1]


def drag_corner(page: Page, corner: Corner) -> None:
    """With the edit toolbar: drag the corner's vertex to its target, then Save."""
    fit(page, shapely.union_all([corner.zone.boundary, shapely.Point(corner.target)]))
    page.locator("a.leaflet-draw-edit-edit").click()
    x, y = _point(page, *corner.vertex)
    tx, ty = _point(page, *corner.target)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(tx, ty, steps=12)
    page.mouse.up()
    page.locator("ul.leaflet-draw-actions a", has_text="保存").click()
    wait_idle(page)


def fit(page: Page, shape: BaseGeometry) -> None:
    """Zoom the map to a shape (longitude/latitude bounds)."""
    minx, miny, maxx, maxy = shape.bounds
    page.evaluate(
        "([a, b]) => window.__pgMap.fitBounds([a, b], {animate: false})",
        [[miny, minx], [maxy, maxx]],
    )


def wait_idle(page: Page) -> None:
    page.wait_for_function("() => window.__pgPlanner.ready && !window.__pgPlanner.busy")


def draw_polygon(page: Page, points: list[tuple[float, float]]) -> None:
    """With the draw toolbar: click each vertex, then the first again to close."""
    page.locator("a.leaflet-draw-draw-polygon").click()
    for lon, lat in [*points, points[0]]:
        click(page, *_point(page, lon, lat))
    wait_idle(page)


def click(page: Page, x: float, y: float) -> None:
    """A click as a hand makes it: the pointer travels there first, then presses. Leaflet.draw
    places a vertex where its cursor marker is, which only pointer moves carry along, and
    ignores presses within 50 ms of the last one."""
    page.mouse.move(x, y, steps=5)
    page.wait_for_timeout(100)
    page.mouse.down()
    page.mouse.up()
    page.wait_for_timeout(100)


def coverage_text(page: Page) -> str:
    return page.locator("#planner-coverage").inner_text()


def figures(page: Page) -> dict[str, str]:
    """The panel's coverage table: label -> value."""
    return dict(
        page.evaluate(
            """() => Array.from(document.querySelectorAll('#planner-coverage tr'),
                 (tr) => Array.from(tr.cells, (td) => td.textContent))"""
        )
    )


def shown(page: Page, counts: Counter[str]) -> dict[str, str]:
    """What the panel should show for these states: the coverage figure and the orphans."""
    return {LABELS["coverage"]: figure(counts), LABELS["orphan"]: str(counts["orphan"])}


def diff_figure(page: Page, name: str) -> tuple[str, str]:
    """A row of the preview's coverage table: (before, after)."""
    cells = page.locator(f"#planner-diff-coverage tr[data-figure={name}] td")
    return cells.nth(1).inner_text(), cells.nth(2).inner_text()


def commit_and_wait(page: Page) -> None:
    page.locator("#planner-commit").click()
    page.locator("#planner-message.ok").wait_for()
    wait_idle(page)


def undo_and_wait(page: Page) -> None:
    page.locator("#planner-undo").click()
    page.locator("#planner-message.ok", has_text="已撤销").wait_for()
    wait_idle(page)


def has_zone(page: Page, zone_id: str) -> bool:
    return page.evaluate("(id) => !!window.__pgPlanner.zoneLayer(id)", zone_id)


def console_errors(seen: Visit) -> list[str]:
    return [e for e in seen.errors if "favicon" not in e]


def draw_line_across(page: Page, zone: Zone) -> None:
    """With the draw toolbar: a line west to east through the zone's centre, from just past
    its bounding box's edges (one zone cut)."""
    fit(page, zone.boundary)
    minx, _miny, maxx, _maxy = zone.boundary.bounds
    y = zone.boundary.centroid.y
    page.locator("a.leaflet-draw-draw-polyline").click()
    for lon in (minx - (maxx - minx) / 50, maxx + (maxx - minx) / 50):
        click(page, *_point(page, lon, y))
    click(page, *_point(page, maxx + (maxx - minx) / 50, y))  # the last point again: finish
    wait_idle(page)


def test_a_planner_redraws_a_zone_commits_and_undoes(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    corner: Corner,
    screenshots: Path,
    restore: Callable[[str], None],
) -> None:
    code = corner.zone.community_code
    restore(code)
    before = states(demo, code)
    seen = open_planner(visit, code)
    page = seen.page
    assert figure(before) in coverage_text(page)

    drag_corner(page, corner)
    pending = page.evaluate("window.__pgPlanner.pending")
    assert pending["op"] == "redraw" and pending["zoneId"] == str(corner.zone.id)
    redrawn = shapely.geometry.shape(pending["boundary"])
    after = states(demo, code, {corner.zone.id: redrawn})
    assert after["covered"] < before["covered"], "the drag should uncover buildings"
    lost = before["orphan"] - after["orphan"]
    assert page.locator("#planner-diff-buildings li").count() == -lost
    orphans = page.locator("#planner-diff-coverage tr[data-figure=orphans] td")
    assert orphans.nth(2).inner_text() == str(after["orphan"])
    page.screenshot(path=screenshots / "planner-redraw-preview.png")
    assert figure(before) in coverage_text(page), "a preview changes nothing"

    page.locator("#planner-commit").click()
    page.locator("#planner-message.ok").wait_for()
    wait_idle(page)
    assert figure(after) in coverage_text(page)
    page.screenshot(path=screenshots / "planner-redraw-committed.png")

    page.locator("#planner-undo").click()
    page.locator("#planner-message.ok", has_text="已撤销").wait_for()
    wait_idle(page)
    assert figure(before) in coverage_text(page)
    assert seen.external_requests() == []
    assert console_errors(seen) == []


def _inside(demo: Demo, code: str) -> BaseGeometry:
    return next(c.boundary for c in demo.communities if c.code == code)


def test_a_self_intersecting_zone_is_refused_and_kept(
    visit: Callable[..., Visit], running: Running, demo: Demo, screenshots: Path
) -> None:
    code = demo.communities[0].code
    count = change_sets(running, code)["totalCount"]
    seen = open_planner(visit, code)
    page = seen.page
    minx, miny, maxx, maxy = _inside(demo, code).bounds
    w, h = maxx - minx, maxy - miny
    # A bow tie in the middle of the community: its edges cross.
    cx, cy = minx + w / 2, miny + h / 2
    bowtie = [(cx - w / 8, cy - h / 8), (cx + w / 8, cy + h / 8), (cx + w / 8, cy - h / 8),
              (cx - w / 8, cy + h / 8)]  # fmt: skip
    draw_polygon(page, bowtie)
    message = page.locator("#planner-message.error")
    assert "多边形无效" in message.inner_text()
    assert page.locator("#planner-findings li[data-code=INVALID_SHAPE]").count() == 1
    assert page.locator("#planner-commit").is_disabled()
    assert page.evaluate("window.__pgPlanner.drawings.getLayers().length") == 1
    page.screenshot(path=screenshots / "planner-self-intersecting.png")
    assert change_sets(running, code)["totalCount"] == count
    assert console_errors(seen) == []


def test_a_zone_outside_the_community_is_refused(
    visit: Callable[..., Visit], running: Running, demo: Demo, screenshots: Path
) -> None:
    code = demo.communities[0].code
    count = change_sets(running, code)["totalCount"]
    seen = open_planner(visit, code)
    page = seen.page
    community = _inside(demo, code)
    minx, miny, maxx, maxy = community.bounds
    w, h = maxx - minx, maxy - miny
    # A triangle straddling the community's eastern edge.
    triangle = [(maxx - w / 10, miny + h / 3), (maxx + w / 5, miny + h / 3), (maxx, miny + h / 2)]
    page.evaluate(
        "([a, b]) => window.__pgMap.fitBounds([a, b], {animate: false})",
        [[miny, minx], [maxy, maxx + w / 3]],
    )
    draw_polygon(page, triangle)
    assert "超出社区范围" in page.locator("#planner-message.error").inner_text()
    assert page.locator("#planner-commit").is_disabled()
    assert page.evaluate("window.__pgPlanner.drawings.getLayers().length") == 1
    page.screenshot(path=screenshots / "planner-outside-community.png")
    assert change_sets(running, code)["totalCount"] == count
    assert console_errors(seen) == []


def test_someone_elses_commit_is_a_conflict_and_the_drawing_stays(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    corner: Corner,
    screenshots: Path,
    restore: Callable[[str], None],
) -> None:
    code = corner.zone.community_code
    restore(code)
    seen = open_planner(visit, code)
    page = seen.page
    drag_corner(page, corner)
    assert page.locator("#planner-commit").is_enabled()
    # Meanwhile another planner saves the zone a hair smaller (a new version; an unchanged
    # shape would be no change set).
    zone = running.post(running.gateway, ZONE, {"id": str(corner.zone.id)})["data"]["zone"]
    smaller = affinity.scale(shapely.geometry.shape(zone["boundary"]), 0.999, 0.999)
    other = running.post(
        running.gateway,
        REDRAW,
        {"id": str(corner.zone.id), "b": shapely.geometry.mapping(smaller), "v": zone["version"]},
        identity=planner_of(code),
    )["data"]["redrawZone"]
    assert other["errors"] == []
    page.locator("#planner-commit").click()
    conflict = page.locator("#planner-message.conflict")
    conflict.wait_for()
    assert f"当前版本 {zone['version'] + 1}" in conflict.inner_text()
    assert page.evaluate("window.__pgPlanner.pending.op") == "redraw"
    page.screenshot(path=screenshots / "planner-conflict-version.png")
    page.locator("#planner-discard").click()
    assert page.evaluate("window.__pgPlanner.pending") is None
    assert console_errors(seen) == []


def test_a_network_failure_during_commit_keeps_the_drawing(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    corner: Corner,
    screenshots: Path,
    restore: Callable[[str], None],
) -> None:
    code = corner.zone.community_code
    restore(code)
    count = change_sets(running, code)["totalCount"]
    seen = open_planner(visit, code)
    page = seen.page
    drag_corner(page, corner)
    page.route("**/commit", lambda route: route.abort("internetdisconnected"))
    page.locator("#planner-commit").click()
    page.locator("#planner-message.error", has_text="网络错误").wait_for()
    wait_idle(page)
    pending = page.evaluate("window.__pgPlanner.pending")
    assert pending["op"] == "redraw"
    edited = page.evaluate(
        "(id) => window.__pgPlanner.zoneLayer(id).toGeoJSON(false).geometry", str(corner.zone.id)
    )
    assert shapely.geometry.shape(edited).equals(shapely.geometry.shape(pending["boundary"]))
    assert page.locator("#planner-commit").is_enabled(), "the commit can be retried"
    page.screenshot(path=screenshots / "planner-network-failure.png")
    assert change_sets(running, code)["totalCount"] == count
    # Only the aborted request itself may complain in the console.
    assert [e for e in console_errors(seen) if "ERR_INTERNET_DISCONNECTED" not in e] == []


def test_a_planner_reassigns_a_building_by_clicking_it(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    screenshots: Path,
    restore: Callable[[str], None],
) -> None:
    # A gap building in a community whose buildings get groups (not a branch community).
    kinds = {o.community_code: o.kind for o in demo.organizations if o.kind in COMMUNITY_KINDS}
    grouped = {o.building_id for o in demo.organizations if o.building_id}
    zone_of = {
        b.id: z for b in demo.buildings for z in demo.zones
        if z.community_code == b.community_code
        and z.boundary.covers(b.footprint.representative_point())
    }  # fmt: skip
    building = next(
        b
        for b in demo.buildings
        if kinds[b.community_code] != BRANCH
        and b.id not in grouped
        and b.id in zone_of
        and b.footprint.geom_type == "Polygon"
    )
    code = building.community_code
    group = next(o for o in demo.organizations if o.community_code == code and o.building_id)
    restore(code)
    before = states(demo, code)
    after = states(demo, code, grouped=frozenset({building.id}))
    seen = open_planner(visit, code)
    page = seen.page
    page.locator("input[name=planner-mode][value=groups]").check()
    page.evaluate(
        "(id) => window.__pgMap.fitBounds(window.__pgPlanner.buildingLayer(id).getBounds(),"
        " {animate: false, maxZoom: 19})",
        str(building.id),
    )
    point = building.footprint.representative_point()
    page.mouse.click(*_point(page, point.x, point.y))
    assert page.locator("#planner-selected").inner_text() == "1"
    page.locator("#planner-group").select_option(str(group.id))
    page.locator("#planner-preview").click()
    wait_idle(page)
    change = page.locator(f"#planner-diff-buildings li[data-building='{building.id}']")
    assert group.name in change.inner_text()
    page.locator("#planner-commit").click()
    page.locator("#planner-message.ok").wait_for()
    wait_idle(page)
    assert figure(after) in coverage_text(page)
    page.screenshot(path=screenshots / "planner-reassigned.png")
    page.locator("#planner-undo").click()
    page.locator("#planner-message.ok", has_text="已撤销").wait_for()
    wait_idle(page)
    assert figure(before) in coverage_text(page)
    assert console_errors(seen) == []


def test_only_planners_in_scope_may_plan(
    visit: Callable[..., Visit], running: Running, demo: Demo, screenshots: Path
) -> None:
    code = demo.communities[0].code
    viewer = Identity("test-viewer", Role.VIEWER, code[:9])
    seen = visit(f"/maps/planner/{code}", identity=viewer)
    assert seen.page.locator("#planner-forbidden").inner_text() == "无权规划该社区"
    seen.page.screenshot(path=screenshots / "planner-forbidden.png")
    base = running.gateway.removesuffix("/graphql")
    elsewhere = next(c.code for c in demo.communities if c.code[:9] != code[:9])
    for identity, status in ((viewer, 403), (planner_of(elsewhere), 403), (None, 303)):
        response = httpx.get(
            f"{base}/maps/planner/{code}",
            headers=running.headers(running.gateway, identity),
            follow_redirects=False,
        )
        assert response.status_code == status, identity
    english = httpx.get(
        f"{base}/maps/planner/{code}?lang=en", headers=running.headers(running.gateway, viewer)
    )
    assert "You may not plan this community" in english.text


def test_the_json_routes_refuse_other_sites_and_roles(running: Running, demo: Demo) -> None:
    code = demo.communities[0].code
    base = running.gateway.removesuffix("/graphql")
    count = change_sets(running, code)["totalCount"]
    undo = f"{base}/maps/planner/{code}/undo"
    planner = running.headers(running.gateway, planner_of(code))
    cross_site = httpx.post(undo, headers=planner | {"origin": "http://evil.example"})
    assert cross_site.status_code == 403
    assert cross_site.json()["errors"][0]["code"] == "CROSS_SITE"
    no_origin = httpx.post(undo, headers=planner)
    assert no_origin.status_code == 403
    viewer = running.headers(running.gateway, Identity("v", Role.VIEWER, code[:9]))
    refused = httpx.post(undo, headers=viewer | {"origin": base})
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["messageEn"]
    bad = httpx.post(
        f"{base}/maps/planner/{code}/preview",
        headers=planner | {"origin": base},
        json={"op": "redraw", "zoneId": 5},
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["code"] == "INVALID"
    # A list with an item of the wrong type is refused as typed, before the graph.
    zone = next(z for z in demo.zones if z.community_code == code)
    bad_items = httpx.post(
        f"{base}/maps/planner/{code}/preview",
        headers=planner | {"origin": base},
        json={"op": "merge", "zoneIds": [str(zone.id), 5], "expectedVersions": [1, 1]},
    )
    assert bad_items.status_code == 400
    assert bad_items.json()["errors"][0]["code"] == "INVALID"
    assert "zoneIds" in bad_items.json()["errors"][0]["messageEn"]
    assert change_sets(running, code)["totalCount"] == count


def test_a_line_across_a_zone_previews_a_split(
    visit: Callable[..., Visit], running: Running, demo: Demo, corner: Corner, screenshots: Path
) -> None:
    code = corner.zone.community_code
    count = change_sets(running, code)["totalCount"]
    zones = sum(1 for z in demo.zones if z.community_code == code)
    seen = open_planner(visit, code)
    page = seen.page
    draw_line_across(page, corner.zone)
    assert page.evaluate("window.__pgPlanner.pending.op") == "split"
    row = page.locator("#planner-diff-coverage tr[data-figure=zones] td")
    assert row.nth(1).inner_text() == str(zones)
    assert row.nth(2).inner_text() == str(zones + 1)
    page.screenshot(path=screenshots / "planner-split-preview.png")
    page.locator("#planner-discard").click()
    assert page.evaluate("window.__pgPlanner.drawings.getLayers().length") == 0
    assert change_sets(running, code)["totalCount"] == count
    assert console_errors(seen) == []


def test_a_planner_draws_a_new_zone_commits_and_undoes(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    clearing: Clearing,
    screenshots: Path,
    restore: Callable[[str], None],
) -> None:
    code = clearing.code
    restore(code)
    before = states(demo, code)
    zones_before, orphans_before = graph_zones(running, code)
    seen = open_planner(visit, code)
    page = seen.page
    assert figures(page) | shown(page, before) == figures(page)
    name = "规划页测试新片区"
    page.locator("#planner-zone-name").fill(name)
    fit(page, clearing.square)
    draw_polygon(page, list(clearing.square.exterior.coords)[:-1])
    pending = page.evaluate("window.__pgPlanner.pending")
    assert (pending["op"], pending["name"]) == ("create", name)
    drawn = shapely.geometry.shape(pending["boundary"])
    adopted = inside(demo, code, drawn)
    after = states(demo, code, added=(drawn,))
    # plan (四) / DOMAIN "Places": the buildings in the new zone stop being orphans.
    assert adopted and after["orphan"] == before["orphan"] - len(adopted)
    changed = page.locator("#planner-diff-buildings li")
    assert {changed.nth(i).get_attribute("data-building") for i in range(changed.count())} == (
        adopted
    )
    assert diff_figure(page, "zones") == (str(len(zones_before)), str(len(zones_before) + 1))
    assert diff_figure(page, "orphans")[1] == str(after["orphan"])
    page.screenshot(path=screenshots / "planner-create-preview.png")
    assert graph_zones(running, code)[0].keys() == zones_before.keys(), "a preview writes nothing"

    commit_and_wait(page)
    zones, orphans = graph_zones(running, code)
    (created,) = [z for i, z in zones.items() if i not in zones_before]
    assert created["name"] == name
    assert same_shape(shapely.geometry.shape(created["boundary"]), drawn)
    assert buildings_of(created) == adopted and orphans == orphans_before - adopted
    assert has_zone(page, created["id"]), "the page shows the new zone"
    assert page.evaluate("window.__pgPlanner.drawings.getLayers().length") == 0
    assert figures(page) | shown(page, after) == figures(page)
    page.screenshot(path=screenshots / "planner-create-committed.png")

    undo_and_wait(page)
    assert graph_zones(running, code)[0].keys() == zones_before.keys()
    assert not has_zone(page, created["id"])
    assert figures(page) | shown(page, before) == figures(page)
    assert seen.external_requests() == []
    assert console_errors(seen) == []


def _roomiest_zone(demo: Demo) -> Zone:
    """The zone with the most room to click away from its buildings (and with buildings)."""
    held = [z for z in demo.zones if inside(demo, z.community_code, z.boundary)]
    return max(held, key=lambda z: clear_spot(demo, z)[1])


def test_a_planner_deletes_a_zone_its_buildings_become_orphans(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    screenshots: Path,
    restore: Callable[[str], None],
) -> None:
    zone = _roomiest_zone(demo)
    code, zone_id = zone.community_code, str(zone.id)
    restore(code)
    before = states(demo, code)
    # The grid's rule (services/grid/planner/zones.py delete_zone): buildings re-derive their zone;
    # zones never overlap (DOMAIN "Places"), so the deleted zone's buildings are in none.
    after = states(demo, code, {zone.id: shapely.Polygon()})
    held = inside(demo, code, zone.boundary)
    assert after["orphan"] == before["orphan"] + len(held)
    seen = open_planner(visit, code)
    page = seen.page
    fit(page, zone.boundary)
    spot, _room = clear_spot(demo, zone)
    page.locator("a.leaflet-draw-edit-remove").click()
    click(page, *_point(page, spot.x, spot.y))
    page.locator("ul.leaflet-draw-actions a", has_text="保存").click()
    wait_idle(page)
    pending = page.evaluate("window.__pgPlanner.pending")
    assert (pending["op"], pending["zoneId"]) == ("delete", zone_id)
    assert page.locator("#planner-diff-buildings li").count() == len(held)
    assert page.locator("#planner-warnings li[data-code=ORPHANS_CREATED]").count() == 1
    assert diff_figure(page, "orphans") == (str(before["orphan"]), str(after["orphan"]))

    commit_and_wait(page)
    zones, orphans = graph_zones(running, code)
    assert zone_id not in zones and held <= orphans
    assert not has_zone(page, zone_id)
    assert figures(page) | shown(page, after) == figures(page)
    page.screenshot(path=screenshots / "planner-delete.png")

    undo_and_wait(page)
    zones, orphans = graph_zones(running, code)
    assert zones[zone_id]["name"] == zone.name and buildings_of(zones[zone_id]) == held
    assert not held & orphans
    assert figures(page) | shown(page, before) == figures(page)
    assert console_errors(seen) == []


def test_a_line_across_a_zone_splits_it_on_commit(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    corner: Corner,
    screenshots: Path,
    restore: Callable[[str], None],
) -> None:
    zone = corner.zone
    code, zone_id = zone.community_code, str(zone.id)
    restore(code)
    zones_before, _ = graph_zones(running, code)
    seen = open_planner(visit, code)
    page = seen.page
    name = "规划页测试分割片区"
    page.locator("#planner-zone-name").fill(name)
    draw_line_across(page, zone)
    pending = page.evaluate("window.__pgPlanner.pending")
    # The page commits against the zone and version it previewed (a change between is STALE).
    assert (pending["op"], pending["zoneId"]) == ("split", zone_id)
    assert pending["expectedVersion"] == page.evaluate(
        "(id) => window.__pgPlanner.zoneLayer(id).zone.version", zone_id
    )
    line = shapely.geometry.shape(pending["line"])
    # The zone keeps the larger half; a new zone gets the other (services/grid/planner/zones.py).
    kept, other = sorted(shapely.get_parts(split(zone.boundary, line)), key=lambda p: -p.area)
    moved = inside(demo, code, other)
    assert page.locator("#planner-diff-buildings li").count() == len(moved)

    commit_and_wait(page)
    zones, _ = graph_zones(running, code)
    (created,) = [z for i, z in zones.items() if i not in zones_before]
    assert created["name"] == name and buildings_of(created) == moved
    assert same_shape(shapely.geometry.shape(created["boundary"]), other)
    assert same_shape(shapely.geometry.shape(zones[zone_id]["boundary"]), kept)
    assert buildings_of(zones[zone_id]) == inside(demo, code, kept)
    assert has_zone(page, created["id"]) and has_zone(page, zone_id)
    page.screenshot(path=screenshots / "planner-split-committed.png")

    undo_and_wait(page)
    zones, _ = graph_zones(running, code)
    assert zones.keys() == zones_before.keys()
    assert same_shape(shapely.geometry.shape(zones[zone_id]["boundary"]), zone.boundary)
    assert console_errors(seen) == []


def _neighbours(demo: Demo) -> tuple[Zone, Zone]:
    """Two adjacent zones of one community (services/grid/planner/zones.py MERGE_GAP), both with
    buildings and the most room to click."""
    room = {z.id: clear_spot(demo, z)[1] for z in demo.zones}
    pairs = [
        (a, b)
        for a in demo.zones
        for b in demo.zones
        if a.community_code == b.community_code
        and a.id != b.id
        and a.boundary.distance(b.boundary) <= MERGE_GAP
        and inside(demo, b.community_code, b.boundary)
    ]
    return max(pairs, key=lambda p: (min(room[p[0].id], room[p[1].id]), str(p[0].id)))


def test_a_planner_merges_two_adjacent_zones_and_undoes(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    screenshots: Path,
    restore: Callable[[str], None],
) -> None:
    kept, gone = _neighbours(demo)
    code = kept.community_code
    restore(code)
    merged = shapely.make_valid(shapely.union_all([kept.boundary, gone.boundary]))
    before = states(demo, code)
    after = states(demo, code, {kept.id: merged, gone.id: shapely.Polygon()})
    moved = inside(demo, code, gone.boundary)
    zones_before, _ = graph_zones(running, code)
    seen = open_planner(visit, code)
    page = seen.page
    page.locator("input[name=planner-mode][value=merge]").check()
    assert page.locator("#planner-merge-fields").is_visible()
    fit(page, merged)
    for zone in (kept, gone):  # the first clicked keeps its id, name and organization
        spot, _room = clear_spot(demo, zone)
        click(page, *_point(page, spot.x, spot.y))
        if zone is kept:  # one zone alone is no merge: said on the page, nothing previewed
            page.locator("#planner-merge-preview").click()
            assert "至少选择两个" in page.locator("#planner-message.error").inner_text()
            assert page.evaluate("window.__pgPlanner.pending") is None
    picked = page.locator("#planner-merge-selected").inner_text()
    assert picked == f"{kept.name}（保留）、{gone.name}"
    page.locator("#planner-merge-preview").click()
    wait_idle(page)
    pending = page.evaluate("window.__pgPlanner.pending")
    assert (pending["op"], pending["zoneIds"]) == ("merge", [str(kept.id), str(gone.id)])
    changed = page.locator("#planner-diff-buildings li")
    assert {changed.nth(i).get_attribute("data-building") for i in range(changed.count())} == (
        moved
    )
    assert diff_figure(page, "zones") == (str(len(zones_before)), str(len(zones_before) - 1))
    page.screenshot(path=screenshots / "planner-merge.png")

    commit_and_wait(page)
    zones, _ = graph_zones(running, code)
    assert str(gone.id) not in zones and zones[str(kept.id)]["name"] == kept.name
    served = shapely.geometry.shape(zones[str(kept.id)]["boundary"])
    # One polygon: both zones and the road between them (services/grid/planner/contiguity.py).
    assert served.geom_type == "Polygon" and served.buffer(1e-7).covers(merged)
    assert buildings_of(zones[str(kept.id)]) == inside(demo, code, kept.boundary) | moved
    assert not has_zone(page, str(gone.id))
    assert figures(page) | shown(page, after) == figures(page)

    undo_and_wait(page)
    zones, _ = graph_zones(running, code)
    assert zones.keys() == zones_before.keys()
    assert buildings_of(zones[str(gone.id)]) == moved
    assert figures(page) | shown(page, before) == figures(page)
    assert console_errors(seen) == []


def test_a_self_intersecting_drawing_can_use_the_repaired_shape(
    visit: Callable[..., Visit], running: Running, demo: Demo, clearing: Clearing, screenshots: Path
) -> None:
    code = clearing.code
    count = change_sets(running, code)["totalCount"]
    zones = len(graph_zones(running, code)[0])
    seen = open_planner(visit, code, lang="en")  # the English page, this time
    page = seen.page
    fit(page, clearing.square)
    minx, miny, maxx, maxy = clearing.square.bounds
    draw_polygon(page, [(minx, miny), (maxx, maxy), (maxx, miny), (minx, maxy)])  # a bow tie
    assert page.locator("#planner-findings li[data-code=INVALID_SHAPE]").count() == 1
    assert page.locator("#planner-commit").is_disabled()
    drawn = shapely.geometry.shape(page.evaluate("window.__pgPlanner.pending.boundary"))
    use = page.locator("#planner-use-repaired")
    assert use.inner_text() == "Use the repaired shape"
    use.click()
    wait_idle(page)
    pending = page.evaluate("window.__pgPlanner.pending")
    repaired = shapely.geometry.shape(pending["boundary"])
    # The grid's offer (services/grid/validation.py): make_valid's areal part, two triangles.
    assert pending["op"] == "create" and repaired.is_valid
    assert same_shape(repaired, shapely.make_valid(drawn))
    assert page.locator("#planner-message").inner_text() == ""
    assert page.locator("#planner-commit").is_enabled()
    assert diff_figure(page, "zones") == (str(zones), str(zones + 1))
    on_map = page.evaluate(
        "window.__pgPlanner.drawings.getLayers().map((l) => l.toGeoJSON().geometry)"
    )
    assert [same_shape(shapely.geometry.shape(g), repaired) for g in on_map] == [True]
    page.screenshot(path=screenshots / "planner-repaired.png")
    page.locator("#planner-discard").click()
    assert page.evaluate("window.__pgPlanner.drawings.getLayers().length") == 0
    assert change_sets(running, code)["totalCount"] == count
    assert console_errors(seen) == []


def test_a_self_crossing_redraw_can_use_the_repaired_shape(
    visit: Callable[..., Visit], running: Running, demo: Demo, corner: Corner
) -> None:
    zone = corner.zone
    code, zone_id = zone.community_code, str(zone.id)
    count = change_sets(running, code)["totalCount"]
    # Drag the corner across the zone, a little past the middle of the edge after next: the
    # edge into it then crosses that edge.
    ring = list(zone.boundary.exterior.coords)[:-1]
    i = ring.index(corner.vertex)
    before, (ax, ay), (bx, by) = ring[i - 1], ring[(i + 1) % len(ring)], ring[(i + 2) % len(ring)]
    middle = ((ax + bx) / 2, (ay + by) / 2)
    target = (before[0] + 1.1 * (middle[0] - before[0]), before[1] + 1.1 * (middle[1] - before[1]))
    crossed = shapely.Polygon([target if p == corner.vertex else p for p in ring])
    assert not crossed.is_valid
    seen = open_planner(visit, code)
    page = seen.page
    drag_corner(page, Corner(zone, corner.vertex, target))
    assert page.locator("#planner-findings li[data-code=INVALID_SHAPE]").count() == 1
    drawn = shapely.geometry.shape(page.evaluate("window.__pgPlanner.pending.boundary"))
    assert not drawn.is_valid
    page.locator("#planner-use-repaired").click()
    wait_idle(page)
    pending = page.evaluate("window.__pgPlanner.pending")
    assert (pending["op"], pending["zoneId"]) == ("redraw", zone_id)
    offered = shapely.geometry.shape(pending["boundary"])
    assert offered.is_valid and same_shape(offered, shapely.make_valid(drawn))
    shown_zone = page.evaluate("(id) => window.__pgPlanner.zoneGeometry(id)", zone_id)
    assert same_shape(shapely.geometry.shape(shown_zone), offered)
    # Previewed again: whatever the grid says of the repaired shape, it is no longer invalid.
    assert page.locator("#planner-findings li[data-code=INVALID_SHAPE]").count() == 0
    page.locator("#planner-discard").click()
    assert page.evaluate("window.__pgPlanner.pending") is None
    assert change_sets(running, code)["totalCount"] == count
    assert console_errors(seen) == []
