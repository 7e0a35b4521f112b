"""GraphQL of the grid subgraph: history (being written)."""

from __future__ import annotations

QUERY_TYPES: tuple[type, ...] = ()
MUTATION_TYPES: tuple[type, ...] = ()
TYPES: tuple[type, ...] = ()  # entity types to register with the schema
LOADERS: dict = {}
