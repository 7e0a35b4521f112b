"""Issue 15 items 4 and 5 on the planner page: the history panel with multi-level Undo and
Redo, each previewed first and enabled exactly when something is left; and a conflict that
reloads the current grid, shows what the other tab changed and re-applies the kept drawing.

Expectations come from the demo data (shapely): the coverage figures with the zones as each
step leaves them. Every test leaves the grid as it found it (the `restore` fixture).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import shapely
from browser_pages import Visit
from playwright.sync_api import Page
from shapely import affinity
from shapely.geometry import mapping
from test_planner_page import (
    REDRAW,
    ZONE,
    Corner,
    commit_and_wait,
    console_errors,
    coverage_text,
    drag_corner,
    figure,
    open_planner,
    planner_of,
    same_shape,
    states,
    undo_and_wait,
    wait_idle,
)

from infra.demo.model import Demo, Zone
from services.common.auth import Identity, Role
from stack import Running

CHANGE_SETS = """query ($code: String!) { changeSets(communityCode: $code, last: 200) {
  nodes { number kind undoneAt } } }"""
KINDS = {"redraw_zone": "修改片区边界", "undo": "撤销", "redo": "重做"}


def live_edits(running: Running, code: str) -> list[int]:
    """Numbers of the community's ordinary change sets not undone: what Undo can reverse."""
    nodes = running.post(running.gateway, CHANGE_SETS, {"code": code})["data"]["changeSets"]
    return [
        n["number"]
        for n in nodes["nodes"]
        if n["kind"] not in ("undo", "redo") and n["undoneAt"] is None
    ]


def resaved(boundary: dict) -> dict:
    """A served boundary another planner saves again, a hair smaller (0.1 % about its
    centroid): a real change, since an unchanged shape is no change set (nothing written)."""
    return mapping(affinity.scale(shapely.geometry.shape(boundary), 0.999, 0.999))


def redraw(running: Running, code: str, zone_id: str, shape: dict) -> int:
    """Another planner commits a redraw of the zone (through the gateway); its number."""
    zone = running.post(running.gateway, ZONE, {"id": zone_id})["data"]["zone"]
    result = running.post(
        running.gateway,
        REDRAW,
        {"id": zone_id, "b": shape, "v": zone["version"]},
        identity=planner_of(code),
    )["data"]["redrawZone"]
    assert result["errors"] == [] and result["changeSet"], result
    return result["changeSet"]["number"]


def shrinking(demo: Demo) -> tuple[str, list[Zone], dict]:
    """Two zones of one community each of which, shrunk, covers fewer buildings; the
    shrunk shapes."""
    for community in demo.communities:
        code = community.code
        zones = [z for z in demo.zones if z.community_code == code]
        start = states(demo, code)["covered"]
        smaller = {z.id: affinity.scale(z.boundary, 0.7, 0.7, origin="centroid") for z in zones}
        losing = [z for z in zones if states(demo, code, {z.id: smaller[z.id]})["covered"] < start]
        if len(losing) >= 2:
            return code, losing[:2], {z.id: smaller[z.id] for z in losing[:2]}
    raise AssertionError("no community with two zones that lose covered buildings")


def history_shown(page: Page) -> None:
    """Wait until the panel lists the history of the state the page shows."""
    page.wait_for_function(
        "() => { const p = window.__pgPlanner; return p.ready && !p.busy"
        " && p.history.shown === p.state.history.latest; }"
    )


def step_and_commit(page: Page, which: str, number: int, shot: Path | None = None) -> None:
    """Undo or Redo in the history panel: preview (nothing written; a screenshot of it to
    `shot`), then commit."""
    button = page.locator(f"#planner-history-{which}")
    assert button.is_enabled() and button.inner_text() == f"{KINDS[which]} #{number}"
    shown = coverage_text(page)
    button.click()
    wait_idle(page)
    assert page.evaluate("window.__pgPlanner.pending") == {"op": which, "expectedNumber": number}
    assert f"#{number}" in page.locator("#planner-message.ok").inner_text()
    assert page.locator("#planner-diff").is_visible()
    step = page.locator("#planner-diff .history-step h2").inner_text()
    assert step.startswith(f"将{KINDS[which]} #{number} 修改片区边界")
    assert coverage_text(page) == shown, "a preview changes nothing"
    assert page.locator("#planner-history-undo").is_disabled(), "one pending edit at a time"
    if shot is not None:
        page.screenshot(path=shot)
    commit_and_wait(page)
    history_shown(page)


def test_undo_twice_then_redo_twice_each_previewed(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    screenshots: Path,
    restore: Callable[[str], None],
) -> None:
    code, zones, smaller = shrinking(demo)
    restore(code)
    first = redraw(running, code, str(zones[0].id), mapping(smaller[zones[0].id]))
    second = redraw(running, code, str(zones[1].id), mapping(smaller[zones[1].id]))
    older = [n for n in live_edits(running, code) if n < first]
    start = figure(states(demo, code))
    one = figure(states(demo, code, {zones[0].id: smaller[zones[0].id]}))
    both = figure(states(demo, code, smaller))
    assert len({start, one, both}) == 3, "each redraw should change the coverage"

    seen = open_planner(visit, code)
    page = seen.page
    history_shown(page)
    assert both in coverage_text(page)
    newest = page.locator("#planner-history-list li").first
    assert newest.get_attribute("data-number") == str(second)
    assert "修改片区边界" in newest.inner_text() and "test-planner" in newest.inner_text()
    assert page.locator("#planner-history-redo").is_disabled(), "a new edit: nothing to redo"

    step_and_commit(page, "undo", second, screenshots / "planner-history-preview.png")
    assert one in coverage_text(page)
    step_and_commit(page, "undo", first)
    assert start in coverage_text(page)
    # Nothing of this test is left to undo: the buttons say what the grid would undo next.
    assert page.locator("#planner-history-undo").is_disabled() == (not older)
    assert page.locator("#planner-undo").is_disabled() == (not older)
    undone = page.locator(f"#planner-history-list li[data-number='{first}']")
    assert "已撤销" in undone.inner_text()

    step_and_commit(page, "redo", first)
    assert one in coverage_text(page)
    step_and_commit(page, "redo", second)
    assert both in coverage_text(page)
    assert page.locator("#planner-history-redo").is_disabled()
    assert page.locator("#planner-history-undo").inner_text() == f"撤销 #{second}"
    assert page.locator("#planner-undo").is_enabled()
    heads = page.locator("#planner-history-list li .history-head").all_inner_texts()[:4]
    # Newest first; each undo and redo names the change set it reversed or re-applied.
    assert heads == [f"#{n} {k} #{m}" for n, k, m in zip(
        range(second + 4, second, -1), ["重做", "重做", "撤销", "撤销"],
        [second, first, first, second], strict=True)]  # fmt: skip

    # A change set opened: what it changed, by name.
    page.locator(f"#planner-history-list li[data-number='{second}'] .history-head").click()
    detail = page.locator(f"#planner-history-list li[data-number='{second}'] .history-detail")
    assert zones[1].name in detail.locator(".history-items").inner_text()
    page.wait_for_function(
        "(n) => document.querySelector(`#planner-history-list li[data-number='${n}'] "
        ".history-buildings`) !== null",
        arg=second,
    )
    moved = detail.locator(".history-buildings").inner_text()
    held = [b for b in demo.buildings if b.community_code == code
            and zones[1].boundary.covers(b.footprint.representative_point())
            and not smaller[zones[1].id].covers(b.footprint.representative_point())]  # fmt: skip
    assert held and all(b.name in moved for b in held)
    page.screenshot(path=screenshots / "planner-history.png", full_page=True)
    # The page's own steps carry its reason, in words.
    redone = page.locator(f"#planner-history-list li[data-number='{second + 4}']")
    redone.locator(".history-head").click()
    assert "理由：在规划页面提交" in redone.locator(".history-detail").inner_text()
    assert zones[1].name in redone.locator(".history-items").inner_text()
    assert seen.external_requests() == []
    assert console_errors(seen) == []


def test_a_conflict_from_a_second_tab_reloads_and_reapplies_the_kept_drawing(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    corner: Corner,
    screenshots: Path,
    restore: Callable[[str], None],
) -> None:
    code, zone_id = corner.zone.community_code, str(corner.zone.id)
    restore(code)
    first = open_planner(visit, code)
    page = first.page
    drag_corner(page, corner)
    drawn = shapely.geometry.shape(page.evaluate("window.__pgPlanner.pending.boundary"))

    # Meanwhile, in a second tab, the planner shrinks the same zone and commits.
    second = open_planner(visit, code)
    other = second.page
    version = other.evaluate("(id) => window.__pgPlanner.zoneLayer(id).zone.version", zone_id)
    shrunk = affinity.scale(corner.zone.boundary, 0.9, 0.9, origin="centroid")
    other.evaluate(
        "([id, v, b]) => window.__pgPlanner.preview({op: 'redraw', zoneId: id,"
        " expectedVersion: v, boundary: b})",
        [zone_id, version, mapping(shrunk)],
    )
    wait_idle(other)
    commit_and_wait(other)
    theirs = running.post(running.gateway, ZONE, {"id": zone_id})["data"]["zone"]

    page.locator("#planner-commit").click()
    message = page.locator("#planner-message.conflict", has_text="页面已重新加载")
    message.wait_for()
    wait_idle(page)
    assert "最新的网格" in message.inner_text()
    # The page shows the current grid: the other tab's shape and figures.
    assert (
        page.evaluate("(id) => window.__pgPlanner.zoneLayer(id).zone.version", zone_id)
        == (theirs["version"])
    )
    assert figure(states(demo, code, {corner.zone.id: shrunk})) in coverage_text(page)
    change = page.locator("#planner-conflict-changes li").last
    change.wait_for()
    assert "修改片区边界" in change.inner_text() and "test-planner" in change.inner_text()
    assert corner.zone.name in change.inner_text()
    # The drawing is kept, rebased on the current version; Commit waits for a new preview.
    pending = page.evaluate("window.__pgPlanner.pending")
    assert pending["expectedVersion"] == theirs["version"]
    assert same_shape(shapely.geometry.shape(pending["boundary"]), drawn)
    assert page.evaluate("window.__pgPlanner.drawings.getLayers().length") == 1
    assert page.locator("#planner-commit").is_disabled()
    page.screenshot(path=screenshots / "planner-conflict.png", full_page=True)

    page.locator("#planner-reapply").click()
    wait_idle(page)
    assert page.locator("#planner-commit").is_enabled()
    commit_and_wait(page)
    stored = running.post(running.gateway, ZONE, {"id": zone_id})["data"]["zone"]
    assert same_shape(shapely.geometry.shape(stored["boundary"]), drawn)
    assert figure(states(demo, code, {corner.zone.id: drawn})) in coverage_text(page)
    assert page.locator("#planner-conflict").is_hidden()
    assert console_errors(first) == [] and console_errors(second) == []


def test_after_a_conflict_and_discard_a_retry_does_not_conflict(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    corner: Corner,
    restore: Callable[[str], None],
) -> None:
    code, zone_id = corner.zone.community_code, str(corner.zone.id)
    restore(code)
    seen = open_planner(visit, code)
    page = seen.page
    drag_corner(page, corner)
    # Meanwhile another planner saves the zone (a hair smaller: a new version).
    served = running.post(running.gateway, ZONE, {"id": zone_id})["data"]["zone"]
    redraw(running, code, zone_id, resaved(served["boundary"]))
    page.locator("#planner-commit").click()
    page.locator("#planner-message.conflict").wait_for()
    wait_idle(page)
    page.locator("#planner-discard").click()
    # The page already shows the current grid: the same edit again commits.
    drag_corner(page, corner)
    assert page.locator("#planner-commit").is_enabled()
    commit_and_wait(page)
    assert page.locator("#planner-message.ok").is_visible()
    stored = running.post(running.gateway, ZONE, {"id": zone_id})["data"]["zone"]
    assert stored["version"] == served["version"] + 2
    assert not same_shape(shapely.geometry.shape(stored["boundary"]), corner.zone.boundary)
    assert console_errors(seen) == []


def test_the_history_routes_refuse_other_roles_sites_and_communities(
    running: Running,
    demo: Demo,
    restore: Callable[[str], None],
) -> None:
    code = demo.communities[0].code
    elsewhere = next(c.code for c in demo.communities if c.code[:9] != code[:9])
    neighbour = next(z for z in demo.zones if z.community_code not in (code, elsewhere))
    base = running.gateway.removesuffix("/graphql") + f"/maps/planner/{code}"
    planner = running.headers(running.gateway, planner_of(code))
    listed = httpx.get(base + "/history", headers=planner)
    assert listed.status_code == 200 and listed.json()["ok"], listed.text
    viewer = running.headers(running.gateway, Identity("v", Role.VIEWER, code[:9]))
    for headers in (viewer, running.headers(running.gateway, planner_of(elsewhere))):
        refused = httpx.get(base + "/history", headers=headers)
        assert refused.status_code == 403 and refused.json()["errors"][0]["messageEn"]
    redo = httpx.post(base + "/redo", headers=planner | {"origin": "http://evil.example"})
    assert redo.status_code == 403 and redo.json()["errors"][0]["code"] == "CROSS_SITE"
    # A change set of another community: the route answers for its own community only.
    restore(neighbour.community_code)
    served = running.post(running.gateway, ZONE, {"id": str(neighbour.id)})["data"]["zone"]
    number = redraw(
        running, neighbour.community_code, str(neighbour.id), resaved(served["boundary"])
    )
    (theirs,) = running.post(
        running.gateway,
        """query ($c: String!) { changeSets(communityCode: $c, last: 1) { nodes { id number } } }""",
        {"c": neighbour.community_code},
    )["data"]["changeSets"]["nodes"]
    assert theirs["number"] == number
    missing = httpx.get(f"{base}/history/{theirs['id']}", headers=planner)
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "NOT_FOUND"
    own = running.gateway.removesuffix("/graphql") + f"/maps/planner/{neighbour.community_code}"
    found = httpx.get(
        f"{own}/history/{theirs['id']}",
        headers=running.headers(running.gateway, planner_of(neighbour.community_code)),
    )
    assert found.status_code == 200 and found.json()["changeSet"]["number"] == number
    bad = httpx.get(base + "/history?since=x", headers=planner)
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "INVALID"


def test_the_history_panel_in_english(visit: Callable[..., Visit], demo: Demo) -> None:
    code = demo.communities[0].code
    seen = open_planner(visit, code, lang="en")
    page = seen.page
    history_shown(page)
    assert page.locator("#planner-history h2").inner_text() == "History"
    assert page.locator("#planner-history-undo").inner_text().startswith("Undo")
    assert page.locator("#planner-history-redo").inner_text().startswith("Redo")
    heads = page.locator("#planner-history-list .history-head").all_inner_texts()
    # Every kind by its English label, never the raw value (redraw_zone, undo, ...).
    assert all("_" not in h and not h.split(" ")[1].islower() for h in heads), heads
    assert console_errors(seen) == []


# --- Review findings 1, 2, 3 and 7 (helper `histfix`) ------------------------------------


def reloaded_after_conflict(page: Page) -> None:
    page.locator("#planner-message.conflict", has_text="页面已重新加载").wait_for()
    wait_idle(page)
    history_shown(page)


def test_the_core_undo_never_reverses_a_change_set_the_page_has_not_shown(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    restore: Callable[[str], None],
) -> None:
    code, zones, smaller = shrinking(demo)
    restore(code)
    mine = redraw(running, code, str(zones[0].id), mapping(smaller[zones[0].id]))
    seen = open_planner(visit, code)
    page = seen.page
    history_shown(page)
    # Meanwhile another tab commits; this page still shows `mine` as the next to undo.
    theirs = redraw(running, code, str(zones[1].id), mapping(smaller[zones[1].id]))
    page.locator("#planner-undo").click()
    reloaded_after_conflict(page)
    assert {mine, theirs} <= set(live_edits(running, code)), "nothing undone unseen"
    # The page now shows theirs as next: Undo undoes exactly that one.
    assert page.evaluate("window.__pgPlanner.state.history.nextUndo.number") == theirs
    undo_and_wait(page)
    live = live_edits(running, code)
    assert theirs not in live and mine in live
    assert console_errors(seen) == []


def test_the_undo_and_redo_routes_step_only_the_change_set_named(
    running: Running,
    demo: Demo,
    restore: Callable[[str], None],
) -> None:
    code, zones, smaller = shrinking(demo)
    restore(code)
    mine = redraw(running, code, str(zones[0].id), mapping(smaller[zones[0].id]))
    base = running.gateway.removesuffix("/graphql")
    headers = running.headers(running.gateway, planner_of(code)) | {"origin": base}

    def step(which: str, number: object) -> httpx.Response:
        return httpx.post(
            f"{base}/maps/planner/{code}/{which}", headers=headers, json={"expectedNumber": number}
        )

    # Not the next one (another change set came in meanwhile): a conflict, nothing undone.
    stale = step("undo", mine - 1)
    assert stale.json()["result"]["errors"][0]["code"] == "STALE", stale.text
    assert mine in live_edits(running, code)
    wrong = step("undo", "x")
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["code"] == "INVALID"
    assert mine in live_edits(running, code)
    assert step("undo", mine).json()["ok"]
    assert mine not in live_edits(running, code)
    stale = step("redo", mine + 5)
    assert stale.json()["result"]["errors"][0]["code"] == "STALE", stale.text
    assert mine not in live_edits(running, code)
    assert step("redo", mine).json()["ok"]
    assert mine in live_edits(running, code)


def test_a_shared_edge_edit_kept_through_a_conflict_reapplies_and_commits(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    screenshots: Path,
    restore: Callable[[str], None],
) -> None:
    code, zones, smaller = shrinking(demo)
    restore(code)
    ids = [str(z.id) for z in zones]
    seen = open_planner(visit, code)
    page = seen.page
    # Both zones redrawn at once, as a vertex they share moved on both sides sends them.
    page.evaluate(
        """(shapes) => window.__pgPlanner.preview({op: 'redraw_zones', changes: shapes.map(
             ([id, b]) => ({zoneId: id, boundary: b,
                            expectedVersion: window.__pgPlanner.zoneLayer(id).zone.version}))})""",
        [[str(z.id), mapping(smaller[z.id])] for z in zones],
    )
    wait_idle(page)
    assert page.locator("#planner-commit").is_enabled()
    # Meanwhile another planner saves the first zone (a hair smaller: a new version).
    served = running.post(running.gateway, ZONE, {"id": ids[0]})["data"]["zone"]
    redraw(running, code, ids[0], resaved(served["boundary"]))
    page.locator("#planner-commit").click()
    reloaded_after_conflict(page)
    versions = [
        running.post(running.gateway, ZONE, {"id": i})["data"]["zone"]["version"] for i in ids
    ]
    pending = page.evaluate("window.__pgPlanner.pending")
    assert [c["expectedVersion"] for c in pending["changes"]] == versions
    assert page.evaluate("window.__pgPlanner.drawings.getLayers().length") == 2, "shapes kept"
    page.screenshot(path=screenshots / "planner-conflict-shared-edge.png", full_page=True)
    page.locator("#planner-reapply").click()
    wait_idle(page)
    said = page.locator("#planner-message").inner_text()
    assert page.locator("#planner-commit").is_enabled(), said
    commit_and_wait(page)
    for zone in zones:
        stored = running.post(running.gateway, ZONE, {"id": str(zone.id)})["data"]["zone"]
        assert same_shape(shapely.geometry.shape(stored["boundary"]), smaller[zone.id])
    assert figure(states(demo, code, smaller)) in coverage_text(page)
    # The history panel names the kind (review item 7), never 其他修改.
    history_shown(page)
    newest = page.locator("#planner-history-list li").first.inner_text()
    assert "同时修改多个片区边界" in newest, newest
    assert console_errors(seen) == []


def test_a_kept_undo_is_not_turned_onto_another_change_set(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    restore: Callable[[str], None],
) -> None:
    code, zones, smaller = shrinking(demo)
    restore(code)
    mine = redraw(running, code, str(zones[0].id), mapping(smaller[zones[0].id]))
    seen = open_planner(visit, code)
    page = seen.page
    history_shown(page)
    page.locator("#planner-history-undo").click()
    wait_idle(page)
    assert page.evaluate("window.__pgPlanner.pending") == {"op": "undo", "expectedNumber": mine}
    theirs = redraw(running, code, str(zones[1].id), mapping(smaller[zones[1].id]))
    page.locator("#planner-commit").click()
    reloaded_after_conflict(page)
    # Nothing is pending that would undo theirs; the planner chooses again in the panel.
    assert page.evaluate("window.__pgPlanner.pending") is None
    assert page.locator("#planner-reapply").is_disabled()
    assert f"#{mine}" in page.locator("#planner-message.conflict").inner_text()
    assert page.locator("#planner-history-undo").inner_text() == f"撤销 #{theirs}"
    assert {mine, theirs} <= set(live_edits(running, code))
    assert console_errors(seen) == []
