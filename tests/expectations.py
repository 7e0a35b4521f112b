"""What the database should hold, computed from the demo data with shapely (not PostGIS)."""

from __future__ import annotations

import uuid

from infra.demo.model import Demo


def expected_zone(demo: Demo) -> dict[uuid.UUID, uuid.UUID | None]:
    """DOMAIN "Places": a building belongs to the zone containing its footprint's interior
    point (shapely's representative_point is GEOS PointOnSurface, as PostGIS uses)."""
    zones_by_community: dict[str, list] = {}
    for z in demo.zones:
        zones_by_community.setdefault(z.community_code, []).append(z)
    result = {}
    for b in demo.buildings:
        point = b.footprint.representative_point()
        hits = [
            z.id for z in zones_by_community.get(b.community_code, []) if z.boundary.covers(point)
        ]
        assert len(hits) <= 1, "demo zones overlap"
        result[b.id] = hits[0] if hits else None
    return result
