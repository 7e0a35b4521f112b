"""GraphQL of grid coverage: `coverage(regionCode, bbox)`, and what it adds to communities,
zones and buildings. The rules live in `services.grid.coverage`; this module only exposes them.

A malformed regionCode (not 6, 9 or 12 digits) or bbox is a GraphQL error; a well-formed code
that names no mapped community gives zero counts, a null percent and no communities.
"""

from __future__ import annotations

import json
import uuid
from enum import Enum
from typing import Any

import strawberry

from services.common.geojson import GeoJSON
from services.common.pagination import MAX_PAGE, Edge, PageInfo, decode_cursor
from services.common.pagination import encode_cursor as _encode
from services.grid import coverage as domain
from services.grid.context import Info
from services.grid.graph.access import scoped_code
from services.grid.graph.core import Building, Community, Zone


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


def _percent(figures: domain.Figures) -> float | None:
    return None if figures.percent is None else round(figures.percent, 2)


@strawberry.type(description="One community's coverage figures.")
class CommunityCoverage:
    code: str
    organization_kind: str | None = strawberry.field(
        description="COMMUNITY_COMMITTEE, GENERAL_BRANCH or BRANCH; null if org did not say."
    )
    buildings: int
    covered: int
    percent: float | None = strawberry.field(description="Covered buildings, %; null if none.")
    orphans: int
    zones: int
    zones_without_organization: int
    resident_members: int
    member_buildings: int = strawberry.field(
        description="Buildings with a resident Party member (unknown when org did not answer: 0)."
    )
    member_buildings_covered: int = strawberry.field(
        description="Of them, covered: its own group, or (branch community) its zone's group."
    )
    gap_counts: GapCounts
    building_states: BuildingStateCounts

    @strawberry.field
    def community(self) -> Community:
        return Community(code=self.code)

    @classmethod
    def from_domain(cls, c: domain.CommunityCoverage) -> CommunityCoverage:
        f = c.figures
        return cls(
            code=c.code,
            organization_kind=c.kind.upper() if c.kind else None,
            buildings=f.buildings,
            covered=f.covered,
            percent=_percent(f),
            orphans=f.orphans,
            zones=f.zones,
            zones_without_organization=f.zones_without_organization,
            resident_members=f.residents,
            member_buildings=f.member_buildings,
            member_buildings_covered=f.member_buildings_covered,
            gap_counts=GapCounts.from_domain(f.gap_counts),
            building_states=BuildingStateCounts.from_domain(f),
        )


@strawberry.type(description="A coverage gap: a building, a zone, or a building's unreported.")
class Gap:
    severity: int = strawberry.field(description="1 (most severe) to 5.")
    kind: GapKind
    name: str = strawberry.field(description="The building's or zone's name.")
    community_code: str
    residents: int = strawberry.field(
        description="Party members it concerns: the building's residents (gaps 1, 2, 4), those "
        "of the zone's buildings in the area asked (3), or those not reported in (5)."
    )
    not_reported_in: int
    building_id: strawberry.Private[uuid.UUID | None]
    zone_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_domain(cls, g: domain.Gap) -> Gap:
        return cls(
            severity=g.severity,
            kind=GapKind(g.severity),
            name=g.name,
            community_code=g.community_code,
            residents=g.residents,
            not_reported_in=g.not_reported_in,
            building_id=g.building_id,
            zone_id=g.zone_id,
        )

    @strawberry.field
    def community(self) -> Community:
        return Community(code=self.community_code)

    @strawberry.field(description="The building (gaps 1, 2, 4, 5).")
    async def building(self, info: Info) -> Building | None:
        if self.building_id is None:
            return None
        row = await info.context.loaders.building.load(self.building_id)
        return Building.from_row(row) if row else None

    @strawberry.field(description="The zone (gap 3).")
    async def zone(self, info: Info) -> Zone | None:
        if self.zone_id is None:
            return None
        row = await info.context.loaders.zone.load(self.zone_id)
        return Zone.from_row(row) if row else None


@strawberry.type(description="A page of coverage gaps, most severe first (Relay connection).")
class GapConnection:
    edges: list[Edge[Gap]]
    page_info: PageInfo
    total_count: int = strawberry.field(description="All gaps asked, over every page.")

    @strawberry.field
    def nodes(self) -> list[Gap]:
        return [edge.node for edge in self.edges]


@strawberry.type(description="Coverage of a district, street office, community or zone.")
class Coverage:
    region_code: str = strawberry.field(description="The region asked (a zone: its community).")
    residents_known: bool = strawberry.field(
        description="False when org did not answer: no resident figures, so gap 1 is counted "
        "as gap 2 and gap 5 is absent; community kinds are then inferred from the grid."
    )
    result: strawberry.Private[domain.Coverage]

    @classmethod
    def from_domain(cls, region_code: str, result: domain.Coverage) -> Coverage:
        return cls(region_code=region_code, residents_known=result.residents_known, result=result)

    @strawberry.field
    def buildings(self) -> int:
        return self.result.figures.buildings

    @strawberry.field
    def covered(self) -> int:
        return self.result.figures.covered

    @strawberry.field(description="Covered buildings, %; null when there are no buildings.")
    def percent(self) -> float | None:
        return _percent(self.result.figures)

    @strawberry.field
    def orphans(self) -> int:
        return self.result.figures.orphans

    @strawberry.field
    def zones(self) -> int:
        return self.result.figures.zones

    @strawberry.field
    def zones_without_organization(self) -> int:
        return self.result.figures.zones_without_organization

    @strawberry.field(description="Party members living in the buildings counted.")
    def resident_members(self) -> int:
        return self.result.figures.residents

    @strawberry.field(description="Buildings with a resident Party member.")
    def member_buildings(self) -> int:
        return self.result.figures.member_buildings

    @strawberry.field(description="Of them, covered (see CommunityCoverage).")
    def member_buildings_covered(self) -> int:
        return self.result.figures.member_buildings_covered

    @strawberry.field
    def gap_counts(self) -> GapCounts:
        return GapCounts.from_domain(self.result.figures.gap_counts)

    @strawberry.field
    def building_states(self) -> BuildingStateCounts:
        return BuildingStateCounts.from_domain(self.result.figures)

    @strawberry.field(description="Per-community figures, by code.")
    def communities(self) -> list[CommunityCoverage]:
        return [CommunityCoverage.from_domain(c) for c in self.result.communities]

    @strawberry.field(description="The gaps ranked: severity, then residents (most first), name.")
    def gaps(
        self, first: int | None = 50, after: str | None = None, severity: int | None = None
    ) -> GapConnection:
        ranked = domain.gaps_of(self.result, severity=severity)
        size = min(max(first if first is not None else 50, 0), MAX_PAGE)
        key = decode_cursor(after, 5) if after is not None else None
        page = domain.gap_page(ranked, after_key=key, size=size + 1)
        has_next, page = len(page) > size, page[:size]
        edges = [Edge(cursor=_encode(list(g.sort_key())), node=Gap.from_domain(g)) for g in page]
        return GapConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None
            ),
            total_count=len(ranked),
        )

    @strawberry.field(
        name="gapsGeoJSON",
        description="The ranked gaps as a GeoJSON FeatureCollection (properties: rank, "
        "severity, kind, name, residents, notReportedIn, community, id).",
    )
    async def gaps_geojson(self, info: Info, severity: int | None = None) -> GeoJSON:
        gaps = domain.gaps_of(self.result, severity=severity)
        async with info.context.engine.connect() as conn:
            geometries = await domain.gap_geometries(conn, gaps)
        return GeoJSON(feature_collection(gaps, geometries))


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


async def _coverage(info: Info, scope: domain.Scope) -> domain.Coverage:
    async with info.context.engine.connect() as conn:
        return await domain.coverage(conn, info.context.org, scope=scope)


async def region_coverage(info: Info, region_code: str, bbox: BBoxInput | None) -> Coverage:
    region_code = scoped_code(info, region_code)
    scope = domain.Scope(region_code=region_code, bbox=bbox.to_domain() if bbox else None)
    return Coverage.from_domain(region_code, await _coverage(info, scope))


async def zone_coverage(info: Info, zone: Zone) -> Coverage:
    scope = domain.Scope(zone_id=uuid.UUID(str(zone.id)))
    return Coverage.from_domain(zone.community_code, await _coverage(info, scope))


async def building_state(info: Info, building_id: uuid.UUID) -> CoverageState | None:
    """Batched per request: one SQL query and one org call for all buildings asked."""
    state = await info.context.coverage_states.load(building_id)
    return None if state is None else CoverageState(state.value)


@strawberry.type
class CoverageQueries:
    @strawberry.field(
        description="Coverage of a district (6 digits), street office (9) or community (12), "
        "optionally within a box; an unknown code gives zeros."
    )
    async def coverage(
        self, info: Info, region_code: str, bbox: BBoxInput | None = None
    ) -> Coverage:
        return await region_coverage(info, region_code, bbox)


QUERY_TYPES: tuple[type, ...] = (CoverageQueries,)
MUTATION_TYPES: tuple[type, ...] = ()
TYPES: tuple[type, ...] = ()  # entity types to register with the schema
