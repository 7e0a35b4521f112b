"""What the planner page's figures need beyond the grid's answer, computed once per `/state`.

- Each building's interior point (DOMAIN "Places": a building belongs to the zone holding its
  footprint's interior point; grid uses ST_PointOnSurface, shapely's `representative_point`
  is the same GEOS operation), so the page counts what a drawn shape holds by
  point-in-polygon alone while the planner drags a vertex.
- The community's gaps of severities 1–4 as grid ranks them (`services/grid/coverage.py`:
  severity, members concerned, name), one list: the page walks it with "next gap" and never
  re-derives the ranking.
"""

from __future__ import annotations

from typing import Any

import shapely

from gateway.maps.queries import GAP_PAGE

# Gaps a planner closes on the map: buildings without a group (1, 2), zones without their
# organization (3), orphans (4). Gap 5 (members not reported in) is org's work, not a shape's.
PLACE_SEVERITIES = (1, 2, 3, 4)

# One page per severity (a page holds at most GAP_PAGE); `totalCount` says when a community
# has more.
GAPS_FIELDS = "\n".join(
    f"    gaps{s}: gaps(first: {GAP_PAGE}, severity: {s}) {{ totalCount nodes {{ "
    "severity kind name residents building { id } zone { id } } }"
    for s in PLACE_SEVERITIES
)


def interior_point(footprint: dict[str, Any] | None) -> list[float] | None:
    """[longitude, latitude] of a GeoJSON footprint's interior point (None without one)."""
    if not footprint:
        return None
    try:
        point = shapely.geometry.shape(footprint).representative_point()
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException):
        return None
    return None if point.is_empty else [point.x, point.y]


def place_gaps(coverage: dict[str, Any] | None) -> tuple[list[dict[str, Any]], int]:
    """The ranked gaps of severities 1–4 as the page lists them, and how many there are in
    all (more than listed when a severity holds more than a page). Takes the lists out of
    `coverage`, which the page gets as the figures alone."""
    gaps: list[dict[str, Any]] = []
    total = 0
    for s in PLACE_SEVERITIES:
        connection = (coverage or {}).pop(f"gaps{s}", None) or {}
        total += connection.get("totalCount", 0)
        for node in connection.get("nodes") or []:
            place = node.get("building") or node.get("zone") or {}
            gaps.append(
                {
                    "id": place.get("id"),
                    "target": "building" if node.get("building") else "zone",
                    "severity": node["severity"],
                    "kind": node["kind"],
                    "name": node["name"],
                    "residents": node["residents"],
                }
            )
    return gaps, total
