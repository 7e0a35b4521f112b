"""The org subgraph's schema, assembled from the modules of `services.org.graph`."""

from __future__ import annotations

import strawberry
from strawberry.tools import merge_types

from services.org.graph import core, queries

Query = merge_types("Query", (queries.RegionQueries,))

schema = strawberry.federation.Schema(
    query=Query,
    types=[core.Region, core.Community, core.PartyOrganization, core.Building],
    federation_version="2.9",
)

# Batch queries behind the per-request DataLoaders, by loader name.
QUERIES = {**core.LOADERS}
