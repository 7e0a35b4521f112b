"""Issue 15's planner walk, end to end in a real browser: a grid planner covers every gap of a
demo community on the planner page, as a user would.

The community is picked by a rule over the demo data: of the communities with both orphan
buildings and buildings without a Party group, whose orphans one new zone can take in (its
corners the community's and the neighbouring zones' vertices the orphans see), the one with
the fewest gaps. The planner
  1. walks the gaps with 下一个缺口;
  2. draws a zone around the orphans, each corner clicked a few pixels off a vertex of the
     community boundary or of a neighbouring zone (snapping puts it there);
  3. sets the new zone's grid branch from the searchable list;
  4. paints every building without a group with the brush, zone by zone (each zone's own
     group), each painting previewed with coverage and severe gaps before → after;
  5. sees 100% covered and no gap left, and the grid agrees;
  6. undoes twice and redoes once in the history panel, each step previewed;
  7. re-paints what is left while a second tab changes one of those buildings: the commit
     conflicts, the page reloads and shows the other's change, the kept painting is
     re-applied and committed.
Finally everything is undone through the graph and the community is as it was.

Expectations come from the demo data (shapely, test_planner_page.states), never hard-coded.
Screenshots: planner-walk-1-gaps.png … planner-walk-6-conflict.png.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import shapely
from browser_pages import Visit
from playwright.sync_api import Page
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from test_planner_page import (
    LABELS,
    _point,
    click,
    commit_and_wait,
    console_errors,
    figures,
    fit,
    open_planner,
    planner_of,
    states,
    wait_idle,
)

from infra.demo.model import BRANCH, COMMUNITY_KINDS, Building, Demo, Organization, Zone
from stack import Running, rolled_back

OFF = 5  # pixels off a vertex where the planner clicks a corner
UNDO = "mutation ($code: String!) { undoLatest(communityCode: $code) { errors { code } } }"
STEPS = """query ($code: String!) { changeSets(communityCode: $code, first: 1) {
  totalCount nextUndo { number } } }"""
GRID = """query ($code: String!) { community(code: $code) {
  zones { id name boundary organization { id } buildings { id partyGroup { id } } }
  orphanBuildings { id partyGroup { id } } } }"""
COVERAGE = """query ($code: String!) { coverage(regionCode: $code) {
  buildings covered zonesWithoutOrganization buildingStates { gap gapWithMembers orphan }
  g1: gaps(first: 1, severity: 1) { totalCount } g2: gaps(first: 1, severity: 2) { totalCount }
  g3: gaps(first: 1, severity: 3) { totalCount } g4: gaps(first: 1, severity: 4) { totalCount }
} }"""


# Each stored vertex of a zone: its distance to the community boundary, and to the other
# zones' boundaries (as PostGIS holds them, unrounded).
ON_EDGES = text(
    """SELECT ST_Distance(p.geom, (SELECT ST_Boundary(boundary) FROM grid.community
                                   WHERE code = :code)),
              (SELECT min(ST_Distance(p.geom, ST_Boundary(z.boundary))) FROM grid.zone z
               WHERE z.community_code = :code AND z.id <> :id)
       FROM ST_DumpPoints((SELECT boundary FROM grid.zone WHERE id = :id)) p"""
)


@dataclass(frozen=True)
class Walk:
    """The community walked, the zone to draw around its orphans and what it takes in."""

    code: str
    corners: list[tuple[float, float]]  # the new zone's corners: vertices of the boundary/zones
    orphans: frozenset[str]  # ids of the buildings in no zone
    ungrouped: dict[str, frozenset[str]]  # zone id -> its buildings without a group
    neighbour: Zone  # the zone sharing most border with the new one: its branch is given it


def _at(b: Building) -> shapely.Point:
    return b.footprint.representative_point()


def _new_zone(demo: Demo, code: str, orphans: list[Building]) -> list[tuple[float, float]] | None:
    """The corners of one zone holding every orphan: the convex hull of the vertices of the
    community boundary and of its zones that the orphans' middle sees (a straight line to
    them crosses no zone), when that hull holds them all, stays in the community and overlaps
    no zone; else None."""
    community = next(c.boundary for c in demo.communities if c.code == code)
    zones = [z.boundary for z in demo.zones if z.community_code == code]
    middle = shapely.MultiPoint([_at(b) for b in orphans]).centroid
    candidates = list(community.exterior.coords)[:-1]
    candidates += [p for z in zones for p in list(z.exterior.coords)[:-1]]
    seen = [
        p
        for p in candidates
        if all(shapely.LineString([middle, p]).intersection(z).length < 1e-9 for z in zones)
    ]
    if len(seen) < 3:
        return None
    hull = shapely.MultiPoint(seen).convex_hull
    if (
        hull.geom_type != "Polygon"
        or not community.buffer(1e-9).covers(hull)
        or any(hull.intersection(z).area > 1e-12 for z in zones)
        or not all(hull.covers(_at(b)) for b in orphans)
    ):
        return None
    return list(hull.exterior.coords)[:-1]


def _ungrouped(demo: Demo, code: str, shapes: dict[str, BaseGeometry]) -> dict[str, frozenset[str]]:
    """The community's buildings without a Party group, by the zone (of `shapes`) holding them."""
    grouped = {o.building_id for o in demo.organizations if o.building_id}
    found: dict[str, set[str]] = {}
    for b in (b for b in demo.buildings if b.community_code == code and b.id not in grouped):
        zone = next((z for z, shape in shapes.items() if shape.covers(_at(b))), None)
        if zone is not None:
            found.setdefault(zone, set()).add(str(b.id))
    return {z: frozenset(ids) for z, ids in found.items()}


NEW = "new"  # the new zone's key in Walk.ungrouped until the grid gives it an id


@pytest.fixture(scope="module")
def walk(demo: Demo) -> Walk:
    kinds = {o.community_code: o.kind for o in demo.organizations if o.kind in COMMUNITY_KINDS}
    found = []
    for community in demo.communities:
        code = community.code
        counts = states(demo, code)
        if (
            kinds[code] == BRANCH
            or not counts["orphan"]
            or not counts["gap"] + counts["gap_members"]
        ):
            continue
        zones = [z for z in demo.zones if z.community_code == code]
        orphans = [
            b
            for b in demo.buildings
            if b.community_code == code and not any(z.boundary.covers(_at(b)) for z in zones)
        ]
        corners = _new_zone(demo, code, orphans)
        if corners is None:
            continue
        hull = shapely.Polygon(corners)
        shapes = {str(z.id): z.boundary for z in zones} | {NEW: hull}
        neighbour = max(zones, key=lambda z: hull.boundary.intersection(z.boundary).length)
        gaps = counts["orphan"] + counts["gap"] + counts["gap_members"]
        found.append(
            (
                gaps,
                code,
                Walk(
                    code,
                    corners,
                    frozenset(str(b.id) for b in orphans),
                    _ungrouped(demo, code, shapes),
                    neighbour,
                ),
            )
        )
    assert found, "no demo community has orphans one zone can take in and ungrouped buildings"
    return min(found, key=lambda f: (f[0], f[1]))[2]


def _branch_of(demo: Demo, zone: Zone) -> Organization:
    return next(o for o in demo.organizations if o.zone_id == zone.id and o.kind == "grid_branch")


def _group_under(demo: Demo, branch: Organization) -> Organization:
    """A Party group of the branch whose name, typed in the search box, finds only it."""
    names = [o.name for o in demo.organizations if o.community_code == branch.community_code]
    return next(
        o
        for o in sorted(demo.organizations, key=lambda o: o.name)
        if o.parent_id == branch.id
        and o.kind == "party_group"
        and sum(o.name in n for n in names) == 1
    )


def _pick(page: Page, list_id: str, name: str) -> None:
    """Find an organization in a searchable list by typing its name; Enter chooses it."""
    search = page.locator(f"#{list_id}-search")
    search.fill(name)
    search.press("Enter")
    assert page.locator(f"#{list_id} option:checked").inner_text() == name
    search.fill("")


def _off(page: Page, vertex: tuple[float, float], middle: shapely.Point) -> tuple[float, float]:
    """The pixel OFF pixels from the vertex, away from the middle of the new zone."""
    x, y = _point(page, *vertex)
    mx, my = _point(page, middle.x, middle.y)
    norm = math.hypot(x - mx, y - my)
    return x + (x - mx) / norm * OFF, y + (y - my) / norm * OFF


def _shown(page: Page) -> str:
    return figures(page)[LABELS["coverage"]]


def _lead(page: Page, name: str) -> tuple[str, str]:
    cells = page.locator(f"#planner-diff-lead tr[data-figure={name}] td")
    return cells.nth(1).inner_text(), cells.nth(2).inner_text()


def _percent(counts: Counter[str]) -> str:
    """The covered share as the panel and a preview show it: one decimal, rounded once."""
    return f"{100 * counts['covered'] / sum(counts.values()):.1f}%"


def figure(counts: Counter[str]) -> str:
    """The panel's coverage figure for these states (test_planner_page.figure)."""
    return f"{_percent(counts)} ({counts['covered']}/{sum(counts.values())})"


def _warnings(page: Page) -> set[str]:
    return set(
        page.evaluate(
            """() => Array.from(document.querySelectorAll('#planner-warnings li'),
                 (li) => li.dataset.code)"""
        )
    )


def _gap_ids(page: Page) -> list[str]:
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('#planner-gaps-list li'), (li) => li.dataset.id)"
    )


def _paint_with_next_gap(page: Page, wanted: frozenset[str]) -> None:
    """下一个缺口 through the list; each gap that is one of `wanted` is painted with a click
    (the map has zoomed to it)."""
    left = set(wanted)
    for _ in range(2 * len(_gap_ids(page)) + 2):
        if not left:
            break
        page.locator("#planner-gaps-next").click()
        current = page.evaluate("window.__pgPlanner.gaps.current")
        if current not in left:
            continue
        at = page.evaluate(
            """(id) => { const l = window.__pgPlanner.buildingLayer(id);
                 return l.building.at; }""",
            current,
        )
        click(page, *_point(page, *at))
        wait_idle(page)
        left.discard(current)
    assert not left, f"下一个缺口 never reached {sorted(left)}"
    assert set(page.evaluate("window.__pgPlanner.brush.painted()")) == wanted


def _snapshot(running: Running, code: str) -> tuple[dict, dict]:
    """The community's zones (name, organization, boundary) and buildings (zone, group)."""
    community = running.post(running.gateway, GRID, {"code": code})["data"]["community"]
    zones = {
        z["id"]: (
            z["name"],
            (z["organization"] or {}).get("id"),
            shapely.geometry.shape(z["boundary"]),
        )
        for z in community["zones"]
    }
    buildings = {
        b["id"]: (z["id"], (b["partyGroup"] or {}).get("id"))
        for z in community["zones"]
        for b in z["buildings"]
    } | {b["id"]: (None, (b["partyGroup"] or {}).get("id")) for b in community["orphanBuildings"]}
    return zones, buildings


def _same(a: tuple[dict, dict], b: tuple[dict, dict]) -> bool:
    zones_a, buildings_a = a
    zones_b, buildings_b = b
    return (
        buildings_a == buildings_b
        and zones_a.keys() == zones_b.keys()
        and all(
            zones_a[i][:2] == zones_b[i][:2] and zones_a[i][2].equals_exact(zones_b[i][2], 1e-9)
            for i in zones_a
        )
    )


def _undo_all(running: Running, code: str, latest: int) -> None:
    """Undo through the graph every change set after number `latest` still standing."""
    for _ in range(60):
        steps = running.post(running.gateway, STEPS, {"code": code})["data"]["changeSets"]
        nxt = steps["nextUndo"]
        if nxt is None or nxt["number"] <= latest:
            return
        answer = running.post(running.gateway, UNDO, {"code": code}, identity=planner_of(code))
        assert answer["data"]["undoLatest"]["errors"] == [], answer


def _history_step(page: Page, which: str, expected: str) -> int:
    """Undo or Redo in the history panel: previewed (nothing changes yet), then committed;
    the figures then show `expected`. The change set's number."""
    number = page.evaluate(f"window.__pgPlanner.state.history.next{which.capitalize()}.number")
    shown = _shown(page)
    page.locator(f"#planner-history-{which}").click()
    wait_idle(page)
    assert page.evaluate("window.__pgPlanner.pending") == {"op": which, "expectedNumber": number}
    assert f"#{number}" in page.locator("#planner-diff .history-step h2").inner_text()
    assert _shown(page) == shown, "a preview changes nothing"
    commit_and_wait(page)
    assert _shown(page) == expected
    return number


def test_a_planner_covers_every_gap_of_a_community(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    walk: Walk,
    screenshots: Path,
    service_urls: dict[str, str],
) -> None:
    code = walk.code
    start = _snapshot(running, code)
    latest = running.post(running.gateway, STEPS, {"code": code})["data"]["changeSets"][
        "totalCount"
    ]
    try:
        _walk(visit, running, demo, walk, screenshots, service_urls["grid"])
    finally:
        _undo_all(running, code, latest)
    assert _same(_snapshot(running, code), start), "the community is not as it was"


@dataclass
class Trip:
    """The walk so far: the page, what the demo says of each step, the planner's choices."""

    running: Running
    demo: Demo
    walk: Walk
    page: Page
    shots: Path
    grid_url: str
    zones: list[Zone]
    hull: shapely.Polygon
    new_id: str = ""
    branch: Organization | None = None
    grouped: frozenset[str] = frozenset()
    passes: list[tuple[int, str, frozenset[str]]] = field(default_factory=list)

    def states(self, grouped: frozenset[str] | None = None, zone: bool = True) -> Counter[str]:
        """The demo's coverage states with these buildings grouped (the walk's so far), the
        new zone drawn or not."""
        grouped = self.grouped if grouped is None else grouped
        added = (self.hull,) if zone else ()
        return states(self.demo, self.walk.code, grouped=_ids(grouped), added=added)

    def group_for(self, key: str) -> Organization:
        """The group a zone's buildings get: one of its grid branch's."""
        zone = next((z for z in self.zones if str(z.id) == key), None)
        assert self.branch is not None
        return _group_under(self.demo, self.branch if zone is None else _branch_of(self.demo, zone))


def _walk(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    walk: Walk,
    screenshots: Path,
    grid_url: str,
) -> None:
    seen = open_planner(visit, walk.code)
    zones = [z for z in demo.zones if z.community_code == walk.code]
    hull = shapely.Polygon(walk.corners)
    trip = Trip(running, demo, walk, seen.page, screenshots, grid_url, zones, hull)
    _the_gaps(trip)
    _draw_around_the_orphans(trip)
    _set_the_branch(trip)
    _paint_every_zone(trip)
    _all_covered(trip)
    _undo_twice_redo_once(trip)
    other = _conflict_from_a_second_tab(trip, visit)
    assert seen.external_requests() == []
    assert console_errors(seen) == [] and console_errors(other) == []


def _severities(page: Page) -> list[str]:
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('#planner-gaps-list li'),"
        " (li) => li.dataset.severity)"
    )


def _the_gaps(trip: Trip) -> None:
    """1. The gaps, as the demo has them; 下一个缺口 goes to each in turn."""
    page, walk = trip.page, trip.walk
    before = trip.states(zone=False)
    assert _shown(page) == figure(before)
    gap_ids = _gap_ids(page)
    assert set(gap_ids) == walk.orphans | frozenset().union(*walk.ungrouped.values())
    wanted = {"1": before["gap_members"], "2": before["gap"], "4": before["orphan"]}
    assert Counter(_severities(page)) == Counter(wanted) - Counter()
    for i in range(3):
        page.locator("#planner-gaps-next").click()
        assert page.evaluate("window.__pgPlanner.gaps.current") == gap_ids[i]
        assert page.locator("#planner-gaps-list li.current").get_attribute("data-id") == gap_ids[i]
    page.screenshot(path=trip.shots / "planner-walk-1-gaps.png")


def _draw_around_the_orphans(trip: Trip) -> None:
    """2. A zone around the orphans: each corner clicked off a vertex, snapped onto it."""
    page, walk, hull = trip.page, trip.walk, trip.hull
    before, after = trip.states(zone=False), trip.states()
    name = "走查新片区"
    page.locator("#planner-zone-name").fill(name)
    fit(page, hull.buffer(hull.length / 40))
    page.locator("a.leaflet-draw-draw-polygon").click()
    for corner in walk.corners:
        x, y = _off(page, corner, hull.centroid)
        page.mouse.move(x, y, steps=5)
        snapped = page.evaluate("window.__pgPlanner.snap.last")
        assert snapped and snapped["kind"] == "vertex", corner
        assert page.locator("path.pg-snap-marker").is_visible()
        click(page, x, y)
    click(page, *_point(page, *walk.corners[0]))  # the first corner again: closed
    wait_idle(page)
    pending = page.evaluate("window.__pgPlanner.pending")
    assert pending["op"] == "create" and pending["name"] == name
    drawn = pending["boundary"]["coordinates"][0][:-1]
    assert len(drawn) == len(walk.corners)
    # Each corner exactly on a vertex the page has (the graph's, 7 decimals), where meant.
    served = page.evaluate(
        "() => { const s = window.__pgPlanner.state;"
        " return [s.community.boundary, ...s.zones.map((z) => z.boundary)]; }"
    )
    vertices = [tuple(p) for g in served for p in shapely.geometry.shape(g).exterior.coords]
    for p, c in zip(drawn, walk.corners, strict=True):
        assert min(math.dist(p, v) for v in vertices) < 1e-12 and math.dist(p, c) < 1e-6
    assert page.evaluate("window.__pgPlanner.result.ok") is True
    assert _lead(page, "percent") == (_percent(before), _percent(after))
    severe = (str(before["gap_members"]), str(after["gap_members"]))
    assert _lead(page, "gapsWithMembers") == severe
    warned = {"ZONE_WITHOUT_ORGANIZATION"}
    if after["gap_members"] > before["gap_members"]:
        warned.add("GAPS_CREATED")
    assert _warnings(page) == warned
    page.screenshot(path=trip.shots / "planner-walk-2-snap.png")
    commit_and_wait(page)
    zones, buildings = _snapshot(trip.running, walk.code)
    (trip.new_id,) = [i for i in zones if i not in {str(z.id) for z in trip.zones}]
    # The committed zone's corners lie on the community boundary (the grid clips a hair
    # outside onto it) or on a neighbour's vertex, as stored (asked of PostGIS: the graph's
    # GeoJSON rounds to 7 decimals). The page snaps onto the 7-decimal vertices it was
    # served, so a corner on a neighbour's vertex is within that rounding (~1e-7°, 1 cm) of
    # it, not exactly on it: reported (services/grid/places.py GEOJSON_DIGITS).
    with rolled_back(trip.grid_url) as conn:
        off = conn.execute(ON_EDGES, {"code": walk.code, "id": trip.new_id}).all()
    on_boundary = [c for c, _z in off if c < 1e-7]
    assert all(c < 1e-9 for c in on_boundary), off
    assert all(min(c, z) < 1e-7 for c, z in off), off
    community = next(c.boundary for c in trip.demo.communities if c.code == walk.code)
    meant = [p for p in walk.corners if community.exterior.distance(shapely.Point(p)) < 1e-9]
    assert len(on_boundary) >= len(meant) + 1, off  # the ring's closing point repeats one
    assert {b for b, (zone, _g) in buildings.items() if zone == trip.new_id} == walk.orphans
    assert _shown(page) == figure(after)


def _set_the_branch(trip: Trip) -> None:
    """3. The new zone's grid branch, from the searchable list: its neighbour's."""
    page = trip.page
    trip.branch = _branch_of(trip.demo, trip.walk.neighbour)
    page.locator("#planner-branch-zone").select_option(trip.new_id)
    _pick(page, "planner-branch", trip.branch.name)
    page.locator("#planner-branch-preview").click()
    wait_idle(page)
    assert page.evaluate("window.__pgPlanner.pending.op") == "assignZone"
    cells = page.locator("#planner-diff-coverage tr[data-figure=zonesWithoutOrganization] td")
    assert (cells.nth(1).inner_text(), cells.nth(2).inner_text()) == ("1", "0")
    commit_and_wait(page)
    assert page.locator("#planner-branch-current").inner_text() == trip.branch.name
    assert "3" not in _severities(page)


def _paint_every_zone(trip: Trip) -> None:
    """4. The brush, zone by zone with each zone's own group, walking 下一个缺口; each
    painting previewed with coverage and severe gaps before → after."""
    page, walk = trip.page, trip.walk
    page.locator("input[name=planner-mode][value=groups]").check()
    page.locator("input[name=planner-brush][value=paint]").check()
    names = {str(z.id): z.name for z in trip.zones}
    falls = []
    for key in sorted(walk.ungrouped, key=lambda k: (k == NEW, names.get(k, ""))):
        wanted = walk.ungrouped[key]
        group = trip.group_for(key)
        _pick(page, "planner-group", group.name)
        was = trip.states()
        _paint_with_next_gap(page, wanted)
        pending = page.evaluate("window.__pgPlanner.pending")
        assert (pending["op"], pending["partyGroupId"]) == ("assign", str(group.id))
        trip.grouped |= wanted
        now = trip.states()
        assert _lead(page, "percent") == (_percent(was), _percent(now))
        severe = (str(was["gap_members"]), str(now["gap_members"]))
        assert _lead(page, "gapsWithMembers") == severe
        assert now["gap_members"] <= was["gap_members"]
        falls.append(now["gap_members"] < was["gap_members"])
        assert "GROUP_OUTSIDE_ZONE" not in _warnings(page)
        if key == NEW:
            page.locator("#planner-diff").scroll_into_view_if_needed()
            page.screenshot(path=trip.shots / "planner-walk-3-brush.png")
        number = page.evaluate("window.__pgPlanner.state.history.latest") + 1
        commit_and_wait(page)
        assert _shown(page) == figure(now)
        trip.passes.append((number, key, wanted))
    assert any(falls), "no painting took a severe gap away"


def _all_covered(trip: Trip) -> None:
    """5. Every gap covered: the page and the grid agree."""
    page = trip.page
    covered = trip.states()
    total = sum(covered.values())
    assert _shown(page) == f"100.0% ({total}/{total})" == figure(covered)
    assert _gap_ids(page) == []
    assert page.locator("#planner-gaps-none").is_visible()
    assert page.locator("#planner-gaps-next").is_disabled()
    grid = trip.running.post(trip.running.gateway, COVERAGE, {"code": trip.walk.code})
    coverage = grid["data"]["coverage"]
    assert coverage["covered"] == coverage["buildings"] == total
    assert coverage["buildingStates"] == {"gap": 0, "gapWithMembers": 0, "orphan": 0}
    assert coverage["zonesWithoutOrganization"] == 0
    assert [coverage[f"g{s}"]["totalCount"] for s in range(1, 5)] == [0, 0, 0, 0]
    fit(page, trip.hull.union(shapely.union_all([z.boundary for z in trip.zones])))
    page.locator("#planner-gaps").scroll_into_view_if_needed()
    page.screenshot(path=trip.shots / "planner-walk-4-covered.png")


def _undo_twice_redo_once(trip: Trip) -> None:
    """6. Undo twice, redo once, in the history panel, each previewed; the figures follow."""
    page = trip.page
    (last, _k1, painted_last), (second, _k2, painted_second) = trip.passes[-1], trip.passes[-2]
    without_last = figure(trip.states(trip.grouped - painted_last))
    without_both = figure(trip.states(trip.grouped - painted_last - painted_second))
    assert _history_step(page, "undo", without_last) == last
    assert _history_step(page, "undo", without_both) == second
    assert _history_step(page, "redo", without_last) == second
    page.locator("#planner-history").scroll_into_view_if_needed()
    page.screenshot(path=trip.shots / "planner-walk-5-undo-redo.png")
    trip.grouped -= painted_last


def _conflict_from_a_second_tab(trip: Trip, visit: Callable[..., Visit]) -> Visit:
    """7. The last painting again; meanwhile a second tab gives one of its buildings another
    group. The commit conflicts; the page reloads, shows the other's change, and the kept
    painting is re-applied and committed."""
    page, code = trip.page, trip.walk.code
    _number, key, painted = trip.passes[-1]
    group = trip.group_for(key)
    _pick(page, "planner-group", group.name)
    _paint_with_next_gap(page, painted)
    assert page.locator("#planner-commit").is_enabled()

    other_seen = open_planner(visit, code)
    other = other_seen.page
    theirs = sorted(painted)[0]
    names = [o.name for o in trip.demo.organizations if o.community_code == code]
    other_group = next(
        g
        for g in sorted(trip.demo.organizations, key=lambda o: o.name)
        if g.community_code == code
        and g.kind == "party_group"
        and g.id != group.id
        and sum(g.name in n for n in names) == 1
    )
    other.locator("input[name=planner-mode][value=groups]").check()
    _pick(other, "planner-group", other_group.name)
    other.evaluate(
        "(id) => window.__pgMap.fitBounds(window.__pgPlanner.buildingLayer(id).getBounds(),"
        " {animate: false, maxZoom: 19})",
        theirs,
    )
    at = other.evaluate("(id) => window.__pgPlanner.buildingLayer(id).building.at", theirs)
    click(other, *_point(other, *at))
    assert other.locator("#planner-selected").inner_text() == "1"
    other.locator("#planner-preview").click()
    wait_idle(other)
    commit_and_wait(other)
    their_number = other.evaluate("window.__pgPlanner.state.history.latest")

    page.locator("#planner-commit").click()
    page.locator("#planner-message.conflict").wait_for()
    wait_idle(page)
    with_theirs = trip.states(trip.grouped | {theirs})
    assert _shown(page) == figure(with_theirs), "the page shows the other tab's change"
    page.locator(f"#planner-conflict-changes li[data-number='{their_number}']").wait_for()
    kept = page.evaluate("window.__pgPlanner.pending")
    assert set(kept["buildingIds"]) == painted and kept["partyGroupId"] == str(group.id)
    assert page.locator("#planner-commit").is_disabled()
    page.locator("#planner-conflict").scroll_into_view_if_needed()
    page.screenshot(path=trip.shots / "planner-walk-6-conflict.png")
    page.locator("#planner-reapply").click()
    wait_idle(page)
    assert page.locator("#planner-commit").is_enabled()
    commit_and_wait(page)
    trip.grouped |= painted
    assert _shown(page) == figure(trip.states())
    assert _gap_ids(page) == []
    assert page.locator("#planner-conflict").is_hidden()
    return other_seen


def _ids(ids: frozenset[str]) -> frozenset[uuid.UUID]:
    """Building ids as the demo has them, for states()."""
    return frozenset(uuid.UUID(i) for i in ids)
