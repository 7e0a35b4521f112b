"""Resident Party members of whole communities' buildings, in one set-based query.

Grid's coverage ranks gaps by these counts for every building it covers; asking for them per
`Building` entity resolves each representation one by one, so this root query answers for
whole communities with one GROUP BY and plain objects.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from services.org import organizations
from services.org.graph.core import ResidentCounts


@strawberry.type(description="Party members living in one building, by management type.")
class BuildingResidents(ResidentCounts):
    building_id: strawberry.ID = strawberry.field(description="A grid Building id.")


@strawberry.type
class ResidentQueries:
    @strawberry.field(
        description="Resident members of the buildings of these communities that have at least "
        "one who has not left, by building id; a building absent here has none."
    )
    async def resident_counts(
        self, info: Info, community_codes: list[str]
    ) -> list[BuildingResidents]:
        async with info.context["engine"].connect() as conn:
            counts = await organizations.resident_counts_of_communities(conn, community_codes)
        return [
            BuildingResidents.from_counts(c, building_id=strawberry.ID(str(building)))
            for building, c in sorted(counts.items())
        ]


QUERY_TYPES = (ResidentQueries,)
MUTATION_TYPES: tuple[type, ...] = ()
TYPES: tuple[type, ...] = ()
LOADERS: dict = {}
