"""The assess subgraph's schema, assembled from the GraphQL modules of its domain packages.

Each module there exports QUERY_TYPES and MUTATION_TYPES (merged into Query and Mutation) and
TYPES (entities to register); their DataLoaders are declared once, in services/assess/context.py.
Modules of types only (reports/graph/types, grading/graph/types) are reached through those.
"""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types.scalar import ScalarDefinition

from services.assess.commendations.graph import five_goods
from services.assess.commendations.graph import lists as commendation_lists
from services.assess.commendations.graph import stars as commendations
from services.assess.grading.graph import queries as grading
from services.assess.grading.graph import steps as grading_steps
from services.assess.milestones import graph as milestones
from services.assess.records import graph as records
from services.assess.reports.graph import operations as reports
from services.assess.standard import graph as core
from services.common.auth_codes import ParseRegionCodes
from services.common.auth_permissions import HideForeignIds
from services.common.columns import SCALARS
from services.common.documents import document_caches
from services.common.idempotency import NameRootFields
from services.common.masking import MaskUnexpectedErrors

MODULES = (
    core,
    records,
    grading,
    grading_steps,
    milestones,
    reports,
    commendations,
    five_goods,
    commendation_lists,
)

_mutations = tuple(t for m in MODULES for t in m.MUTATION_TYPES)

# StrawberryConfig types its map by `object` keys; the shared map's keys are column types.
_SCALARS: dict[object, ScalarDefinition] = dict(SCALARS.items())

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
    config=StrawberryConfig(scalar_map=_SCALARS),
)
