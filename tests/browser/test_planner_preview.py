"""Issue 15 items 6 and 8 on the planner page: a zone drawn across the community boundary is
refused with the clipped shape offered, previewed in one click; the preview leads with the
covered share and the severe gaps before → after, then warnings (gaps created, a Party group
given buildings of another zone), which the planner confirms by committing.

Expectations come from the demo data (shapely), never from the service.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shapely
import shapely.geometry
from browser_pages import Visit
from playwright.sync_api import Page
from shapely.geometry.base import BaseGeometry
from test_planner_page import (
    change_sets,
    commit_and_wait,
    console_errors,
    draw_polygon,
    figure,
    fit,
    inside,
    open_planner,
    states,
    undo_and_wait,
    wait_idle,
)

from infra.demo.model import BRANCH, COMMUNITY_KINDS, Demo, Zone
from stack import Running


def community_of(demo: Demo, code: str) -> BaseGeometry:
    return next(c.boundary for c in demo.communities if c.code == code)


def zones_of(demo: Demo, code: str) -> BaseGeometry:
    return shapely.union_all([z.boundary for z in demo.zones if z.community_code == code])


def inner_square(shape: BaseGeometry) -> shapely.Polygon:
    """A square well inside a shape (in its widest inscribed circle)."""
    circle = shapely.maximum_inscribed_circle(shape, 1e-6)
    centre, half = shapely.get_point(circle, 0), 0.6 * circle.length
    return shapely.box(centre.x - half, centre.y - half, centre.x + half, centre.y + half)


def lead(page: Page, name: str) -> tuple[str, str]:
    """A lead row of the preview (#planner-diff-lead): (before, after)."""
    cells = page.locator(f"#planner-diff-lead tr[data-figure={name}] td")
    return cells.nth(1).inner_text(), cells.nth(2).inner_text()


def percent(counts: dict) -> str:
    return f"{100 * counts['covered'] / sum(counts.values()):.1f}%"


def panel_order(page: Page) -> list[str]:
    """The ids of the preview's parts, in the order they are shown."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('#planner-diff [id]'), (e) => e.id)"""
    )


def test_a_zone_across_the_boundary_offers_the_clipped_shape_in_one_click(
    visit: Callable[..., Visit], running: Running, demo: Demo, screenshots: Path
) -> None:
    code = demo.communities[0].code
    count = change_sets(running, code)["totalCount"]
    community = community_of(demo, code)
    minx, miny, maxx, maxy = community.bounds
    w, h = maxx - minx, maxy - miny
    # A triangle around the community's easternmost corner: half in, half out.
    east = max(community.exterior.coords, key=lambda p: p[0])
    px, py = east
    triangle = [(px - w / 8, py - h / 8), (px + w / 8, py), (px - w / 8, py + h / 8)]
    seen = open_planner(visit, code)
    page = seen.page
    fit(page, shapely.Polygon(triangle).union(community))
    draw_polygon(page, triangle)
    assert "超出社区范围" in page.locator("#planner-message.error").inner_text()
    assert page.locator("#planner-findings li[data-code=OUTSIDE_COMMUNITY]").count() == 1
    assert page.locator("#planner-commit").is_disabled()
    drawn = shapely.geometry.shape(page.evaluate("window.__pgPlanner.pending.boundary"))
    wanted = drawn.intersection(community).difference(zones_of(demo, code))
    assert wanted.area > 0

    page.locator("#planner-use-repaired").click()
    wait_idle(page)
    pending = page.evaluate("window.__pgPlanner.pending")
    assert pending["op"] == "create"
    clipped = shapely.geometry.shape(pending["boundary"])
    assert clipped.symmetric_difference(wanted).area < 1e-10
    assert page.locator("#planner-message.error").count() == 0
    assert page.locator("#planner-commit").is_enabled()
    assert page.evaluate("window.__pgPlanner.drawings.getLayers().length") == 1
    page.screenshot(path=screenshots / "planner-clip-to-community.png")
    page.locator("#planner-discard").click()
    assert change_sets(running, code)["totalCount"] == count
    assert console_errors(seen) == []


def _clearing(demo: Demo) -> tuple[str, shapely.Polygon]:
    """The community whose open land holds a square that, made a zone, turns the most
    orphans with resident members into severe gaps."""
    found = []
    for c in demo.communities:
        square = inner_square(c.boundary.difference(zones_of(demo, c.code)))
        created = states(demo, c.code, added=(square,))["gap_members"]
        found.append((created - states(demo, c.code)["gap_members"], c.code, square))
    created, code, square = max(found, key=lambda f: (f[0], f[1]))
    assert created > 0, "the demo has no open land with resident members"
    return code, square


def test_a_preview_that_creates_severe_gaps_leads_with_them_and_warns(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    screenshots: Path,
    restore: Callable[[str], None],
) -> None:
    code, square = _clearing(demo)
    restore(code)
    seen = open_planner(visit, code)
    page = seen.page
    fit(page, square.buffer(square.length / 8))
    draw_polygon(page, list(square.exterior.coords)[:-1])
    pending = page.evaluate("window.__pgPlanner.pending")
    assert pending["op"] == "create"
    drawn = shapely.geometry.shape(pending["boundary"])
    before, after = states(demo, code), states(demo, code, added=(drawn,))
    created = after["gap_members"] - before["gap_members"]
    assert created > 0

    assert lead(page, "percent") == (percent(before), percent(after))
    assert lead(page, "gapsWithMembers") == (str(before["gap_members"]), str(after["gap_members"]))
    warning = page.locator("#planner-warnings li[data-code=GAPS_CREATED]")
    assert warning.inner_text() == f"将新增 {created} 个有党员居住但无党小组的楼栋"
    order = panel_order(page)
    assert order.index("planner-diff-lead") < order.index("planner-warnings")
    assert order.index("planner-warnings") < order.index("planner-diff-coverage")
    assert order.index("planner-diff-coverage") < order.index("planner-diff-buildings")
    page.screenshot(path=screenshots / "planner-preview-warnings.png")

    # A warning does not refuse: the planner confirms by committing.
    assert page.locator("#planner-commit").is_enabled()
    commit_and_wait(page)
    assert figure(after) in page.locator("#planner-coverage").inner_text()
    undo_and_wait(page)
    assert figure(before) in page.locator("#planner-coverage").inner_text()
    assert console_errors(seen) == []


def _group_zones(demo: Demo, options: set[str]) -> tuple[Zone, Zone, str, shapely.Polygon]:
    """A zone A whose grid branch has a Party group the page lists, and a zone B of the same
    community (one whose buildings get groups) with the most buildings in a square inside it
    that the group does not already hold: (A, B, the group's id, the square)."""
    kinds = {o.community_code: o.kind for o in demo.organizations if o.kind in COMMUNITY_KINDS}
    branch_zone = {o.id: o.zone_id for o in demo.organizations if o.zone_id}
    found = []
    for b in demo.zones:
        if kinds[b.community_code] == BRANCH:
            continue
        square = inner_square(b.boundary)
        held = inside(demo, b.community_code, square)
        for group in demo.organizations:
            home = branch_zone.get(group.parent_id)
            if str(group.id) not in options or home is None or home == b.id:
                continue
            if group.community_code == b.community_code:
                a = next(z for z in demo.zones if z.id == home)
                found.append((len(held), b.name, str(group.id), a, b, square))
                break
    n, _, group_id, a, b, square = max(found, key=lambda f: (f[0], f[1], f[2]))
    assert n > 1, "the demo has no zone with several buildings to reassign"
    return a, b, group_id, square


def test_giving_a_group_buildings_of_another_zone_warns(
    visit: Callable[..., Visit], running: Running, demo: Demo, screenshots: Path
) -> None:
    codes = sorted(
        o.community_code
        for o in demo.organizations
        if o.kind in COMMUNITY_KINDS and o.kind != BRANCH
    )
    code = codes[0]
    count = change_sets(running, code)["totalCount"]
    seen = open_planner(visit, code)
    page = seen.page
    listed = page.evaluate(
        "() => Array.from(document.querySelectorAll('#planner-group option'), (o) => o.value)"
    )
    mine = {str(g.id) for g in demo.organizations if g.community_code == code}
    home, other, group_id, square = _group_zones(demo, set(listed) & mine)
    assert other.community_code == code
    group = next(g for g in demo.organizations if str(g.id) == group_id)
    held = {str(o.building_id): str(o.id) for o in demo.organizations if o.building_id}
    page.locator("input[name=planner-mode][value=groups]").check()
    page.locator("#planner-group").select_option(group_id)
    fit(page, square.buffer(square.length / 8))
    draw_polygon(page, list(square.exterior.coords)[:-1])
    pending = page.evaluate("window.__pgPlanner.pending")
    assert (pending["op"], pending["partyGroupId"]) == ("assign", group_id)
    lasso = shapely.geometry.shape(pending["area"])
    moved = [b for b in inside(demo, code, lasso) if held.get(b) != group_id]
    assert len(moved) > 1
    warning = page.locator("#planner-warnings li[data-code=GROUP_OUTSIDE_ZONE]")
    assert warning.inner_text() == (
        f"{len(moved)} 栋楼将由其他片区的党小组「{group.name}」负责（该党小组属于{home.name}）"
    )
    assert page.locator("#planner-commit").is_enabled()
    page.screenshot(path=screenshots / "planner-group-outside-zone.png")
    page.locator("#planner-discard").click()
    assert change_sets(running, code)["totalCount"] == count
    assert console_errors(seen) == []
