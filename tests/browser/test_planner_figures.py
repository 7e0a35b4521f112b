"""The planner page's figures in a real browser: the live figures inside a shape while it is
drawn or dragged, the per-zone table, and the community's gaps with "next gap".

Expectations come from the demo data (shapely over infra/demo/model.py): a building is inside
a shape when its footprint's interior point is (DOMAIN "Places"); its households and resident
members are the demo's; its coverage state follows DOMAIN "The coverage graph" as
test_planner_page.states does; gaps are ranked as DOMAIN ranks them (most severe first).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import shapely
from browser_pages import Visit
from playwright.sync_api import Page
from shapely.geometry.base import BaseGeometry
from test_planner_page import (
    Corner,
    _point,
    clear_spot,
    click,
    commit_and_wait,
    console_errors,
    drag_corner,
    fit,
    graph_zones,
    open_planner,
    undo_and_wait,
    wait_idle,
)

from gateway.maps.planner_labels import PLANNER_LABELS
from infra.demo.model import BRANCH, COMMUNITY_KINDS, Demo
from stack import Running

# The zone table's columns after the name, by their labels' keys (fig_col_<name>).
COLUMNS = ("buildings", "households", "members", "groups", "coverage")
# Runs of Arabic or Chinese numerals (as grid's natural_key reads them).
NUMERALS = re.compile("[0-9〇零一二两三四五六七八九十百千万]+")


@dataclass(frozen=True)
class Place:
    """A demo building as the figures see it."""

    id: str
    name: str
    point: shapely.Point  # the footprint's interior point
    households: int
    members: int
    group: str | None  # its own Party group's id
    zone: str | None  # the id of the zone holding it
    covered: bool


def places(demo: Demo, code: str, shapes: dict[str, BaseGeometry] | None = None) -> list[Place]:
    """The community's buildings, with some zones' boundaries replaced by `shapes`."""
    shapes = shapes or {}
    zones = [z for z in demo.zones if z.community_code == code]
    kind = next(
        o.kind for o in demo.organizations if o.community_code == code and o.kind in COMMUNITY_KINDS
    )
    zone_org = {o.zone_id for o in demo.organizations if o.zone_id}
    group_of = {o.building_id: str(o.id) for o in demo.organizations if o.building_id}
    residents = Counter(m.home_building_id for m in demo.members if m.home_building_id)
    found = []
    for b in (b for b in demo.buildings if b.community_code == code):
        point = b.footprint.representative_point()
        hits = [z.id for z in zones if shapes.get(str(z.id), z.boundary).covers(point)]
        zone = hits[0] if hits else None
        covered = zone is not None and (b.id in group_of or (kind == BRANCH and zone in zone_org))
        found.append(
            Place(
                str(b.id),
                b.name,
                point,
                b.households,
                residents[b.id],
                group_of.get(b.id),
                str(zone) if zone else None,
                covered,
            )
        )
    return found


def expected_inside(found: list[Place], shape: BaseGeometry) -> dict[str, int]:
    held = [p for p in found if shape.covers(p.point)]
    return {
        "buildings": len(held),
        "households": sum(p.households for p in held),
        "members": sum(p.members for p in held),
        "covered": sum(p.covered for p in held),
    }


def live(page: Page) -> dict[str, int] | None:
    """The live figures the panel shows (None while it shows none)."""
    return page.evaluate(
        """() => { const t = document.getElementById('planner-live-figures');
             if (!t || t.hidden) { return null; }
             const out = {};
             t.querySelectorAll('tr[data-figure]').forEach((tr) => {
               out[tr.dataset.figure] = Number(tr.dataset.value); });
             return out; }"""
    )


def drawing_so_far(page: Page) -> BaseGeometry:
    """The shape the page's figures are for, as the page holds it (GeoJSON)."""
    return shapely.geometry.shape(page.evaluate("() => window.__pgPlanner.figures.shape"))


def near(page: Page, drawn: BaseGeometry, meant: BaseGeometry) -> bool:
    """The shape drawn by pointer is the one meant, up to where a pointer lands (whole pixels:
    within 2 pixels)."""
    pixel = page.evaluate(
        """() => { const m = window.__pgMap, a = m.containerPointToLatLng([0, 0]),
             b = m.containerPointToLatLng([1, 1]); return Math.abs(b.lng - a.lng); }"""
    )
    return (
        len(shapely.get_coordinates(drawn)) == len(shapely.get_coordinates(meant))
        and drawn.hausdorff_distance(meant) < 2 * pixel
    )


def _pentagon(demo: Demo, code: str) -> list[tuple[float, float]]:
    """Five corners around the community's middle, spanning several zones."""
    community = next(c.boundary for c in demo.communities if c.code == code)
    centre = community.representative_point()
    minx, miny, maxx, maxy = community.bounds
    rx, ry = (maxx - minx) / 3, (maxy - miny) / 3
    return [
        (centre.x - rx, centre.y - ry / 2),
        (centre.x, centre.y - ry),
        (centre.x + rx, centre.y - ry / 3),
        (centre.x + rx / 2, centre.y + ry),
        (centre.x - rx / 2, centre.y + ry),
    ]


def beyond(found: list[Place], corners: list[tuple[float, float]]) -> tuple[float, float]:
    """A point outside the polygon past its closing edge (last corner to first) such that the
    triangle it adds holds a building: twice as far from the edge's middle as the building
    outside that edge nearest to it."""
    a, b = shapely.Point(corners[-1]), shapely.Point(corners[0])
    middle = shapely.Point((a.x + b.x) / 2, (a.y + b.y) / 2)

    # Right of a -> b is outside: the corners go round anticlockwise.
    def outside(p: shapely.Point) -> bool:
        return (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x) < 0

    q = min((p.point for p in found if outside(p.point)), key=middle.distance)
    return 2 * q.x - middle.x, 2 * q.y - middle.y


def test_live_figures_follow_a_drawing(
    visit: Callable[..., Visit],
    demo: Demo,
    corner: Corner,
    screenshots: Path,
) -> None:
    code = corner.zone.community_code
    found = places(demo, code)
    seen = open_planner(visit, code)
    page = seen.page
    assert live(page) is None, "no shape, no live figures"
    corners = _pentagon(demo, code)
    fit(page, shapely.MultiPoint([*corners, beyond(found, corners)]))
    page.locator("a.leaflet-draw-draw-polygon").click()
    for i, (lon, lat) in enumerate(corners):
        click(page, *_point(page, lon, lat))
        if i < 2:
            continue  # a line has no inside
        drawn = drawing_so_far(page)
        assert near(page, drawn, shapely.Polygon(corners[: i + 1]))
        assert live(page) == expected_inside(found, drawn), f"after corner {i + 1}"
    # The pointer is the next corner until it is placed: the figures follow it. Out beyond
    # the edge from the last corner back to the first, past a building there.
    lon, lat = beyond(found, corners)
    page.mouse.move(*_point(page, lon, lat), steps=4)
    moved = drawing_so_far(page)
    assert moved.is_valid
    assert near(page, moved, shapely.Polygon([*corners, (lon, lat)]))
    assert live(page) == expected_inside(found, moved)
    assert expected_inside(found, moved) != expected_inside(found, drawn)
    page.screenshot(path=screenshots / "planner-live.png")
    click(page, *_point(page, *corners[0]))  # closed: the preview starts, the figures stay
    wait_idle(page)
    assert near(page, drawing_so_far(page), drawn)
    assert live(page) == expected_inside(found, drawn)
    page.locator("#planner-discard").click()
    assert live(page) is None
    assert console_errors(seen) == []


def test_live_figures_follow_a_dragged_vertex(
    visit: Callable[..., Visit],
    demo: Demo,
    corner: Corner,
    screenshots: Path,
) -> None:
    """A zone's vertex dragged in the edit tool: the figures follow while the button is down."""
    code = corner.zone.community_code
    found = places(demo, code)
    seen = open_planner(visit, code)
    page = seen.page
    fit(page, shapely.union_all([corner.zone.boundary, shapely.Point(corner.target)]))
    page.locator("a.leaflet-draw-edit-edit").click()
    x, y = _point(page, *corner.vertex)
    tx, ty = _point(page, *corner.target)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move((x + tx) / 2, (y + ty) / 2, steps=6)
    halfway = drawing_so_far(page)
    zone = page.evaluate(
        "(id) => window.__pgPlanner.zoneLayer(id).toGeoJSON().geometry", str(corner.zone.id)
    )
    assert halfway.equals_exact(shapely.geometry.shape(zone), 1e-6)
    assert not halfway.equals_exact(corner.zone.boundary, 1e-6), "the vertex moved"
    assert live(page) == expected_inside(found, halfway)
    # Beside them, the zone's figures now (the buildings the state puts in it).
    now = page.evaluate(
        """() => Object.fromEntries(Array.from(
             document.querySelectorAll('#planner-live-figures tr[data-figure]'),
             (tr) => [tr.dataset.figure, tr.cells[1].textContent]))"""
    )
    held = [p for p in found if p.zone == str(corner.zone.id)]
    assert now["buildings"] == str(len(held))
    assert now["households"] == str(sum(p.households for p in held))
    assert now["members"] == str(sum(p.members for p in held))
    assert f"({sum(p.covered for p in held)}/{len(held)})" in now["covered"]
    page.screenshot(path=screenshots / "planner-live-drag.png")
    page.mouse.move(tx, ty, steps=6)
    page.mouse.up()
    dragged = drawing_so_far(page)
    assert live(page) == expected_inside(found, dragged)
    assert expected_inside(found, dragged) != expected_inside(found, corner.zone.boundary)
    page.get_by_title("取消编辑，放弃所有修改").click()
    assert live(page) is None
    assert console_errors(seen) == []


def zone_rows(page: Page) -> list[dict]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('#planner-zones-table tbody tr'), (tr) => ({
             id: tr.dataset.zone, name: tr.cells[0].textContent, on: tr.classList.contains('on'),
             figures: Object.fromEntries(Array.from(tr.querySelectorAll('td[data-figure]'),
               (td) => [td.dataset.figure, Number(td.dataset.value)])) }))"""
    )


def expected_zones(demo: Demo, code: str, found: list[Place]) -> dict[str, dict[str, int]]:
    kind = next(
        o.kind for o in demo.organizations if o.community_code == code and o.kind in COMMUNITY_KINDS
    )
    zone_org = {str(o.zone_id): str(o.id) for o in demo.organizations if o.zone_id}
    out = {}
    for z in (z for z in demo.zones if z.community_code == code):
        held = [p for p in found if p.zone == str(z.id)]
        groups = {p.group for p in held if p.group}
        if kind == BRANCH and str(z.id) in zone_org:
            groups.add(zone_org[str(z.id)])  # "党小组建在片区"
        out[str(z.id)] = {
            "buildings": len(held),
            "households": sum(p.households for p in held),
            "members": sum(p.members for p in held),
            "groups": len(groups),
            "covered": sum(p.covered for p in held),
        }
    return out


def zone_highlighted(page: Page, zone_id: str) -> bool:
    return page.evaluate("(id) => window.__pgPlanner.zonesTable.highlighted === id", zone_id)


def test_the_zone_table_shows_each_zones_figures_and_highlights_with_the_map(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    corner: Corner,
    screenshots: Path,
    restore: Callable[[str], None],
) -> None:
    code = corner.zone.community_code
    restore(code)
    found = places(demo, code)
    seen = open_planner(visit, code)
    page = seen.page
    rows = zone_rows(page)
    assert {r["id"]: r["figures"] for r in rows} == expected_zones(demo, code, found)
    # By name, zh-CN collation; names that differ only in numbers in the order grid serves
    # zones (its natural key: 第二片区 before 第十片区), which the graph's answer shows.
    served = list(graph_zones(running, code)[0])
    masked = [NUMERALS.sub("#", r["name"]) for r in rows]
    ranks = page.evaluate(
        """(names) => { const c = new Intl.Collator('zh-CN'), u = [...new Set(names)].sort(c.compare);
             return names.map((n) => u.indexOf(n)); }""",
        masked,
    )
    keys = [(rank, served.index(r["id"])) for rank, r in zip(ranks, rows, strict=True)]
    assert keys == sorted(keys), "rows are sorted by name"

    # A row under the pointer lights its zone; a zone under the pointer lights its row.
    first, last = rows[0]["id"], rows[-1]["id"]
    page.locator(f"#planner-zones-table tr[data-zone='{first}']").hover()
    assert zone_highlighted(page, first)
    style = page.evaluate("(id) => window.__pgPlanner.zoneLayer(id).options.weight", first)
    assert style >= 4, "the zone is drawn heavier"
    zone = next(z for z in demo.zones if str(z.id) == last)
    fit(page, zone.boundary)
    spot, _ = clear_spot(demo, zone)
    page.mouse.move(*_point(page, spot.x, spot.y), steps=4)
    assert zone_highlighted(page, last)
    assert [r["id"] for r in zone_rows(page) if r["on"]] == [last]
    page.locator(f"#planner-zones-table tr[data-zone='{first}']").click()
    first_zone = next(z for z in demo.zones if str(z.id) == first)
    centre = page.evaluate("() => { const c = window.__pgMap.getCenter(); return [c.lng, c.lat]; }")
    assert first_zone.boundary.envelope.covers(shapely.Point(centre)), "the map goes to the zone"
    page.mouse.move(5, 5)  # off the map and the table: the clicked row stays lit
    assert zone_highlighted(page, first)
    page.screenshot(path=screenshots / "planner-zones-table.png")

    # After a commit the table is the new state's; after the undo, the old one again.
    drag_corner(page, corner)
    redrawn = shapely.geometry.shape(page.evaluate("window.__pgPlanner.pending.boundary"))
    commit_and_wait(page)
    after = places(demo, code, {str(corner.zone.id): redrawn})
    assert {r["id"]: r["figures"] for r in zone_rows(page)} == expected_zones(demo, code, after)
    undo_and_wait(page)
    assert {r["id"]: r["figures"] for r in zone_rows(page)} == expected_zones(demo, code, found)
    assert console_errors(seen) == []


@dataclass(frozen=True)
class Gap:
    id: str
    severity: int
    residents: int


def expected_gaps(demo: Demo, code: str, found: list[Place]) -> list[Gap]:
    """DOMAIN "The coverage graph": 1 a building with members and no group, 2 a building with
    no group, 3 a zone with no grid branch (branch community: no group), 4 an orphan; in a
    branch community a building is never 1 or 2 (its zone is the gap)."""
    kind = next(
        o.kind for o in demo.organizations if o.community_code == code and o.kind in COMMUNITY_KINDS
    )
    zone_org = {o.zone_id for o in demo.organizations if o.zone_id}
    gaps = []
    for p in found:
        if p.zone is None:
            gaps.append(Gap(p.id, 4, p.members))
        elif kind != BRANCH and p.group is None:
            gaps.append(Gap(p.id, 1 if p.members else 2, p.members))
    for z in (z for z in demo.zones if z.community_code == code and z.id not in zone_org):
        gaps.append(Gap(str(z.id), 3, sum(p.members for p in found if p.zone == str(z.id))))
    return gaps


def gap_items(page: Page) -> list[dict]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('#planner-gaps-list li'), (li) => ({
             id: li.dataset.id, severity: Number(li.dataset.severity),
             current: li.classList.contains('current'), text: li.textContent }))"""
    )


@pytest.fixture(scope="module")
def gappy(demo: Demo) -> str:
    """The community with gaps of the most kinds, then the most gaps."""

    def score(code: str) -> tuple[int, int]:
        gaps = expected_gaps(demo, code, places(demo, code))
        return len({g.severity for g in gaps}), len(gaps)

    return max((c.code for c in demo.communities), key=score)


def test_next_gap_walks_the_gaps_most_severe_first(
    visit: Callable[..., Visit], demo: Demo, gappy: str, screenshots: Path
) -> None:
    code = gappy
    found = places(demo, code)
    expected = expected_gaps(demo, code, found)
    seen = open_planner(visit, code)
    page = seen.page
    items = gap_items(page)
    assert sorted((i["id"], i["severity"]) for i in items) == sorted(
        (g.id, g.severity) for g in expected
    )
    severities = [i["severity"] for i in items]
    assert severities == sorted(severities), "most severe first"
    residents = {g.id: g.residents for g in expected}
    for a, b in itertools.pairwise(items):
        if a["severity"] == b["severity"]:
            assert residents[a["id"]] >= residents[b["id"]], "then most members concerned"
    assert all(i["text"] for i in items)

    where = {p.id: p.point for p in found} | {
        str(z.id): z.boundary.representative_point() for z in demo.zones
    }
    shown = []
    for i in range(len(items)):
        page.locator("#planner-gaps-next").click()
        now = gap_items(page)
        assert [n["current"] for n in now] == [j == i for j in range(len(items))]
        current = page.evaluate("() => window.__pgPlanner.gaps.current")
        assert current == items[i]["id"]
        point = where[current]
        visible = page.evaluate(
            "([lat, lon]) => window.__pgMap.getBounds().contains([lat, lon])", [point.y, point.x]
        )
        assert visible, f"gap {i + 1} is on screen"
        shown.append(current)
        if i == 1:
            page.screenshot(path=screenshots / "planner-gaps.png")
    assert shown == [i["id"] for i in items]
    page.locator("#planner-gaps-next").click()
    assert page.evaluate("() => window.__pgPlanner.gaps.current") == items[0]["id"], "wraps"
    assert console_errors(seen) == []


def test_the_figures_speak_english_with_lang_en(
    visit: Callable[..., Visit], demo: Demo, gappy: str
) -> None:
    seen = open_planner(visit, gappy, lang="en")
    page = seen.page
    t = PLANNER_LABELS["en"]
    assert page.locator("#planner-live h2").inner_text() == t["fig_live"]
    assert page.locator("#planner-live-what").inner_text() == t["fig_live_hint"]
    heads = page.locator("#planner-zones-table thead th").all_inner_texts()
    assert heads == [t[k] for k in ("fig_col_zone", *(f"fig_col_{c}" for c in COLUMNS))]
    assert page.locator("#planner-gaps-next").inner_text() == t["fig_gaps_next"]
    kinds = {i["severity"]: i["text"] for i in gap_items(page)}
    assert kinds, "the community has gaps"
    for severity, text in kinds.items():
        assert t[f"fig_gap_{severity}"] in text or t["fig_gap_3_branch"] in text
    assert console_errors(seen) == []
