"""Root queries of the grid subgraph."""

from __future__ import annotations

import strawberry

from services.grid.context import Info
from services.grid.graph.core import Building, Zone


@strawberry.type
class PlaceQueries:
    @strawberry.field(description="A zone by id.")
    async def zone(self, info: Info, id: strawberry.ID) -> Zone | None:
        return await Zone.resolve_reference(info, id)

    @strawberry.field(description="A building by id.")
    async def building(self, info: Info, id: strawberry.ID) -> Building | None:
        return await Building.resolve_reference(info, id)


QUERY_TYPES = (PlaceQueries,)
MUTATION_TYPES: tuple[type, ...] = ()
TYPES: tuple[type, ...] = ()
