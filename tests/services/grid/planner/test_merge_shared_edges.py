"""redrawZones (issue 15, item 2): zones that share an edge are redrawn together, all or
nothing, as one change set; moving a vertex they share keeps the edge shared, with no
overlap in between; one undo restores both.

Two zones sharing an edge are made by splitting a demo zone; every test leaves the grid as it
found it.
"""

from __future__ import annotations

import shapely
from planner_api import COMMUNITY, OTHER, RESULT, SPLIT, UNDO, Grid, call, geojson, ok, refused
from shapely.geometry import LineString, Polygon

from infra.demo.model import Demo
from services.common.auth import Identity, Role
from stack import Running

REDRAW_ZONES = f"""mutation($changes: [ZoneBoundaryChange!]!, $dry: Boolean!) {{
  redrawZones(changes: $changes, dryRun: $dry, reason: "shared edge") {{ {RESULT} }} }}"""

Point = tuple[float, float]


def _split(running: Running, grid: Grid) -> tuple[str, str]:
    """The community's busiest zone cut in two down the middle: (kept half, new half)."""
    zone_id = grid.scalar(
        "SELECT zone_id FROM grid.building WHERE community_code = :c AND zone_id IS NOT NULL "
        "GROUP BY zone_id ORDER BY count(*) DESC, zone_id LIMIT 1",
        c=COMMUNITY,
    )
    zone = grid.zone(zone_id)
    minx, miny, maxx, maxy = grid.shape(zone_id).bounds
    line = LineString([((minx + maxx) / 2, miny - 0.01), ((minx + maxx) / 2, maxy + 0.01)])
    split = ok(
        call(running, SPLIT, dry=False, z=str(zone_id), l=geojson(line), v=zone["version"], n="半")
    )
    (half,) = split["diff"]["zonesCreated"]
    return str(zone_id), half


def _ring(shape: Polygon) -> list[Point]:
    return list(shape.exterior.coords)[:-1]


def _moved(shape: Polygon, old: Point, new: Point) -> Polygon:
    return Polygon([new if p == old else p for p in _ring(shape)])


def _shared_move(a: Polygon, b: Polygon) -> tuple[Point, Point]:
    """A vertex both zones have and where to move it: 30% of the way along a's outer edge
    from it (so the zones' union keeps its shape and the edge they share moves)."""
    shared = set(_ring(a)) & set(_ring(b))
    ring = _ring(a)
    for i, p in enumerate(ring):
        if p in shared:
            outer = next(q for q in (ring[i - 1], ring[(i + 1) % len(ring)]) if q not in shared)
            return p, (p[0] + 0.3 * (outer[0] - p[0]), p[1] + 0.3 * (outer[1] - p[1]))
    raise AssertionError("the halves share no vertex")


def _change(grid: Grid, zone_id: str, shape: Polygon) -> dict:
    return {
        "zoneId": zone_id,
        "boundary": geojson(shape),
        "expectedVersion": grid.zone(zone_id)["version"],
    }


def test_a_shared_vertex_moves_in_both_zones_as_one_change_set(
    running: Running, grid: Grid, demo: Demo, untouched: None
) -> None:
    a_id, b_id = _split(running, grid)
    try:
        a, b = grid.shape(a_id), grid.shape(b_id)
        old, new = _shared_move(a, b)
        a2, b2 = _moved(a, old, new), _moved(b, old, new)
        assert a2.is_valid and b2.is_valid
        changes = [_change(grid, a_id, a2), _change(grid, b_id, b2)]
        points = {
            str(x.id): x.footprint.representative_point()
            for x in demo.buildings
            if x.community_code == COMMUNITY
        }
        moving = {i for i, p in points.items() if a.covers(p) and b2.covers(p)}
        moving |= {i for i, p in points.items() if b.covers(p) and a2.covers(p)}
        assert moving, "pick a move that carries buildings across the shared edge"
        sets = grid.change_sets()
        preview = ok(call(running, REDRAW_ZONES, dry=True, changes=changes))
        assert {m["buildingId"] for m in preview["diff"]["buildings"]} == moving
        assert grid.change_sets() == sets and grid.shape(a_id).equals(a)  # a preview writes nothing

        commit = ok(call(running, REDRAW_ZONES, dry=False, changes=changes))
        assert grid.change_sets() == sets + 1
        assert commit["changeSet"]["kind"] == "redraw_zones"
        items = {i["entityId"]: i for i in commit["changeSet"]["items"]}
        assert set(items) == {a_id, b_id}
        for zone_id, change in zip((a_id, b_id), changes, strict=True):
            # One new version per zone, however the write was ordered.
            assert grid.zone(zone_id)["version"] == change["expectedVersion"] + 1
        got_a, got_b = grid.shape(a_id), grid.shape(b_id)
        assert got_a.symmetric_difference(a2).area < 1e-14
        assert got_b.symmetric_difference(b2).area < 1e-14
        assert got_a.intersection(got_b).area < 1e-14 and got_a.distance(got_b) == 0
        assert new in _ring(got_a) and new in _ring(got_b)  # still one shared vertex
        grid.assert_invariants()

        ok(call(running, UNDO, c=COMMUNITY))  # one undo restores both
        assert grid.shape(a_id).symmetric_difference(a).area < 1e-14
        assert grid.shape(b_id).symmetric_difference(b).area < 1e-14
    finally:
        ok(call(running, UNDO, c=COMMUNITY))  # the split


def test_redraw_zones_is_all_or_nothing(running: Running, grid: Grid, untouched: None) -> None:
    a_id, b_id = _split(running, grid)
    try:
        a, b = grid.shape(a_id), grid.shape(b_id)
        old, new = _shared_move(a, b)
        a2, b2 = _moved(a, old, new), _moved(b, old, new)
        before, sets = grid.fingerprint(), grid.change_sets()
        # One zone named against an old version: a conflict, neither written.
        stale = [_change(grid, a_id, a2), {**_change(grid, b_id, b2), "expectedVersion": 0}]
        result = refused(call(running, REDRAW_ZONES, dry=False, changes=stale), "STALE")
        assert result["currentVersion"] == grid.zone(b_id)["version"]
        # One side alone moved: it would overlap the other; refused, neither written.
        grown = a2 if a2.area > a.area else b2
        grown_id = a_id if grown is a2 else b_id
        overlap = [_change(grid, grown_id, grown)]
        refused(call(running, REDRAW_ZONES, dry=False, changes=overlap), "RULE_VIOLATION")
        # The same zone twice, and none at all, are bad input.
        twice = [_change(grid, a_id, a2), _change(grid, a_id, a2)]
        refused(call(running, REDRAW_ZONES, dry=False, changes=twice), "INVALID")
        refused(call(running, REDRAW_ZONES, dry=False, changes=[]), "INVALID")
        # A bad shape names its place in the list.
        bad = [_change(grid, a_id, a2), {**_change(grid, b_id, b2), "boundary": {"type": "Point"}}]
        result = refused(call(running, REDRAW_ZONES, dry=False, changes=bad), "INVALID")
        assert result["errors"][0]["field"][:2] == ["changes", "1"]
        assert (grid.fingerprint(), grid.change_sets()) == (before, sets)
        assert shapely.equals(grid.shape(a_id), a)
    finally:
        ok(call(running, UNDO, c=COMMUNITY))  # the split


def test_a_zone_outside_the_planners_street_is_not_found(running: Running, grid: Grid) -> None:
    """Scope as for redrawZone: another street's zone looks like no zone at all."""
    zone = grid.zones(COMMUNITY)[0]
    shape = grid.shape(zone["id"])
    outsider = Identity("other-planner", Role.PLANNER, OTHER[:9])
    before, sets = grid.fingerprint(), grid.change_sets()
    change = {"zoneId": str(zone["id"]), "boundary": geojson(shape), "expectedVersion": 1}
    body = running.post(
        running.subgraphs["grid"],
        REDRAW_ZONES,
        {"changes": [change], "dry": False},
        identity=outsider,
    )
    assert not body.get("errors"), body["errors"]
    result = refused(body["data"]["redrawZones"], "NOT_FOUND")
    assert COMMUNITY not in result["errors"][0]["message"]
    assert (grid.fingerprint(), grid.change_sets()) == (before, sets)
