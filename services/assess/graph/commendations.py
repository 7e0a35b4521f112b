"""Star ratings, five-good organizations and July-1 commendation lists in the graph."""

from __future__ import annotations

from typing import Any

QUERY_TYPES: tuple[type, ...] = ()
MUTATION_TYPES: tuple[type, ...] = ()
TYPES: list[type] = []
LOADERS: dict[str, Any] = {}
