"""The plan's milestones and each community's status in the graph."""

from __future__ import annotations

from typing import Any

QUERY_TYPES: tuple[type, ...] = ()
MUTATION_TYPES: tuple[type, ...] = ()
TYPES: list[type] = []
LOADERS: dict[str, Any] = {}
