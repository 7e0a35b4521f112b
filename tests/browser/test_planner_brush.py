"""The planner page's paint brush and eraser (issue 15), in a real browser.

The buildings come from the demo: two Party-group-less buildings whose straight line crosses
no other building (a drag from one to the other paints exactly those two) and a third nearby
(clicked). Expected figures are the demo's coverage with the painted buildings grouped.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import shapely
from browser_pages import Visit
from playwright.sync_api import Page
from test_planner_page import (
    _point,
    commit_and_wait,
    console_errors,
    coverage_text,
    figure,
    fit,
    open_planner,
    states,
    undo_and_wait,
    wait_idle,
)

from infra.demo.model import BRANCH, COMMUNITY_KINDS, Building, Demo
from stack import Running


@dataclass(frozen=True)
class Stroke:
    """A drag from `start` to `end` (two buildings, nothing else on the way) and a third."""

    code: str
    start: Building
    end: Building
    third: Building


def _at(b: Building) -> tuple[float, float]:
    p = b.footprint.representative_point()
    return p.x, p.y


@pytest.fixture(scope="module")
def stroke(demo: Demo) -> Stroke:
    """Of the communities whose buildings get Party groups (not 党支部 ones), the pair of
    group-less buildings in zones whose joining line stays farthest from every other building
    (relative to the view of the three), and the group-less building nearest that line."""
    kinds = {o.community_code: o.kind for o in demo.organizations if o.kind in COMMUNITY_KINDS}
    grouped = {o.building_id for o in demo.organizations if o.building_id}
    best: tuple[float, Stroke] | None = None
    for community in demo.communities:
        code = community.code
        if kinds[code] == BRANCH:
            continue
        zones = shapely.union_all([z.boundary for z in demo.zones if z.community_code == code])
        mine = [b for b in demo.buildings if b.community_code == code]
        free = [
            b
            for b in mine
            if b.id not in grouped
            and b.footprint.geom_type == "Polygon"
            and zones.covers(b.footprint.representative_point())
        ]
        for a, b in itertools.combinations(free, 2):
            line = shapely.LineString([_at(a), _at(b)])
            others = [o.footprint for o in mine if o.id not in (a.id, b.id)]
            margin = float(shapely.distance(line, others).min())
            third = min(
                (c for c in free if c not in (a, b)), key=lambda c: line.distance(c.footprint)
            )
            minx, miny, maxx, maxy = shapely.union_all(
                [a.footprint, b.footprint, third.footprint]
            ).bounds
            score = margin / max(maxx - minx, maxy - miny)
            if best is None or score > best[0]:
                best = (score, Stroke(code, a, b, third))
    assert best is not None
    return best[1]


def _tool(page: Page, name: str) -> None:
    page.locator(f"input[name=planner-brush][value={name}]").check()


def _centre(page: Page) -> tuple[float, float]:
    c = page.evaluate("() => { const c = window.__pgMap.getCenter(); return [c.lng, c.lat]; }")
    return c[0], c[1]


def _changed(page: Page) -> set[str]:
    return set(
        page.evaluate(
            """() => Array.from(document.querySelectorAll('#planner-diff-buildings li'),
                 (li) => li.dataset.building)"""
        )
    )


def test_the_brush_paints_the_eraser_removes_commit_and_undo(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    stroke: Stroke,
    screenshots: Path,
    restore: Callable[[str], None],
) -> None:
    code = stroke.code
    group = sorted(
        (o for o in demo.organizations if o.community_code == code and o.kind == "party_group"),
        key=lambda o: o.name,
    )[0]
    restore(code)
    before = states(demo, code)
    after = states(demo, code, grouped=frozenset({stroke.start.id, stroke.end.id}))
    seen = open_planner(visit, code)
    page = seen.page
    page.locator("input[name=planner-mode][value=groups]").check()
    page.locator("#planner-group").select_option(str(group.id))
    fit(page, shapely.union_all([b.footprint for b in (stroke.start, stroke.end, stroke.third)]))
    _tool(page, "paint")
    # A drag from one building to the other paints both, and does not pan the map.
    centre = _centre(page)
    page.mouse.move(*_point(page, *_at(stroke.start)))
    page.mouse.down()
    page.mouse.move(*_point(page, *_at(stroke.end)), steps=15)
    page.mouse.up()
    wait_idle(page)
    assert _centre(page) == centre
    assert set(page.evaluate("window.__pgPlanner.brush.painted()")) == {
        str(stroke.start.id),
        str(stroke.end.id),
    }
    # A click paints one more: one pending edit of the three, previewed.
    page.mouse.click(*_point(page, *_at(stroke.third)))
    wait_idle(page)
    painted = {str(b.id) for b in (stroke.start, stroke.end, stroke.third)}
    assert _changed(page) == painted
    pending = page.evaluate("window.__pgPlanner.pending")
    assert (pending["op"], pending["partyGroupId"]) == ("assign", str(group.id))
    assert page.locator("#planner-brush-count").inner_text() == "3"
    # The eraser takes the third out again.
    _tool(page, "erase")
    page.mouse.click(*_point(page, *_at(stroke.third)))
    wait_idle(page)
    assert _changed(page) == painted - {str(stroke.third.id)}
    assert page.locator("#planner-brush-count").inner_text() == "2"
    page.screenshot(path=screenshots / "planner-brush.png")
    commit_and_wait(page)
    assert figure(after) in coverage_text(page)
    assert page.locator("#planner-brush-count").inner_text() == "0"
    undo_and_wait(page)
    assert figure(before) in coverage_text(page)
    # With the brush off the map pans again.
    _tool(page, "off")
    x, y = _point(page, *_at(stroke.third))
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 120, y + 40, steps=8)
    page.mouse.up()
    assert _centre(page) != centre
    assert console_errors(seen) == []


def test_the_eraser_removes_a_buildings_group(
    visit: Callable[..., Visit], running: Running, demo: Demo
) -> None:
    """Over buildings that have a group, with nothing painted, the eraser previews taking
    their group away (one edit, to no group); discarding leaves everything as it was."""
    kinds = {o.community_code: o.kind for o in demo.organizations if o.kind in COMMUNITY_KINDS}
    holder = next(
        o
        for o in sorted(demo.organizations, key=lambda o: o.name)
        if o.building_id and kinds[o.community_code] != BRANCH
    )
    building = next(b for b in demo.buildings if b.id == holder.building_id)
    seen = open_planner(visit, holder.community_code)
    page = seen.page
    page.locator("input[name=planner-mode][value=groups]").check()
    page.evaluate(
        "(id) => window.__pgMap.fitBounds(window.__pgPlanner.buildingLayer(id).getBounds(),"
        " {animate: false, maxZoom: 19})",
        str(building.id),
    )
    _tool(page, "erase")
    page.mouse.click(*_point(page, *_at(building)))
    wait_idle(page)
    pending = page.evaluate("window.__pgPlanner.pending")
    assert (pending["op"], pending["partyGroupId"]) == ("assign", None)
    assert pending["buildingIds"] == [str(building.id)]
    change = page.locator(f"#planner-diff-buildings li[data-building='{building.id}']")
    assert holder.name in change.inner_text()
    page.locator("#planner-discard").click()
    assert page.locator("#planner-brush-count").inner_text() == "0"
    assert console_errors(seen) == []
