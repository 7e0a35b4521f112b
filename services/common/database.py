"""Async database engine for a subgraph (SQLAlchemy over psycopg 3)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

_SLOTS = text(
    "SELECT slot_name FROM pg_replication_slots WHERE NOT active AND slot_type = 'physical'"
    r" AND slot_name LIKE 'partygrid\_%' ORDER BY 1"
)


def make_engine(
    url: str,
    *,
    pool_size: int = 5,
    connect_timeout: int | None = None,
    application_name: str | None = None,
) -> AsyncEngine:
    """One pooled engine per process; `pool_pre_ping` survives a database restart.
    `connect_timeout` (seconds) bounds a connection attempt (a replica that hangs must not
    hang requests); `application_name` names the connections in pg_stat_activity."""
    args: dict[str, object] = {}
    if connect_timeout is not None:
        args["connect_timeout"] = connect_timeout
    if application_name is not None:
        args["application_name"] = application_name
    return create_async_engine(url, pool_size=pool_size, pool_pre_ping=True, connect_args=args)


async def ping(engine: AsyncEngine) -> bool:
    """True when the database answers; used by /healthz."""
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:  # any failure means "not healthy"; /healthz reports, never raises
        return False
    return True


async def inactive_slots(engine: AsyncEngine) -> list[str]:
    """Our replicas' slots (physical, `partygrid_*`) no replica uses: each keeps WAL on the
    primary's disk until dropped (`partygrid replica remove`). Other slots on the server are
    not ours to name (the public /readyz shows these). Empty when it cannot be read: /healthz
    reports, never raises."""
    try:
        async with engine.connect() as conn:
            return [str(row[0]) for row in await conn.execute(_SLOTS)]
    except Exception:  # the database is down: ping says so
        return []
