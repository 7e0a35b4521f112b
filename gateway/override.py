"""Progressive override: which subgraph resolves a field that `@override(label:)` moves.

The supergraph marks a labelled override on both sides: the overriding subgraph's
`@join__field(override: "<from>", overrideLabel: L)` resolves the field when label L is enabled,
the overridden subgraph's `@join__field(overrideLabel: L)` (or any join of the `from` subgraph)
when it is not. The choice is made once per supergraph, so plans stay cacheable and every
request gets the same answer:

- `percent(100)` is enabled: the field has moved;
- `percent(0)` is not; nor is a percent between (the ramp is not finished, so the subgraph that
  still owns the field answers: the gateway does not split traffic by chance);
- any other label is not enabled (as the Apollo router does for labels nobody enabled).

A plain `@override(from:)` (no label) is settled by composition: the overridden side has no
`@join__field` left, or one with `usedOverridden` (kept to feed keys and @requires only).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

_PERCENT = re.compile(r"^percent\((\d+(?:\.\d+)?)\)$")


class _Join(Protocol):
    @property
    def graph(self) -> str | None: ...
    @property
    def override(self) -> str | None: ...
    @property
    def override_label(self) -> str | None: ...


def label_enabled(label: str) -> bool:
    """Whether the gateway treats progressive-override `label` as enabled."""
    found = _PERCENT.match(label.strip())
    return found is not None and float(found.group(1)) >= 100


def overridden_away(joins: Iterable[_Join]) -> frozenset[str]:
    """Subgraphs whose `@join__field` must not resolve the field under our label choice."""
    joins = tuple(joins)
    away: set[str] = set()
    for join in joins:
        if join.override_label is None or join.graph is None:
            continue
        moved = label_enabled(join.override_label)
        if join.override is not None:
            # The overriding side: it resolves only once the label is enabled; the `from`
            # subgraph then no longer does.
            if moved:
                away.add(join.override)
            else:
                away.add(join.graph)
        elif moved:
            away.add(join.graph)  # the overridden side of an enabled label
    return frozenset(away)
