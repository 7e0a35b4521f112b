"""The planner page in a real browser: a planner edits the grid through Leaflet.draw.

Expectations come from the demo data (shapely, not the service): which buildings a redrawn
zone keeps, and so the coverage figure after the commit. Every test leaves the grid as it
found it (the page's own Undo, or undoLatest through the graph when a test failed midway).
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
from shapely.geometry.base import BaseGeometry

from infra.demo.model import BRANCH, COMMUNITY_KINDS, Demo, Zone
from services.common.auth import Identity, Role
from stack import Running

CHANGE_SETS = """query ($code: String!) { changeSets(communityCode: $code, first: 200) {
  totalCount nodes { number kind undoOf undoneAt } } }"""
UNDO = "mutation ($code: String!) { undoLatest(communityCode: $code) { errors { code } } }"
REDRAW = """mutation ($id: ID!, $b: GeoJSON!, $v: Int!) {
  redrawZone(zoneId: $id, boundary: $b, expectedVersion: $v) {
    changeSet { number } errors { code } } }"""
ZONE = "query ($id: ID!) { zone(id: $id) { version boundary } }"


def states(
    demo: Demo, code: str, boundaries: dict | None = None, grouped: frozenset = frozenset()
) -> Counter[str]:
    """Coverage states of a community's buildings, with some zones' boundaries replaced and
    some more buildings given a Party group."""
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


@pytest.fixture(scope="module")
def corner(demo: Demo) -> Corner:
    """The corner whose drag to the zone's centre uncovers the most buildings."""

    def loss(c: Corner) -> int:
        ring = [c.target if p == c.vertex else p for p in c.zone.boundary.exterior.coords]
        shape = shapely.Polygon(ring)
        if not shape.is_valid:
            return -1
        code = c.zone.community_code
        return states(demo, code)["covered"] - states(demo, code, {c.zone.id: shape})["covered"]

    return max(_lonely_corners(demo), key=loss)


def planner_of(code: str) -> Identity:
    """A grid planner of the community's street office."""
    return Identity("test-planner", Role.PLANNER, code[:9])


def change_sets(running: Running, code: str) -> dict:
    data = running.post(running.gateway, CHANGE_SETS, {"code": code})["data"]
    return data["changeSets"]


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


def open_planner(visit: Callable[..., Visit], code: str, **kwargs) -> Visit:
    seen = visit(f"/maps/planner/{code}", identity=planner_of(code), **kwargs)
    seen.page.wait_for_function("window.__pgPlanner && window.__pgPlanner.ready")
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
    page.evaluate(
        """(id) => window.__pgMap.fitBounds(window.__pgPlanner.zoneLayer(id).getBounds(),
             {animate: false})""",
        str(corner.zone.id),
    )
    page.locator("a.leaflet-draw-edit-edit").click()
    x, y = _point(page, *corner.vertex)
    tx, ty = _point(page, *corner.target)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(tx, ty, steps=12)
    page.mouse.up()
    page.locator("ul.leaflet-draw-actions a", has_text="保存").click()
    wait_idle(page)


def wait_idle(page: Page) -> None:
    page.wait_for_function("window.__pgPlanner.ready && !window.__pgPlanner.busy")


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


def console_errors(seen: Visit) -> list[str]:
    return [e for e in seen.errors if "favicon" not in e]


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
    # Meanwhile another planner saves the zone (its same boundary: a new version).
    zone = running.post(running.gateway, ZONE, {"id": str(corner.zone.id)})["data"]["zone"]
    other = running.post(
        running.gateway,
        REDRAW,
        {"id": str(corner.zone.id), "b": zone["boundary"], "v": zone["version"]},
        identity=planner_of(code),
    )["data"]["redrawZone"]
    assert other["errors"] == []
    page.locator("#planner-commit").click()
    conflict = page.locator("#planner-message.conflict")
    conflict.wait_for()
    assert f"当前版本 {zone['version'] + 1}" in conflict.inner_text()
    assert page.evaluate("window.__pgPlanner.pending.op") == "redraw"
    page.screenshot(path=screenshots / "planner-conflict.png")
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
        "(id) => window.__pgPlanner.zoneLayer(id).toGeoJSON().geometry", str(corner.zone.id)
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
    assert change_sets(running, code)["totalCount"] == count


def test_a_line_across_a_zone_previews_a_split(
    visit: Callable[..., Visit], running: Running, demo: Demo, corner: Corner, screenshots: Path
) -> None:
    code = corner.zone.community_code
    count = change_sets(running, code)["totalCount"]
    zones = sum(1 for z in demo.zones if z.community_code == code)
    seen = open_planner(visit, code)
    page = seen.page
    page.evaluate(
        "(id) => window.__pgMap.fitBounds(window.__pgPlanner.zoneLayer(id).getBounds(),"
        " {animate: false})",
        str(corner.zone.id),
    )
    # West to east through the zone's centre, from its bounding box's edges: one zone cut.
    minx, _miny, maxx, _maxy = corner.zone.boundary.bounds
    y = corner.zone.boundary.centroid.y
    page.locator("a.leaflet-draw-draw-polyline").click()
    for lon in (minx - (maxx - minx) / 50, maxx + (maxx - minx) / 50):
        click(page, *_point(page, lon, y))
    click(page, *_point(page, maxx + (maxx - minx) / 50, y))  # the last point again: finish
    wait_idle(page)
    assert page.evaluate("window.__pgPlanner.pending.op") == "split"
    row = page.locator("#planner-diff-coverage tr[data-figure=zones] td")
    assert row.nth(1).inner_text() == str(zones)
    assert row.nth(2).inner_text() == str(zones + 1)
    page.screenshot(path=screenshots / "planner-split-preview.png")
    page.locator("#planner-discard").click()
    assert page.evaluate("window.__pgPlanner.drawings.getLayers().length") == 0
    assert change_sets(running, code)["totalCount"] == count
    assert console_errors(seen) == []
