"""Root queries over the region tree and organizations."""

from __future__ import annotations

import strawberry

from services.common.auth import caller
from services.org.context import Info
from services.org.graph.access import scoped_region
from services.org.graph.core import Community, PartyOrganization, Region
from services.org.graph.enums import RegionLevel
from services.org.regions import tree as regions


@strawberry.type
class RegionQueries:
    @strawberry.field(description="A region by its 区划代码.")
    async def region(self, info: Info, code: str) -> Region | None:
        return await Region.resolve_reference(info, code)

    @strawberry.field(
        description="Regions, optionally of one level or under one parent; retired places "
        "only with includeRetired."
    )
    async def regions(
        self,
        info: Info,
        level: RegionLevel | None = None,
        parent_code: str | None = None,
        include_retired: bool = False,
    ) -> list[Region]:
        async with info.context.engine.connect() as conn:
            rows = await regions.list_regions(
                conn,
                level=level.value if level else None,
                parent_code=parent_code,
                include_retired=include_retired,
            )
        identity = caller(info)
        return [Region.from_row(row) for row in rows if identity.sees(row["code"])]

    @strawberry.field(description="A community by its 12-digit 区划代码.")
    async def community(self, info: Info, code: str) -> Community | None:
        return await Community.resolve_reference(info, code)

    @strawberry.field(
        description="Every community at or below a region; retired ones only with includeRetired."
    )
    async def communities(
        self, info: Info, region_code: str, include_retired: bool = False
    ) -> list[Community]:
        scoped = scoped_region(info, region_code)
        if scoped is None:
            return []
        async with info.context.engine.connect() as conn:
            rows = await regions.communities_under(conn, scoped, include_retired=include_retired)
        return [Community(code=row["code"]) for row in rows]

    @strawberry.field(description="A Party organization by id.")
    async def organization(self, info: Info, id: strawberry.ID) -> PartyOrganization | None:
        return await PartyOrganization.resolve_reference(info, id)


QUERY_TYPES = (RegionQueries,)
MUTATION_TYPES: tuple[type, ...] = ()
TYPES: tuple[type, ...] = ()
