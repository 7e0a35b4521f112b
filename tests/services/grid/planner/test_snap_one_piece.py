"""Snapping never makes a multi-part zone silently (review of issue 15).

A one-polygon drawing that is joined only through land a hair outside its community (here:
around the outside of a reflex corner of a demo community, less than SNAP_TOLERANCE_M out)
would clip to several pieces. That is no hair's-breadth fit: it is refused as outside the
community, the clip offered for the planner to take knowingly. Shapes come from the demo.
"""

from __future__ import annotations

from typing import Any

import shapely
import shapely.geometry
from planner_api import CREATE, Grid, call, geojson, refused
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from test_boundary_fit import by_code, degrees

from infra.demo.model import Demo
from services.grid.validation import SNAP_TOLERANCE_M
from stack import Running


def _reflex_corner(demo: Demo) -> tuple[str, Point, Point, Point]:
    """The demo's reflex community corner with the most free land around it: (community,
    corner, its two neighbours along the boundary)."""
    found = []
    for community in demo.communities:
        ring = list(community.boundary.exterior.coords)[:-1]
        zones = shapely.union_all(
            [z.boundary for z in demo.zones if z.community_code == community.code]
        )
        for i, v in enumerate(ring):
            corner = Point(v)
            disk = corner.buffer(degrees(0.1))
            if disk.intersection(community.boundary).area > 0.55 * disk.area:  # reflex
                neighbours = Point(ring[i - 1]), Point(ring[(i + 1) % len(ring)])
                found.append((corner.distance(zones), community.code, corner, *neighbours))
    _room, code, corner, before, after = max(found, key=lambda f: (f[0], f[1]))
    return code, corner, before, after


def _toward(a: Point, b: Point, metres: float) -> Point:
    step = degrees(metres) / a.distance(b)
    return Point(a.x + step * (b.x - a.x), a.y + step * (b.y - a.y))


def _across_the_corner(community: BaseGeometry, corner: Point, ends: tuple[Point, Point]) -> Any:
    """Two small disks on the corner's two edges, joined only by a band just outside the
    community around the corner, all within 0.6 × SNAP_TOLERANCE_M of it."""
    reach = community.buffer(degrees(0.6 * SNAP_TOLERANCE_M))
    disks = [_toward(corner, end, 1.4).buffer(degrees(0.7)) for end in ends]
    band = corner.buffer(degrees(1.6)).difference(community)
    return shapely.union_all([*disks, band]).intersection(reach)


def test_a_drawing_joined_only_outside_the_community_is_refused_not_snapped(
    running: Running, grid: Grid, demo: Demo, untouched: None
) -> None:
    code, corner, before, after = _reflex_corner(demo)
    community = next(c.boundary for c in demo.communities if c.code == code)
    drawn = _across_the_corner(community, corner, (before, after))
    zones = shapely.union_all([z.boundary for z in demo.zones if z.community_code == code])
    assert drawn.geom_type == "Polygon" and drawn.is_valid and not drawn.intersects(zones)
    pieces = [p for p in shapely.get_parts(drawn.intersection(community)) if p.area > 0]
    assert len(pieces) == 2, "the drawing must fall apart when clipped"
    clip = shapely.union_all(pieces)

    fingerprint, sets = grid.fingerprint(), grid.change_sets()
    for dry in (True, False):
        args = {"c": code, "n": "跨角", "b": geojson(drawn), "o": None, "dry": dry}
        result = refused(call(running, CREATE, **args), "RULE_VIOLATION")
        assert result["errors"][0]["rule"] == "zone.outside_community"
        offered = shapely.geometry.shape(by_code(result)["OUTSIDE_COMMUNITY"]["repaired"])
        assert len(shapely.get_parts(offered)) == 2
        assert offered.symmetric_difference(clip).area < 1e-14
        assert "SNAPPED_TO_COMMUNITY" not in by_code(result)
    assert (grid.fingerprint(), grid.change_sets()) == (fingerprint, sets)
