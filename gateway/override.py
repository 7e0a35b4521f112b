"""Progressive override: which subgraph resolves a field that `@override(label:)` moves.

The supergraph marks a labelled override on both sides: the overriding subgraph's
`@join__field(override: "<from>", overrideLabel: L)` resolves the field when label L is enabled,
the overridden subgraph's `@join__field(overrideLabel: L)` (or any join of the `from` subgraph)
when it is not. Which labels are enabled is decided per request, as the Apollo router does:

- `percent(P)` is enabled for P percent of requests, drawn at random (`LabelRoll`): the ramp
  the subgraph team asked for; `percent(100)` always, `percent(0)` never;
- any other label is enabled only if the gateway's settings name it
  (PARTYGRID_GATEWAY_OVERRIDE_LABELS); nobody enabled it otherwise.

The planner keeps a routing for each of the few most recent sets of enabled labels (made from
the parsed supergraph by re-routing only the labelled fields) and caches plans per set. A plain `@override(from:)` (no label) is settled
by composition: the overridden side has no `@join__field` left, or one with `usedOverridden`
(kept to feed keys and @requires only).
"""

from __future__ import annotations

import random
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


def percent_of(label: str) -> float | None:
    """P of a `percent(P)` label; None for any other label."""
    found = _PERCENT.match(label.strip())
    return float(found.group(1)) if found else None


def label_enabled(label: str) -> bool:
    """Whether `label` is enabled on every request without settings: only `percent(100)`
    (and above). The labels a gateway starts with; see `LabelRoll` for per-request ones."""
    percent = percent_of(label)
    return percent is not None and percent >= 100


def always_enabled(labels: Iterable[str]) -> frozenset[str]:
    """The labels of `labels` enabled on every request without settings."""
    return frozenset(label for label in labels if label_enabled(label))


def overridden_away(
    joins: Iterable[_Join], enabled: frozenset[str] | None = None
) -> frozenset[str]:
    """Subgraphs whose `@join__field` must not resolve the field when `enabled` are the enabled
    labels (None: those `label_enabled` names)."""
    joins = tuple(joins)
    away: set[str] = set()
    for join in joins:
        if join.override_label is None or join.graph is None:
            continue
        label = join.override_label
        moved = label_enabled(label) if enabled is None else label in enabled
        if join.override is not None:
            # The overriding side: it resolves only once the label is enabled; the `from`
            # subgraph then no longer does.
            away.add(join.override if moved else join.graph)
        elif moved:
            away.add(join.graph)  # the overridden side of an enabled label
    return frozenset(away)


class LabelRoll:
    """Draws the enabled labels of one request."""

    def __init__(
        self,
        labels: Iterable[str],
        configured: Iterable[str] = (),
        rng: random.Random | None = None,
    ) -> None:
        wanted = frozenset(configured)
        self.fixed = frozenset(
            label
            for label in labels
            if label_enabled(label) or (percent_of(label) is None and label in wanted)
        )
        self.ramps = tuple(
            sorted(
                (label, percent)
                for label in labels
                if (percent := percent_of(label)) is not None and 0 < percent < 100
            )
        )
        self.rng = rng or random.Random()

    def roll(self) -> frozenset[str]:
        """The labels enabled for one request."""
        if not self.ramps:
            return self.fixed
        drawn = [label for label, percent in self.ramps if self.rng.random() * 100 < percent]
        return self.fixed | frozenset(drawn) if drawn else self.fixed
