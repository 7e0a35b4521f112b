"""The grid subgraph's entity graph: communities, zones (片区), buildings (楼栋), what grid adds
to org's Party organizations, and their coverage (figures and ranked gaps). These types point
at each other (a zone has a coverage, whose gaps name zones and buildings), so they live in one
module; the value types of coverage that name no entity are in graph/coverage.py.

A malformed regionCode (not 6, 9 or 12 digits) or bbox is a GraphQL error; a well-formed code
that names no mapped community gives zero counts, a null percent and no communities.
"""

from __future__ import annotations

import uuid
from typing import Any

import strawberry

from services.common.auth import caller
from services.common.geojson import GeoJSON, geojson_from_text
from services.common.pagination import MAX_PAGE, Edge, PageInfo, decode_cursor
from services.common.pagination import encode_cursor as _encode
from services.grid import coverage as domain
from services.grid.context import Info
from services.grid.graph.access import scoped_code
from services.grid.graph.coverage import (
    BBoxInput,
    BuildingStateCounts,
    CoverageState,
    GapCounts,
    GapKind,
    feature_collection,
    rounded_percent,
)


def parse_uuid(value: strawberry.ID | uuid.UUID | None) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


@strawberry.federation.type(keys=["id"])
class PartyOrganization:
    """An org Party organization; grid adds what it assigns to it."""

    id: strawberry.ID

    @strawberry.field(description="Zones assigned to it (as grid branch or zone group).")
    async def assigned_zones(self, info: Info) -> list[Zone]:
        key = parse_uuid(self.id)
        rows = await info.context.loaders.zones_of_organization.load(key) if key else []
        identity = caller(info)
        return [Zone.from_row(row) for row in rows if identity.covers(row["community_code"])]

    @strawberry.field(description="Buildings assigned to it (as Party group).")
    async def assigned_buildings(self, info: Info) -> list[Building]:
        key = parse_uuid(self.id)
        rows = await info.context.loaders.buildings_of_group.load(key) if key else []
        identity = caller(info)
        return [Building.from_row(row) for row in rows if identity.covers(row["community_code"])]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> PartyOrganization:
        return cls(id=id)


def organization_ref(value: uuid.UUID | None) -> PartyOrganization | None:
    return None if value is None else PartyOrganization(id=strawberry.ID(str(value)))


@strawberry.federation.type(keys=["code"], description="A community (社区) on the grid.")
class Community:
    code: str

    async def _row(self, info: Info) -> dict[str, Any] | None:
        return await info.context.loaders.community.load(self.code)

    @strawberry.field(description="The community boundary (社区范围), when mapped.")
    async def boundary(self, info: Info) -> GeoJSON | None:
        row = await self._row(info)
        return GeoJSON(geojson_from_text(row["boundary"])) if row else None

    @strawberry.field(description="Zones (片区, first grid level), ordered by name.")
    async def zones(self, info: Info) -> list[Zone]:
        rows = await info.context.loaders.zones_of_community.load(self.code)
        return [Zone.from_row(row) for row in rows]

    @strawberry.field(description="Buildings in no zone: each is a coverage gap.")
    async def orphan_buildings(self, info: Info) -> list[Building]:
        rows = await info.context.loaders.orphans_of_community.load(self.code)
        return [Building.from_row(row) for row in rows]

    @strawberry.field(
        description="Whether grid holds anything of it: a boundary (zones, buildings and their "
        "history all hang from it). A place with data attached is never deleted."
    )
    async def has_grid_data(self, info: Info) -> bool:
        # Every zone, building and change set has a foreign key to the community row, so the
        # row (the boundary) is there whenever any grid row of the community is.
        return await self._row(info) is not None

    @strawberry.field
    async def building_count(self, info: Info) -> int:
        return await info.context.loaders.building_count.load(self.code)

    @strawberry.field(description="Its coverage: figures and ranked gaps (DOMAIN coverage graph).")
    async def coverage(self, info: Info) -> Coverage:
        return await region_coverage(info, self.code, None)

    @classmethod
    def resolve_reference(cls, info: Info, code: str) -> Community | None:
        # Communities with no boundary yet still resolve: their grid fields are empty.
        # Outside the caller's node, none does.
        return cls(code=code) if caller(info).covers(code) else None


@strawberry.federation.type(keys=["id"], description="A zone (片区), the first grid level.")
class Zone:
    id: strawberry.ID
    name: str
    boundary: GeoJSON
    version: int = strawberry.field(description="Edit version, for optimistic concurrency.")
    community_code: strawberry.Private[str]
    organization_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Zone:
        return cls(
            id=strawberry.ID(str(row["id"])),
            name=row["name"],
            boundary=GeoJSON(geojson_from_text(row["boundary"])),
            version=row["version"],
            community_code=row["community_code"],
            organization_id=row["organization_id"],
        )

    @strawberry.field
    def community(self) -> Community:
        return Community(code=self.community_code)

    @strawberry.field(
        description="Its grid branch (党委/党总支 communities) or group (党支部 communities)."
    )
    def organization(self) -> PartyOrganization | None:
        return organization_ref(self.organization_id)

    @strawberry.field(description="Buildings whose interior point lies in this zone.")
    async def buildings(self, info: Info) -> list[Building]:
        rows = await info.context.loaders.buildings_of_zone.load(uuid.UUID(str(self.id)))
        return [Building.from_row(row) for row in rows]

    @strawberry.field(description="Its coverage: the zone and its buildings, with ranked gaps.")
    async def coverage(self, info: Info) -> Coverage:
        return await zone_coverage(info, self)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Zone | None:
        key = parse_uuid(id)
        row = await info.context.loaders.zone.load(key) if key else None
        if row is None or not caller(info).covers(row["community_code"]):
            return None
        return cls.from_row(row)


@strawberry.federation.type(keys=["id"], description="A building (楼栋), the second grid level.")
class Building:
    id: strawberry.ID
    name: str
    address: str
    households: int
    footprint: GeoJSON = strawberry.field(description="Polygon, or Point for an address only.")
    version: int
    community_code: strawberry.Private[str]
    zone_id: strawberry.Private[uuid.UUID | None]
    party_group_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Building:
        return cls(
            id=strawberry.ID(str(row["id"])),
            name=row["name"],
            address=row["address"],
            households=row["households"],
            footprint=GeoJSON(geojson_from_text(row["footprint"])),
            version=row["version"],
            community_code=row["community_code"],
            zone_id=row["zone_id"],
            party_group_id=row["party_group_id"],
        )

    @strawberry.field
    def community(self) -> Community:
        return Community(code=self.community_code)

    @strawberry.field(description="The zone containing it, derived by polygon; null if orphan.")
    async def zone(self, info: Info) -> Zone | None:
        if self.zone_id is None:
            return None
        row = await info.context.loaders.zone.load(self.zone_id)
        return Zone.from_row(row) if row else None

    @strawberry.field(description="Its Party group (党小组), if assigned.")
    def party_group(self) -> PartyOrganization | None:
        return organization_ref(self.party_group_id)

    @strawberry.field(
        description="COVERED, GAP (no group), GAP_WITH_MEMBERS (no group, members live here) "
        "or ORPHAN (in no zone); in a branch community its zone's group covers it."
    )
    async def coverage_state(self, info: Info) -> CoverageState | None:
        return await building_state(info, uuid.UUID(str(self.id)))

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Building | None:
        key = parse_uuid(id)
        row = await info.context.loaders.building.load(key) if key else None
        if row is None or not caller(info).covers(row["community_code"]):
            return None
        return cls.from_row(row)


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
            percent=rounded_percent(f),
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
        return rounded_percent(self.result.figures)

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


QUERY_TYPES: tuple[type, ...] = ()
MUTATION_TYPES: tuple[type, ...] = ()
TYPES = (Community, Zone, Building, PartyOrganization)
