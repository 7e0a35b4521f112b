"""Entity types of the grid subgraph: communities, zones (片区), buildings (楼栋), and what grid
adds to org's Party organizations."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from services.common.auth import caller
from services.common.geojson import GeoJSON, geojson_from_text
from services.grid.context import Info

if TYPE_CHECKING:
    from services.grid.graph.coverage import Coverage, CoverageState

# Coverage types live in graph/coverage.py, which imports this module: resolve them lazily.
_COVERAGE = "services.grid.graph.coverage"


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
    async def coverage(self, info: Info) -> Annotated[Coverage, strawberry.lazy(_COVERAGE)]:
        from services.grid.graph.coverage import region_coverage  # an import cycle

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
    async def coverage(self, info: Info) -> Annotated[Coverage, strawberry.lazy(_COVERAGE)]:
        from services.grid.graph.coverage import zone_coverage  # an import cycle

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
    async def coverage_state(
        self, info: Info
    ) -> Annotated[CoverageState, strawberry.lazy(_COVERAGE)] | None:
        from services.grid.graph.coverage import building_state  # an import cycle

        return await building_state(info, uuid.UUID(str(self.id)))

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Building | None:
        key = parse_uuid(id)
        row = await info.context.loaders.building.load(key) if key else None
        if row is None or not caller(info).covers(row["community_code"]):
            return None
        return cls.from_row(row)


QUERY_TYPES: tuple[type, ...] = ()
MUTATION_TYPES: tuple[type, ...] = ()
TYPES = (Community, Zone, Building, PartyOrganization)
