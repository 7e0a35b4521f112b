"""What the grid subgraph's resolvers receive: the typed context and its per-request loaders.

Resolvers annotate `info: Info` (below) and read `info.context.engine`,
`info.context.loaders.zone`, `info.context.org` — a misspelt entry is a type error.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass

import strawberry
from strawberry.dataloader import DataLoader

from services.common.context import SubgraphContext
from services.common.loaders import LoaderSet, loader
from services.grid import coverage, places
from services.grid.org_client import OrgClient


class GridLoaders(LoaderSet):
    """One DataLoader per batch query of grid's places (services/grid/places.py)."""

    community = loader(places.communities_by_code)
    zone = loader(places.zones_by_id)
    zones_of_community = loader(places.zones_of_communities)
    building = loader(places.buildings_by_id)
    buildings_of_zone = loader(places.buildings_of_zones)
    orphans_of_community = loader(places.orphan_buildings_of_communities)
    building_count = loader(places.building_counts_of_communities)
    zones_of_organization = loader(places.zones_of_organizations)
    buildings_of_group = loader(places.buildings_of_groups)


@dataclass(kw_only=True)
class GridContext(SubgraphContext):
    """A grid request: the places loaders and the client of the org subgraph (who
    organizations are, who lives in buildings)."""

    loaders: GridLoaders
    org: OrgClient

    @functools.cached_property
    def coverage_states(self) -> DataLoader[uuid.UUID, coverage.BuildingState | None]:
        """Buildings' coverage states, batched per request: one SQL query and one org call
        for all buildings asked."""

        async def load(ids: list[uuid.UUID]) -> list[coverage.BuildingState | None]:
            async with self.engine.connect() as conn:
                return await coverage.building_states(conn, self.org, ids)

        return DataLoader(load_fn=load)


Info = strawberry.Info[GridContext]
