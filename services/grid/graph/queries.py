"""Root queries of the grid subgraph."""

from __future__ import annotations

import strawberry

from services.grid.context import Info
from services.grid.graph.core import Building, Coverage, Zone, region_coverage
from services.grid.graph.coverage import BBoxInput


@strawberry.type
class PlaceQueries:
    @strawberry.field(description="A zone by id.")
    async def zone(self, info: Info, id: strawberry.ID) -> Zone | None:
        return await Zone.resolve_reference(info, id)

    @strawberry.field(description="A building by id.")
    async def building(self, info: Info, id: strawberry.ID) -> Building | None:
        return await Building.resolve_reference(info, id)


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


QUERY_TYPES = (PlaceQueries, CoverageQueries)
MUTATION_TYPES: tuple[type, ...] = ()
TYPES: tuple[type, ...] = ()
