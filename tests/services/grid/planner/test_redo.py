"""Redo, and what undo and redo would do next: multi-level, in order, exact, never over a
change made since (STALE), and ended by a new edit (issue 15 item 5)."""

from __future__ import annotations

from planner_api import ASSIGN_ZONE, COMMUNITY, OTHER, REDRAW, RESULT, Grid, call, geojson, ok
from planner_api import refused as refused_result
from shapely import affinity

from infra.demo.model import Demo
from services.common.auth import Identity, Role
from stack import Running

REDO = f"""mutation($c: String!, $dry: Boolean! = false, $n: Int) {{
  redoLatest(communityCode: $c, reason: "重做测试", dryRun: $dry, expectedNumber: $n) {{
  {RESULT} }} }}"""
UNDO = f"""mutation($c: String!, $dry: Boolean! = false, $n: Int) {{
  undoLatest(communityCode: $c, reason: "撤销测试", dryRun: $dry, expectedNumber: $n) {{
  {RESULT} }} }}"""
STEPS = """query($c: String!, $last: Int) { changeSets(communityCode: $c, last: $last) {
  totalCount canUndo canRedo pageInfo { hasPreviousPage }
  nextUndo { number kind } nextRedo { number kind }
  nodes { number kind undoOf undoneAt } errors { code } } }"""


def steps(running: Running, code: str = COMMUNITY, last: int = 10, **kwargs) -> dict:
    body = running.post(running.subgraphs["grid"], STEPS, {"c": code, "last": last}, **kwargs)
    assert not body.get("errors"), body["errors"]
    return body["data"]["changeSets"]


def shrink(running: Running, grid: Grid, zone: dict, factor: float) -> dict:
    """Commit a redraw of the zone to `factor` of its size; its change set."""
    smaller = affinity.scale(grid.shape(zone["id"]), factor, factor, origin="centroid")
    version = grid.zone(zone["id"])["version"]
    result = call(running, REDRAW, z=str(zone["id"]), b=geojson(smaller), v=version, dry=False)
    return ok(result)["changeSet"]


def test_redo_after_undo_restores_exactly_in_order(
    running: Running, grid: Grid, untouched: None
) -> None:
    first, second = grid.zones(COMMUNITY)[:2]
    start = grid.fingerprint(versions=False)
    one = shrink(running, grid, first, 0.8)
    after_one = grid.fingerprint(versions=False)
    two = shrink(running, grid, second, 0.7)
    after_two = grid.fingerprint(versions=False)
    shapes = {z: grid.zone(z)["wkt"] for z in (first["id"], second["id"])}
    now = steps(running)
    assert (now["canUndo"], now["canRedo"]) == (True, False)
    assert now["nextUndo"]["number"] == two["number"] and now["nextRedo"] is None

    # Undo twice, in order; then redo is offered newest undo first.
    ok(call(running, UNDO, c=COMMUNITY, n=two["number"]))
    assert steps(running)["nextRedo"]["number"] == two["number"]
    ok(call(running, UNDO, c=COMMUNITY, n=one["number"]))
    assert grid.fingerprint(versions=False) == start
    now = steps(running)
    assert now["nextRedo"]["number"] == one["number"] and now["canRedo"]

    # A redo previewed writes nothing and shows what the redo will change.
    before = grid.fingerprint()
    preview = ok(call(running, REDO, c=COMMUNITY, dry=True, n=one["number"]))
    assert preview["changeSet"] is None and grid.fingerprint() == before
    assert preview["diff"]["buildings"] or preview["coverageAfter"] != preview["coverageBefore"]

    redone = ok(call(running, REDO, c=COMMUNITY, n=one["number"]))["changeSet"]
    assert redone["kind"] == "redo" and redone["reason"] == "重做测试"
    assert grid.fingerprint(versions=False) == after_one
    now = steps(running)
    assert now["nextRedo"]["number"] == two["number"]
    assert now["nextUndo"]["number"] == one["number"], "the redone edit is the next to undo"
    ok(call(running, REDO, c=COMMUNITY, n=two["number"]))
    assert grid.fingerprint(versions=False) == after_two
    assert {z: grid.zone(z)["wkt"] for z in shapes} == shapes, "geometry back exactly"
    now = steps(running)
    assert (now["canUndo"], now["canRedo"]) == (True, False)
    assert now["nextUndo"]["number"] == two["number"]
    kinds = {n["number"]: n for n in now["nodes"]}
    assert kinds[one["number"]]["undoneAt"] is None and kinds[two["number"]]["undoneAt"] is None
    refused_result(call(running, REDO, c=COMMUNITY), "NOT_FOUND")

    # Undo the redone edits again (the redo itself is never a target): back to the start.
    ok(call(running, UNDO, c=COMMUNITY, n=two["number"]))
    ok(call(running, UNDO, c=COMMUNITY, n=one["number"]))
    assert grid.fingerprint(versions=False) == start
    assert not steps(running)["canUndo"] or steps(running)["nextUndo"]["number"] < one["number"]


def test_redo_is_stale_when_something_changed_since_the_undo(
    running: Running, grid: Grid, demo: Demo, untouched: None
) -> None:
    zone = grid.zones(COMMUNITY)[0]
    branches = [str(o.id) for o in demo.organizations
                if o.community_code == COMMUNITY and o.kind == "grid_branch"]  # fmt: skip
    branch = next(b for b in branches if b != str(zone["organization_id"]))
    edit = ok(
        call(running, ASSIGN_ZONE, z=str(zone["id"]), o=branch, v=zone["version"], dry=False)
    )["changeSet"]
    ok(call(running, UNDO, c=COMMUNITY))
    undone = grid.zone(zone["id"])
    # Changed outside the planner since the undo (e.g. an import): its name.
    with grid.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE grid.zone SET name = name || '·', version = version + 1 WHERE id = %s",
            (zone["id"],),
        )
    before = grid.fingerprint()
    result = refused_result(call(running, REDO, c=COMMUNITY, n=edit["number"]), "STALE")
    error = result["errors"][0]
    assert f"zone {zone['id']} @ {undone['version'] + 1}" in error["messageEn"]
    assert "无法重做" in error["message"]
    assert grid.fingerprint() == before
    # As the undo left it again (the version too): the redo goes through, then is undone.
    with grid.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE grid.zone SET name = %s, version = %s WHERE id = %s",
            (undone["name"], undone["version"], zone["id"]),
        )
    ok(call(running, REDO, c=COMMUNITY, n=edit["number"]))
    assert grid.zone(zone["id"])["organization_id"] is not None
    assert str(grid.zone(zone["id"])["organization_id"]) == branch
    ok(call(running, UNDO, c=COMMUNITY, n=edit["number"]))


def test_a_new_edit_ends_the_redo_chain(running: Running, grid: Grid, untouched: None) -> None:
    first, second = grid.zones(COMMUNITY)[:2]
    one = shrink(running, grid, first, 0.85)
    ok(call(running, UNDO, c=COMMUNITY, n=one["number"]))
    assert steps(running)["canRedo"]
    two = shrink(running, grid, second, 0.85)
    now = steps(running)
    assert (now["canRedo"], now["nextRedo"]) == (False, None)
    before = grid.fingerprint()
    error = refused_result(call(running, REDO, c=COMMUNITY), "NOT_FOUND")["errors"][0]
    assert f"变更 #{two['number']}" in error["message"] and "不能再重做" in error["message"]
    assert grid.fingerprint() == before
    ok(call(running, UNDO, c=COMMUNITY, n=two["number"]))
    # Undoing the new edit makes it redoable, but never the one undone before it.
    assert steps(running)["nextRedo"]["number"] == two["number"]


def test_undo_and_redo_refuse_another_change_set_than_previewed(
    running: Running, grid: Grid, untouched: None
) -> None:
    one = shrink(running, grid, grid.zones(COMMUNITY)[0], 0.9)
    before = grid.fingerprint()
    stale = refused_result(call(running, UNDO, c=COMMUNITY, n=one["number"] - 1), "STALE")
    assert stale["currentVersion"] == one["number"]
    assert f"#{one['number']}" in stale["errors"][0]["message"]
    assert grid.fingerprint() == before
    ok(call(running, UNDO, c=COMMUNITY, n=one["number"]))
    before = grid.fingerprint()
    refused_result(call(running, REDO, c=COMMUNITY, n=one["number"] + 1), "STALE")
    assert grid.fingerprint() == before


def test_nothing_to_redo_is_not_found_in_chinese(running: Running, grid: Grid, demo: Demo) -> None:
    # A community no test has edited: any undo elsewhere in the suite leaves a redo behind.
    fresh = next(c.code for c in demo.communities if steps(running, c.code)["totalCount"] == 0)
    before = grid.fingerprint()
    error = refused_result(call(running, REDO, c=fresh), "NOT_FOUND")["errors"][0]
    assert error["message"].startswith("社区") and "重做" in error["message"]
    assert "redo" in error["messageEn"]
    assert grid.fingerprint() == before


def test_redo_and_the_next_steps_are_scoped_like_change_sets(
    running: Running, grid: Grid, untouched: None
) -> None:
    one = shrink(running, grid, grid.zones(COMMUNITY)[0], 0.9)
    ok(call(running, UNDO, c=COMMUNITY, n=one["number"]))
    before = grid.fingerprint()
    viewer = Identity("test-viewer", Role.VIEWER, COMMUNITY[:9])
    outsider = Identity("test-planner", Role.PLANNER, OTHER[:9])
    assert OTHER[:9] != COMMUNITY[:9]
    for identity in (viewer, outsider):
        body = running.post(running.subgraphs["grid"], REDO, {"c": COMMUNITY}, identity=identity)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
        assert body["errors"][0]["extensions"]["messageEn"]
    # The viewer reads the history of its street; the outsider is refused it.
    assert steps(running, identity=viewer)["canRedo"]
    refused = running.post(
        running.subgraphs["grid"], STEPS, {"c": COMMUNITY, "last": 5}, identity=outsider
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", refused
    assert grid.fingerprint() == before
    planner = Identity("test-planner", Role.PLANNER, COMMUNITY[:9])
    body = running.post(running.subgraphs["grid"], REDO, {"c": COMMUNITY}, identity=planner)
    ok(body["data"]["redoLatest"])
    ok(call(running, UNDO, c=COMMUNITY, n=one["number"]))


def test_the_newest_change_sets_come_last_first(
    running: Running, grid: Grid, untouched: None
) -> None:
    one = shrink(running, grid, grid.zones(COMMUNITY)[0], 0.9)
    ok(call(running, UNDO, c=COMMUNITY, n=one["number"]))
    page = steps(running, last=2)
    assert [n["number"] for n in page["nodes"]] == [one["number"], one["number"] + 1]
    assert page["nodes"][1]["kind"] == "undo" and page["nodes"][0]["undoneAt"]
    assert page["pageInfo"]["hasPreviousPage"] == (page["totalCount"] > 2)
