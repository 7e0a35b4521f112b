"""Assess communities under a standard: computed indicators from the graph (org and
grid) and attested ones from records, measured side by side, then scored."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.assess.grading.scoring import Score, score
from services.assess.metrics import catalog as metrics
from services.assess.metrics.reads import CommunityGraph
from services.assess.records import checks as record_checks
from services.assess.shared import document_owners as owners
from services.assess.shared.peers import Peers
from services.assess.standard.tables import indicator, standard


@dataclass(frozen=True)
class StandardRows:
    standard: dict[str, Any]
    indicators: list[dict[str, Any]]


async def standard_rows(
    engine: AsyncEngine, standard_id: str | None, district: str | None
) -> StandardRows | None:
    """A version `district` sees (its current one when `standard_id` is None) and its
    indicators; None when there is none (another district's version reads as none)."""
    async with engine.connect() as conn:
        if standard_id is None:
            head = await owners.current(conn, standard, standard.c.is_default, district)
        else:
            head = await owners.find(conn, standard, standard_id, district)
        if head is None:
            return None
        rows = await conn.execute(
            select(indicator)
            .where(indicator.c.standard_id == head["id"])
            .order_by(indicator.c.position)
        )
        return StandardRows(head, [dict(r) for r in rows.mappings()])


async def assess(  # noqa: PLR0913 -- the one scoring entry: where to read (engine, peers), what (standard, communities, year) and when
    engine: AsyncEngine,
    peers: Peers,
    rows: StandardRows,
    communities: Sequence[str],
    year: int,
    as_of: dt.date | None = None,
    graph: Mapping[str, CommunityGraph] | None = None,
) -> dict[str, Score]:
    """Each community's score under `rows`; raises SubgraphUnavailableError when the graph
    cannot be read (no computed indicator is guessed). `graph`: the graph already read for
    these communities (`metrics.read` of `rows.indicators`), not read again."""
    as_of = as_of or dt.date.today()
    computed = [r for r in rows.indicators if r["measured"] == "computed"]
    attested = [r for r in rows.indicators if r["measured"] == "attested"]

    async def records() -> dict[str, dict]:
        async with engine.connect() as conn:
            return await record_checks.check(conn, attested, communities, year, as_of)

    from_graph, from_records = await asyncio.gather(
        metrics.measure(peers, computed, communities, as_of, graph), records()
    )
    return {
        code: score(
            rows.standard,
            rows.indicators,
            {**from_graph.get(code, {}), **from_records.get(code, {})},
        )
        for code in communities
    }
