"""The grid subgraph's schema, assembled from the modules of `services.grid.graph`.

Each module there exports QUERY_TYPES and MUTATION_TYPES (merged into Query and Mutation) and
TYPES (entities to register); the per-request DataLoaders are services/grid/context.py's.
"""

from __future__ import annotations

from typing import cast

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types.scalar import ScalarDefinition

from services.common.auth_codes import ParseRegionCodes
from services.common.auth_permissions import HideForeignIds
from services.common.documents import document_caches
from services.common.geojson import SCALARS
from services.common.idempotency import NameRootFields
from services.common.masking import MaskUnexpectedErrors
from services.grid.graph import core, history, planner, queries, transfer

MODULES = (core, queries, planner, history, transfer)

# Widened to the key type StrawberryConfig takes (a Mapping is invariant in its keys).
_scalars = cast("dict[object, ScalarDefinition]", SCALARS)
_mutations = tuple(t for m in MODULES for t in m.MUTATION_TYPES)

schema = strawberry.federation.Schema(
    query=merge_types("Query", tuple(t for m in MODULES for t in m.QUERY_TYPES)),
    mutation=merge_types("Mutation", _mutations) if _mutations else None,
    types=[t for m in MODULES for t in m.TYPES],
    federation_version="2.9",
    extensions=[
        *document_caches(),
        ParseRegionCodes,
        HideForeignIds,
        NameRootFields,
        MaskUnexpectedErrors,
    ],
    config=StrawberryConfig(scalar_map=_scalars),
)
