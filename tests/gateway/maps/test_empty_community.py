"""Empty is a state, not an error: a community with no zones (right after a buildings-only
import) or with neither zones nor buildings (a new community) renders its map, print and
planner pages, and the street and district pages that hold it, saying what is missing."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import psycopg
import pytest

from infra.demo.model import Demo
from infra.setup import Prepared
from stack import DISTRICT, Running

# Restored in this order (zones first: buildings derive their zone from them by trigger).
TABLES = ("zone", "building")


def _columns(conn: psycopg.Connection, table: str) -> str:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'grid' "
        "AND table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return ", ".join(f'"{r[0]}"' for r in rows)


@pytest.fixture
def emptied(prepared: Prepared, demo: Demo) -> Iterator[Callable[[str, tuple[str, ...]], None]]:
    """`empty(code, tables)` removes a community's zones (and buildings) for the test; they
    are put back exactly afterwards, from copies kept in the same admin session."""
    conn = psycopg.connect(prepared.database.admin_conninfo, autocommit=True)
    saved: list[tuple[str, str]] = []

    def empty(code: str, tables: tuple[str, ...]) -> None:
        for table in TABLES:
            if table not in tables:
                continue
            conn.execute(
                f"CREATE TEMP TABLE saved_{table} AS SELECT * FROM grid.{table} "
                "WHERE community_code = %s",
                (code,),
            )
            saved.append((table, code))
        for table in reversed(TABLES):
            if table in tables:
                conn.execute(f"DELETE FROM grid.{table} WHERE community_code = %s", (code,))

    try:
        yield empty
    finally:
        for table, _code in saved:
            columns = _columns(conn, table)
            conn.execute(
                f"INSERT INTO grid.{table} ({columns}) SELECT {columns} FROM saved_{table}"
            )
        conn.close()


def _page(running: Running, path: str) -> httpx.Response:
    return httpx.get(
        running.gateway.replace("/graphql", path),
        headers=running.headers(running.gateway, DISTRICT),
        timeout=60,
    )


@pytest.mark.parametrize(
    ("tables", "messages", "absent"),
    [
        (("zone",), ["暂无片区"], ["暂无楼栋"]),
        (("zone", "building"), ["暂无片区", "暂无楼栋"], []),
    ],
    ids=["buildings-only", "nothing"],
)
def test_an_empty_community_renders_its_pages(
    running: Running,
    demo: Demo,
    emptied: Callable[[str, tuple[str, ...]], None],
    tables: tuple[str, ...],
    messages: list[str],
    absent: list[str],
) -> None:
    code = demo.communities[-1].code
    emptied(code, tables)
    for path in (f"/maps/coverage/{code}", f"/maps/coverage/{code}/print?size=A4"):
        response = _page(running, path)
        assert response.status_code == 200, (path, response.text[:500])
        for message in messages:
            assert message in response.text, (path, message)
        for message in absent:
            assert message not in response.text, (path, message)
    english = _page(running, f"/maps/coverage/{code}?lang=en")
    assert english.status_code == 200 and "No zones yet" in english.text
    for path in (f"/maps/coverage/{code[:9]}", f"/maps/coverage/{code[:6]}", "/maps/coverage"):
        response = _page(running, path)
        assert response.status_code == 200, (path, response.text[:500])
    planner = _page(running, f"/maps/planner/{code}")
    assert planner.status_code == 200, planner.text[:500]
    state = _page(running, f"/maps/planner/{code}/state")
    assert state.status_code == 200, state.text[:500]
