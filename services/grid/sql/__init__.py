"""Grid's SQL, in one place: the database's own definitions and the named statements.

- `functions/*.sql`, `triggers/*.sql`: the CURRENT definition of every function and trigger
  in the grid schema, one object a file, each a `CREATE OR REPLACE` statement (tests/services/
  grid/test_sql_definitions.py compares each with the migrated database's own and fails on
  any drift, or on an object without a file). PostGIS's schema is written `@postgis@`.
- `queries/*.sql`: statements the service runs (the tiles' layers, the re-assignment).

Migrations never read these files: a migration replays history, so it carries each
statement as it wrote it (a later edit of a file must not change what an old revision
creates, nor what its downgrade restores). A migration that adds or changes a definition
writes the statement in its own file and the same commit updates the file here; the test
proves the files and the database at head agree, so the two cannot drift unnoticed.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sqlalchemy import Connection, text

SQL_DIR = Path(__file__).parent
POSTGIS = "@postgis@"  # PostGIS's schema, in definitions that must name it
# The transaction-local setting under which the triggers let a bulk writer's zone_ids through
# (functions/building_derive_zone.sql) and derive an INSERT's set-wise (building_derive_zones_
# inserted): set with `set_config(BULK_ZONES, 'on', true)`, off again after the statement.
BULK_ZONES = "partygrid.bulk_zone_derivation"


def definition_names() -> list[str]:
    """Every definition file, as "functions/name" and "triggers/name": functions first."""
    return [
        f"{kind}/{path.stem}"
        for kind in ("functions", "triggers")
        for path in sorted((SQL_DIR / kind).glob("*.sql"))
    ]


def postgis_schema(conn: Connection) -> str:
    """The schema PostGIS is installed in (what `@postgis@` stands for)."""
    found = conn.execute(
        text("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'postgis'")
    )
    return str(found.scalar_one())


def definition(name: str, *, postgis: str) -> str:
    """The statement of one definition file ("functions/zone_of"), ready to execute."""
    return (SQL_DIR / f"{name}.sql").read_text().replace(POSTGIS, postgis)


@cache
def query(name: str) -> str:
    """The text of a named statement file (`queries/<name>.sql`)."""
    return (SQL_DIR / "queries" / f"{name}.sql").read_text()
