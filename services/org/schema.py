"""The org subgraph's schema, assembled from the modules of `services.org.graph`.

Each module there exports QUERY_TYPES and MUTATION_TYPES (merged into Query and Mutation),
and TYPES (entities to register); the loaders are `services.org.context.OrgLoaders`.
"""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from services.common.auth_codes import ParseRegionCodes
from services.common.auth_permissions import HideForeignIds
from services.common.columns import SCALARS
from services.common.documents import document_caches
from services.common.idempotency import NameRootFields
from services.common.masking import MaskUnexpectedErrors
from services.org.graph import (
    core,
    counts,
    evaluation,
    findings,
    member_changes,
    members,
    organizations,
    queries,
    region_writes,
    residents,
    units,
)

MODULES = (
    core,
    queries,
    organizations,
    members,
    member_changes,
    findings,
    units,
    evaluation,
    residents,
    counts,
    region_writes,
)

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
    config=StrawberryConfig(scalar_map=SCALARS),
)
