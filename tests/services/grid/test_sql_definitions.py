"""Grid's functions and triggers have one source: services/grid/sql/{functions,triggers}/*.sql.

After migrating, every function and trigger of the grid schema must have its file, every
file its object, and each file must define exactly what the database holds: the file is run
inside a transaction that is rolled back, and the database's own rendering of the object
(`pg_get_functiondef`, `pg_get_triggerdef`, which normalise spacing, quoting and defaults)
must not change. A migration that redefines an object without its file, or a file edited
without a migration, fails here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, create_engine, pool, text

from infra.setup import Prepared
from services.grid.sql import definition, definition_names, postgis_schema

FUNCTIONS = """
SELECT p.proname FROM pg_proc p
WHERE p.pronamespace = 'grid'::regnamespace
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
"""
TRIGGERS = """
SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE c.relnamespace = 'grid'::regnamespace AND NOT t.tgisinternal
"""
RENDERED = {
    "functions": "SELECT pg_get_functiondef(p.oid) FROM pg_proc p "
    "WHERE p.pronamespace = 'grid'::regnamespace AND p.proname = :name",
    "triggers": "SELECT pg_get_triggerdef(t.oid, true) FROM pg_trigger t "
    "JOIN pg_class c ON c.oid = t.tgrelid "
    "WHERE c.relnamespace = 'grid'::regnamespace AND t.tgname = :name",
}


@pytest.fixture(scope="module")
def conn(prepared: Prepared) -> Iterator[Connection]:
    engine = create_engine(prepared.database.service_urls["grid"], poolclass=pool.NullPool)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def _rendered(conn: Connection, name: str) -> list[str]:
    kind, _slash, obj = name.partition("/")
    return list(conn.execute(text(RENDERED[kind]), {"name": obj}).scalars())


def before_and_after(conn: Connection, name: str, statement: str) -> tuple[list[str], list[str]]:
    """The database's rendering of the object `name` ("functions/zone_of") as migrated, and
    after running `statement` in the migrations' search path; nothing stays changed."""
    with conn.begin() as transaction:
        conn.execute(text('SET LOCAL search_path TO "grid", public'))
        before = _rendered(conn, name)
        conn.execute(text(statement))  # as alembic's op.execute runs it
        after = _rendered(conn, name)
        transaction.rollback()
    return before, after


def test_every_function_and_trigger_has_its_file(conn: Connection) -> None:
    in_database = {f"functions/{n}" for n in conn.execute(text(FUNCTIONS)).scalars()}
    in_database |= {f"triggers/{n}" for n in conn.execute(text(TRIGGERS)).scalars()}
    conn.rollback()
    assert in_database == set(definition_names())


@pytest.mark.parametrize("name", definition_names())
def test_the_file_is_what_the_database_holds(conn: Connection, name: str) -> None:
    statement = definition(name, postgis=postgis_schema(conn))
    conn.rollback()
    before, after = before_and_after(conn, name, statement)
    assert len(before) == 1, f"{name}: no such object in the grid schema"
    assert after == before, f"{name}: the file differs from the migrated database"


def test_a_drifted_definition_is_told(conn: Connection) -> None:
    """The comparison sees a change in a body, in a trigger's events and in a clause."""
    postgis = postgis_schema(conn)
    conn.rollback()
    drifts = {
        "functions/zone_of": ("SELECT h FROM", "SELECT h FROM zone_holding(p_community, NULL) x,"),
        "triggers/zone_check_shape": ("UPDATE OF boundary, community_code", "UPDATE OF boundary"),
        "functions/natural_key": ("IMMUTABLE", "STABLE"),
    }
    for name, (old, new) in drifts.items():
        original = definition(name, postgis=postgis)
        assert old in original
        before, after = before_and_after(conn, name, original.replace(old, new, 1))
        assert after != before, name
