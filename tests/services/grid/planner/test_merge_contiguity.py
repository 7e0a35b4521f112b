"""Merging zones makes one polygon (issue 15, item 2): zones that touch merge into their union,
zones a road apart also take the land between them (MERGE_BRIDGED), zones far apart are
refused with the gap in metres (rule zone.not_contiguous) unless the planner confirms a
multi-part zone (`allowMultiPart`).

Pairs come from the demo (shapely); every test leaves the grid as it found it.
"""

from __future__ import annotations

import math
import re

import shapely
from planner_api import COMMUNITY, MERGE, RESULT, SPLIT, UNDO, Grid, call, geojson, ok, refused
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from infra.demo.model import Demo, Zone
from stack import Running

MERGE_CONFIRMED = f"""mutation($z: [ID!]!, $v: [Int!]!, $dry: Boolean!, $multi: Boolean!) {{
  mergeZones(zoneIds: $z, expectedVersions: $v, dryRun: $dry, allowMultiPart: $multi) {{
  {RESULT} }} }}"""

# What the planner page's merge test calls adjacent: a road (4 m) apart, under ~10 m.
ROAD = 1e-4


def _community(demo: Demo, code: str) -> BaseGeometry:
    return next(c.boundary for c in demo.communities if c.code == code)


def _pairs(demo: Demo) -> list[tuple[Zone, Zone, float]]:
    return sorted(
        (
            (a, b, a.boundary.distance(b.boundary))
            for a in demo.zones
            for b in demo.zones
            if a.community_code == b.community_code and str(a.id) < str(b.id)
        ),
        key=lambda p: (p[2], str(p[0].id)),
    )


def _near(demo: Demo) -> tuple[Zone, Zone]:
    """Neighbours a road apart (not touching) in the committee community the planner tests
    use."""
    a, b, _ = next(p for p in _pairs(demo) if p[0].community_code == COMMUNITY and 0 < p[2] <= ROAD)
    return a, b


def _far(demo: Demo) -> tuple[Zone, Zone]:
    a, b, _ = next(p for p in reversed(_pairs(demo)) if p[0].community_code == COMMUNITY)
    return a, b


def _metres(a: BaseGeometry, b: BaseGeometry) -> float:
    """Great-circle distance (haversine, mean earth radius) between the shapes' nearest
    points."""
    p, q = nearest_points(a, b)
    lat1, lat2 = math.radians(p.y), math.radians(q.y)
    dlat, dlon = lat2 - lat1, math.radians(q.x - p.x)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def _versions(grid: Grid, *zones: Zone) -> list[int]:
    return [grid.zone(z.id)["version"] for z in zones]


def _undo(running: Running) -> None:
    ok(call(running, UNDO, c=COMMUNITY))


def test_zones_that_touch_merge_into_their_union(
    running: Running, grid: Grid, untouched: None
) -> None:
    zone_id = grid.scalar(
        "SELECT zone_id FROM grid.building WHERE community_code = :c AND zone_id IS NOT NULL "
        "GROUP BY zone_id ORDER BY count(*) DESC, zone_id LIMIT 1",
        c=COMMUNITY,
    )
    zone = grid.zone(zone_id)
    shape = grid.shape(zone_id)
    minx, miny, maxx, maxy = shape.bounds
    line = LineString([((minx + maxx) / 2, miny - 0.01), ((minx + maxx) / 2, maxy + 0.01)])
    split = ok(
        call(running, SPLIT, dry=False, z=str(zone_id), l=geojson(line), v=zone["version"], n="半")
    )
    (half,) = split["diff"]["zonesCreated"]
    try:
        versions = [grid.zone(zone_id)["version"], grid.zone(half)["version"]]
        merged = ok(call(running, MERGE, dry=False, z=[str(zone_id), half], v=versions))
        assert [f["code"] for f in merged["findings"]] == []  # nothing bridged, nothing split
        result = grid.shape(zone_id)
        assert result.geom_type == "Polygon"
        assert result.symmetric_difference(shape).area < 1e-12
        grid.assert_invariants()
        _undo(running)  # the merge
    finally:
        _undo(running)  # the split


def test_zones_a_road_apart_merge_into_one_polygon_with_the_land_between(
    running: Running, grid: Grid, demo: Demo, untouched: None
) -> None:
    kept, gone = _near(demo)
    args = {"z": [str(kept.id), str(gone.id)], "v": _versions(grid, kept, gone)}
    preview = ok(call(running, MERGE, dry=True, **args))
    (bridged,) = [f for f in preview["findings"] if f["code"] == "MERGE_BRIDGED"]
    gap = _metres(kept.boundary, gone.boundary)
    shown = float(re.search(r"相距约 (\d+) 米", bridged["message"]).group(1))
    assert abs(shown - gap) <= max(1.0, 0.03 * gap), (shown, gap)
    assert "m apart" in bridged["messageEn"]

    ok(call(running, MERGE, dry=False, **args))
    result = grid.shape(kept.id)
    assert grid.zone(gone.id) is None
    assert result.geom_type == "Polygon", result.geom_type
    union = shapely.union_all([kept.boundary, gone.boundary])
    assert union.difference(result).area < 1e-12  # both zones whole
    # What it took besides lies between them: within the gap of either zone.
    taken = result.difference(union)
    assert taken.area > 0
    assert taken.difference(union.buffer(ROAD, join_style="mitre")).area < 1e-12
    grid.assert_invariants()  # inside the community, off every other zone
    _undo(running)
    assert grid.shape(gone.id).symmetric_difference(gone.boundary).area < 1e-12


def test_zones_far_apart_are_refused_with_the_gap_in_metres(
    running: Running, grid: Grid, demo: Demo
) -> None:
    a, b = _far(demo)
    before, sets = grid.fingerprint(), grid.change_sets()
    result = call(running, MERGE, dry=False, z=[str(a.id), str(b.id)], v=_versions(grid, a, b))
    (error,) = refused(result, "RULE_VIOLATION")["errors"]
    assert error["rule"] == "zone.not_contiguous" and error["field"] == ["zoneIds"]
    gap = _metres(a.boundary, b.boundary)
    shown = float(re.search(r"相距约 (\d+) 米", error["message"]).group(1))
    assert abs(shown - gap) <= max(1.0, 0.03 * gap), (shown, gap)
    shown_en = float(re.search(r"about (\d+) m apart", error["messageEn"]).group(1))
    assert shown_en == shown
    assert [f["code"] for f in result["findings"]] == ["NOT_CONTIGUOUS"]
    assert (grid.fingerprint(), grid.change_sets()) == (before, sets)


def test_zones_far_apart_merge_into_a_multi_part_zone_when_confirmed(
    running: Running, grid: Grid, demo: Demo, untouched: None
) -> None:
    a, b = _far(demo)
    args = {"z": [str(a.id), str(b.id)], "v": _versions(grid, a, b), "multi": True}
    preview = ok(call(running, MERGE_CONFIRMED, dry=True, **args))
    assert "MULTI_PART" in [f["code"] for f in preview["findings"]]
    assert preview["diff"]["zonesDeleted"] == [str(b.id)]
    ok(call(running, MERGE_CONFIRMED, dry=False, **args))
    result = grid.shape(a.id)
    assert result.geom_type == "MultiPolygon" and len(result.geoms) == 2
    assert result.symmetric_difference(shapely.union_all([a.boundary, b.boundary])).area < 1e-12
    grid.assert_invariants()
    _undo(running)
    # Unconfirmed (false, as when left out) it is refused as before.
    refused(
        call(
            running,
            MERGE_CONFIRMED,
            dry=True,
            **{**args, "v": _versions(grid, a, b), "multi": False},
        ),
        "RULE_VIOLATION",
    )
