"""Grid coverage's GraphQL values that name no entity: building states, gap kinds, the box
input, gap and state counts, and the gaps' GeoJSON. The rules live in `services.grid.coverage`;
the types that point at communities, zones and buildings (`Coverage`, `Gap`,
`CommunityCoverage`) are in graph/core.py with them, and the `coverage` query in
graph/queries.py.
"""

from __future__ import annotations

import json
import uuid
from enum import Enum
from typing import Any

import strawberry

from services.grid import coverage as domain


@strawberry.enum(description="A building's coverage (as the coverage maps colour it).")
class CoverageState(Enum):
    COVERED = "covered"
    GAP = "gap"
    GAP_WITH_MEMBERS = "gap_with_members"
    ORPHAN = "orphan"


@strawberry.enum(description="The coverage gaps of DOMAIN 'The coverage graph', most severe first.")
class GapKind(Enum):
    BUILDING_WITH_MEMBERS = 1
    BUILDING = 2
    ZONE = 3
    ORPHAN = 4
    NOT_REPORTED_IN = 5


@strawberry.input(description="A longitude/latitude box (WGS-84).")
class BBoxInput:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def to_domain(self) -> domain.BBox:
        return domain.BBox(self.min_lon, self.min_lat, self.max_lon, self.max_lat)


@strawberry.type(description="Gaps by kind (notReportedIn counts members, the rest places).")
class GapCounts:
    building_with_members: int
    building: int
    zone: int
    orphan: int
    not_reported_in: int

    @classmethod
    def from_domain(cls, c: domain.GapCounts) -> GapCounts:
        return cls(
            building_with_members=c.building_with_members,
            building=c.building,
            zone=c.zone,
            orphan=c.orphan,
            not_reported_in=c.not_reported_in,
        )


@strawberry.type(
    description="Buildings by coverage state, as the maps colour them (a branch community's "
    "buildings in a zone with no group count by their own state, not under the zone's gap)."
)
class BuildingStateCounts:
    covered: int
    gap: int
    gap_with_members: int
    orphan: int

    @classmethod
    def from_domain(cls, f: domain.Figures) -> BuildingStateCounts:
        return cls(
            covered=f.covered,
            gap=f.uncovered,
            gap_with_members=f.uncovered_with_members,
            orphan=f.orphans,
        )


def rounded_percent(figures: domain.Figures) -> float | None:
    return None if figures.percent is None else round(figures.percent, 2)


def feature_collection(gaps: list[domain.Gap], geometries: dict[uuid.UUID, str]) -> dict[str, Any]:
    """RFC 7946 FeatureCollection of the gaps, in rank order."""
    features = [
        {
            "type": "Feature",
            "id": f"{g.kind.name.lower()}:{g.id}",
            "geometry": json.loads(geometries[g.id]) if g.id in geometries else None,
            "properties": {
                "rank": n,
                "severity": g.severity,
                "kind": g.kind.name,
                "name": g.name,
                "residents": g.residents,
                "notReportedIn": g.not_reported_in,
                "community": g.community_code,
                "id": str(g.id),
            },
        }
        for n, g in enumerate(gaps, start=1)
    ]
    return {"type": "FeatureCollection", "features": features}
