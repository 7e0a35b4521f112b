"""redrawZones and its undo/redo, whatever order the zones come in (review of issue 15).

The zone shape trigger checks each row as it is written: two zones whose shared edge moves
must never be written so that one overlaps the other's old shape. The page sends the changes
in Leaflet's arbitrary order and history lists them by id, so every order is exercised: the
growing zone first and last, and each of the two zones as the one that grows (so each id
order, for undo and redo too). Two zones sharing an edge are made by splitting a demo zone;
every test leaves the grid as it found it.
"""

from __future__ import annotations

import uuid

from planner_api import COMMUNITY, REDRAW, UNDO, Grid, call, geojson, ok, refused
from shapely.geometry import Polygon
from test_merge_shared_edges import REDRAW_ZONES, _change, _moved, _shared_move, _split
from test_redo import REDO

from services.grid.planner.zones import MAX_REDRAWN_ZONES
from stack import Running

SAME = 1e-14  # square degrees: as stored, to floating-point noise


def _assert_shapes(grid: Grid, expected: dict[str, Polygon]) -> None:
    for zone_id, shape in expected.items():
        assert grid.shape(zone_id).symmetric_difference(shape).area < SAME, zone_id
    grid.assert_invariants()


def test_a_shared_edge_moves_whichever_zone_is_listed_first(
    running: Running, grid: Grid, untouched: None
) -> None:
    a_id, b_id = _split(running, grid)
    try:
        a, b = grid.shape(a_id), grid.shape(b_id)
        # Moving the shared vertex along a's outer edge grows b; along b's, it grows a.
        for grower_id, shrinker_id, along, other in ((b_id, a_id, a, b), (a_id, b_id, b, a)):
            old, new = _shared_move(along, other)
            moved = {a_id: _moved(a, old, new), b_id: _moved(b, old, new)}
            assert moved[grower_id].area > grid.shape(grower_id).area
            for first, second in ((grower_id, shrinker_id), (shrinker_id, grower_id)):
                sets = grid.change_sets()
                changes = [_change(grid, z, moved[z]) for z in (first, second)]
                versions = {z: grid.zone(z)["version"] for z in (a_id, b_id)}
                commit = ok(call(running, REDRAW_ZONES, dry=False, changes=changes))
                assert commit["changeSet"]["kind"] == "redraw_zones"
                assert grid.change_sets() == sets + 1
                assert {z: grid.zone(z)["version"] for z in versions} == {
                    z: v + 1 for z, v in versions.items()
                }
                _assert_shapes(grid, moved)

                # Undo and redo restore both zones at once, whichever id sorts first.
                ok(call(running, UNDO, c=COMMUNITY))
                _assert_shapes(grid, {a_id: a, b_id: b})
                ok(call(running, REDO, c=COMMUNITY))
                _assert_shapes(grid, moved)
                ok(call(running, UNDO, c=COMMUNITY))
                _assert_shapes(grid, {a_id: a, b_id: b})
    finally:
        ok(call(running, UNDO, c=COMMUNITY))  # the split


def test_a_zone_sent_unchanged_is_not_rewritten(
    running: Running, grid: Grid, untouched: None
) -> None:
    """No new version without a change to record: the split before stays undoable."""
    a_id, b_id = _split(running, grid)
    try:
        a, b = grid.shape(a_id), grid.shape(b_id)
        versions = {z: grid.zone(z)["version"] for z in (a_id, b_id)}
        sets = grid.change_sets()
        unchanged = [_change(grid, a_id, a), _change(grid, b_id, b)]
        result = ok(call(running, REDRAW_ZONES, dry=False, changes=unchanged))
        assert result["changeSet"] is None
        ok(call(running, REDRAW, dry=False, z=b_id, b=geojson(b), v=versions[b_id]))
        assert {z: grid.zone(z)["version"] for z in versions} == versions
        assert grid.change_sets() == sets

        # One zone moved, its unchanged neighbour sent along: only the moved one is written.
        shrunk = a.buffer(-1e-5)
        assert shrunk.geom_type == "Polygon" and not shrunk.is_empty
        changes = [_change(grid, a_id, shrunk), _change(grid, b_id, b)]
        commit = ok(call(running, REDRAW_ZONES, dry=False, changes=changes))
        assert [i["entityId"] for i in commit["changeSet"]["items"]] == [a_id]
        assert grid.zone(b_id)["version"] == versions[b_id]
        ok(call(running, UNDO, c=COMMUNITY))
        _assert_shapes(grid, {a_id: a, b_id: b})
    finally:
        ok(call(running, UNDO, c=COMMUNITY))  # the split: not refused as STALE


def test_too_many_zones_are_refused_before_any_shape_is_read(running: Running, grid: Grid) -> None:
    """The limit is checked first: 51 broken shapes give the limit, not a shape error."""
    before, sets = grid.fingerprint(), grid.change_sets()
    changes = [
        {"zoneId": str(uuid.uuid4()), "boundary": {"type": "Point"}, "expectedVersion": 1}
        for _ in range(MAX_REDRAWN_ZONES + 1)
    ]
    result = refused(call(running, REDRAW_ZONES, dry=False, changes=changes), "INVALID")
    (error,) = result["errors"]
    assert error["field"] == ["changes"] and str(MAX_REDRAWN_ZONES) in error["message"]
    assert (grid.fingerprint(), grid.change_sets()) == (before, sets)
