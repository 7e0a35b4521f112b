"""Async database engine for a subgraph (SQLAlchemy over psycopg 3)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def make_engine(url: str, *, pool_size: int = 5) -> AsyncEngine:
    """One pooled engine per process; `pool_pre_ping` survives a database restart."""
    return create_async_engine(url, pool_size=pool_size, pool_pre_ping=True)


async def ping(engine: AsyncEngine) -> bool:
    """True when the database answers; used by /healthz."""
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:  # any failure means "not healthy"; /healthz reports, never raises
        return False
    return True


async def inactive_slots(engine: AsyncEngine) -> list[str]:
    """Replication slots no replica uses: each keeps WAL on the primary's disk until dropped
    (`partygrid replica remove`). Empty when it cannot be read; /healthz reports, never raises."""
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT slot_name FROM pg_replication_slots WHERE NOT active ORDER BY 1")
            )
            return [str(row[0]) for row in rows]
    except Exception:  # the database is down: ping says so
        return []
