"""The region tree: district -> street office or township -> community (区划代码 keyed)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import is_region_code
from services.org.models import region


async def regions_by_code(conn: AsyncConnection, codes: Sequence[str]) -> list[dict | None]:
    rows = (await conn.execute(select(region).where(region.c.code.in_(codes)))).mappings()
    found = {row["code"]: dict(row) for row in rows}
    return [found.get(code) for code in codes]


async def children_of(conn: AsyncConnection, codes: Sequence[str]) -> list[list[dict]]:
    """Each region's children, ordered by code."""
    rows = (
        await conn.execute(
            select(region).where(region.c.parent_code.in_(codes)).order_by(region.c.code)
        )
    ).mappings()
    grouped: dict[str, list[dict]] = {code: [] for code in codes}
    for row in rows:
        grouped[row["parent_code"]].append(dict(row))
    return [grouped[code] for code in codes]


async def list_regions(
    conn: AsyncConnection, *, level: str | None = None, parent_code: str | None = None
) -> list[dict]:
    query = select(region).order_by(region.c.code)
    if level is not None:
        query = query.where(region.c.level == level)
    if parent_code is not None:
        query = query.where(region.c.parent_code == parent_code)
    return [dict(row) for row in (await conn.execute(query)).mappings()]


def prefixes(codes: Sequence[str]) -> list[str]:
    """LIKE patterns (`:prefixes`) for the communities at or below these regions; a code that is not 6, 9 or 12
    digits is refused (so no code carries a LIKE wildcard)."""
    bad = [code for code in codes if not is_region_code(code)]
    if bad:
        raise ValueError(
            f"regionCodes {bad!r}: expected 6 (district), 9 (street) or 12 (community) digits"
        )
    return [f"{code}%" for code in codes]


async def communities_under(conn: AsyncConnection, code: str) -> list[dict]:
    """Every community at or below a region, ordered by code (codes nest by prefix)."""
    query = (
        select(region)
        .where(region.c.level == "community", region.c.code.startswith(code, autoescape=True))
        .order_by(region.c.code)
    )
    return [dict(row) for row in (await conn.execute(query)).mappings()]
