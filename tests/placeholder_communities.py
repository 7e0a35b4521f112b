"""Grid communities made for one test (tiny boundaries under a code no demo place uses),
and the plain SQL the import tests read them back with."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import create_engine, pool, text


def sql(url: str, statement: str, **params: Any) -> list:
    """Run one statement as the role of `url`, committed; its rows, if any."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return result.all() if result.returns_rows else []
    finally:
        engine.dispose()


@contextlib.contextmanager
def placeholder_communities(grid: str, areas: Mapping[str, BaseGeometry]) -> Iterator[str]:
    """Insert grid communities `areas` (code -> boundary); remove them, and every zone and
    building imported into them, afterwards. Yields the grid role's URL."""
    for code, area in areas.items():
        sql(
            grid,
            "INSERT INTO grid.community (code, street_code, district_code, boundary) "
            "VALUES (:c, :s, :d, ST_GeomFromText(:b, 4326))",
            c=code,
            s=code[:9],
            d=code[:6],
            b=area.wkt,
        )
    try:
        yield grid
    finally:
        remove_communities(grid, list(areas))


def remove_communities(grid: str, codes: list[str]) -> None:
    """Delete grid communities `codes` and every zone and building in them."""
    for table in ("building", "zone", "community"):
        column = "code" if table == "community" else "community_code"
        sql(grid, f"DELETE FROM grid.{table} WHERE {column} = ANY(:c)", c=codes)
