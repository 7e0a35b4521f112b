"""The shape of merged zones: one polygon, or a refusal naming the gap.

Zones that touch merge into their union. Hand-drawn (and the demo's) neighbours are often a
road apart rather than sharing an edge: within `MERGE_GAP` the merged zone also takes the
strip of land between them — the morphological closing of the union by the gap, only the
pieces that join two parts, clipped to the community and off every other zone — when that
yields one polygon. Otherwise the merge would make a zone of several pieces, which only a
planner's explicit confirmation allows (`allow_multi_part`).

Pure shapely: runs in a geometry worker (services/grid/geometry_pool.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

# Zones closer than this (degrees, about 10 m) may be bridged into one zone by a merge:
# hand-drawn neighbours often leave a thin gap (a road) rather than share an edge exactly.
MERGE_GAP = 1e-4

# Bridges are grown by this much (degrees, 0.1 mm) before clipping, so that their union with
# the zones has no floating-point hairline left between them.
_SEAM = 1e-9
# Touching within this (degrees): a bridge piece touches a part of the union.
_TOUCH = 1e-8

# Metres per degree of latitude, and of longitude at the equator (WGS-84, near enough for a
# message: the gap is shown to the metre).
_M_PER_DEG_LAT = 110_950.0
_M_PER_DEG_LON_EQUATOR = 111_320.0


@dataclass(frozen=True)
class Merged:
    """The merged zone's shape (None: refused, not one piece), the gap in metres that
    separated its parts (0 when they touched), the land taken between them in square metres,
    and how many pieces the shape has."""

    shape: BaseGeometry | None
    gap_m: float
    bridged_m2: float
    pieces: int


def polygonal(shape: BaseGeometry) -> BaseGeometry:
    """The areal part of a (repaired) overlay result: a Polygon or MultiPolygon."""
    valid = shapely.make_valid(shape)
    polygons = [p for p in shapely.get_parts(valid) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polygons) if polygons else shapely.Polygon()


def _metres(a: shapely.Point, b: shapely.Point) -> float:
    scale = _M_PER_DEG_LON_EQUATOR * math.cos(math.radians((a.y + b.y) / 2))
    return math.hypot((a.x - b.x) * scale, (a.y - b.y) * _M_PER_DEG_LAT)


def _square_metres(shape: BaseGeometry) -> float:
    if shape.is_empty:
        return 0.0
    scale = _M_PER_DEG_LON_EQUATOR * math.cos(math.radians(shape.centroid.y))
    return float(shape.area * scale * _M_PER_DEG_LAT)


def _widest_gap(pieces: list[BaseGeometry]) -> tuple[float, float]:
    """The largest gap (degrees, metres) that joining the pieces needs: the longest link of
    their minimum spanning tree (Prim's, on nearest distances; a few pieces only)."""
    joined, rest = [0], list(range(1, len(pieces)))
    widest = (0.0, 0.0)
    while rest:
        i, j = min(
            ((i, j) for i in joined for j in rest),
            key=lambda ij: pieces[ij[0]].distance(pieces[ij[1]]),
        )
        a, b = nearest_points(pieces[i], pieces[j])
        link = (float(a.distance(b)), _metres(a, b))
        widest = max(widest, link)
        joined.append(j)
        rest.remove(j)
    return widest


def _bridged(
    union: BaseGeometry, pieces: list[BaseGeometry], community: BaseGeometry, others: BaseGeometry
) -> BaseGeometry:
    """The union with the land between its pieces: what the closing by MERGE_GAP adds and
    that touches at least two pieces, within the community and off the other zones."""
    closing = union.buffer(MERGE_GAP, join_style="mitre").buffer(-MERGE_GAP, join_style="mitre")
    added = [
        p
        for p in shapely.get_parts(closing.difference(union))
        if p.area > 0 and sum(1 for piece in pieces if p.distance(piece) < _TOUCH) >= 2
    ]
    if not added:
        return union
    bridge = shapely.union_all(added).buffer(_SEAM, join_style="mitre").intersection(community)
    if not others.is_empty:
        bridge = bridge.difference(others)
    return polygonal(shapely.union_all([union, bridge]))


def merged_zone(
    shapes: list[BaseGeometry],
    community: BaseGeometry,
    others: BaseGeometry,
    allow_multi_part: bool,
) -> Merged:
    """Merge zone shapes of one community (`others`: its other zones, united)."""
    union = polygonal(shapely.union_all(shapes))
    pieces = list(shapely.get_parts(union))
    if len(pieces) == 1:
        return Merged(union, 0.0, 0.0, 1)
    gap, gap_m = _widest_gap(pieces)
    if gap <= MERGE_GAP:
        bridged = _bridged(union, pieces, community, others)
        if bridged.geom_type == "Polygon":
            taken = bridged.difference(union)
            return Merged(bridged, gap_m, _square_metres(taken), 1)
    if allow_multi_part:
        return Merged(union, gap_m, 0.0, len(pieces))
    return Merged(None, gap_m, 0.0, len(pieces))
