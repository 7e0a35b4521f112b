"""Migrations from an empty database, one history per service schema, and role isolation."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

from infra.database import Database, external_database, role_of
from infra.settings import SERVICES, SuiteSettings
from infra.setup import Prepared, prepare_and_migrate
from services.assess.all_tables import metadata as assess_metadata
from services.common.migrations import downgrade, upgrade
from services.grid.models import metadata as grid_metadata
from services.org.models import metadata as org_metadata
from stack import scratch_database

METADATA = {"org": org_metadata, "grid": grid_metadata, "assess": assess_metadata}
EMPTY_DB = "partygrid_migrations_test"


@pytest.fixture
def empty_database(prepared: Prepared, suite_settings: SuiteSettings) -> Iterator[Database]:
    """A brand-new database on the test server (private cluster or DATABASE_URL), dropped
    afterwards."""
    with scratch_database(prepared.database.admin_conninfo, EMPTY_DB):
        cluster = prepared.cluster
        if cluster is None:
            url = make_url(suite_settings.database_url).set(database=EMPTY_DB)
            yield external_database(
                url.render_as_string(hide_password=False),
                role_password=prepared.database.role_password,
            )
            return
        yield Database(
            admin_conninfo=cluster.conninfo(database=EMPTY_DB),
            service_urls={s: cluster.url(user=role_of(s), database=EMPTY_DB) for s in SERVICES},
            role_password=cluster.role_password,
        )


def _tables(conninfo: str, schema: str) -> set[str]:
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (schema,),
        ).fetchall()
    return {r[0] for r in rows}


def test_empty_database_migrates_to_head_down_and_up_again(empty_database: Database) -> None:
    prepare_and_migrate(empty_database, what="the test cluster")
    for service in SERVICES:
        tables = _tables(empty_database.admin_conninfo, service)
        assert set(METADATA[service].tables) == {
            f"{service}.{t}" for t in tables - {"alembic_version"}
        }
        assert "alembic_version" in tables  # each schema keeps its own history
    for service in reversed(SERVICES):
        downgrade(service, empty_database.service_urls[service])
        assert _tables(empty_database.admin_conninfo, service) == {"alembic_version"}
    for service in SERVICES:
        upgrade(service, empty_database.service_urls[service])
    # The reference data step is idempotent: a second run changes nothing.
    prepare_and_migrate(empty_database, what="the test cluster")


@pytest.mark.parametrize("service", SERVICES)
def test_models_match_the_migrated_schema(prepared: Prepared, service: str) -> None:
    """Alembic autogenerate finds nothing to do: models.py and the migrations agree."""
    engine = create_engine(
        prepared.database.service_urls[service],
        poolclass=pool.NullPool,
        connect_args={"options": "-c search_path=public"},  # as the migrations' env.py does
    )
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "include_schemas": True,
                "include_name": lambda name, type_, _p: type_ != "schema" or name == service,
                "include_object": lambda _obj, name, _type, *_: name != "alembic_version",
            },
        )
        diff = compare_metadata(context, METADATA[service])
    engine.dispose()
    assert diff == [], f"models.py and the migrations of {service} disagree: {diff}"


@pytest.mark.parametrize(
    ("service", "other"), [("grid", "org"), ("org", "grid"), ("assess", "org")]
)
def test_a_service_role_cannot_touch_another_schema(
    prepared: Prepared, service: str, other: str
) -> None:
    """ARCHITECTURE "Data": one schema and one role per service; a role touches only its own."""
    engine = create_engine(prepared.database.service_urls[service], poolclass=pool.NullPool)
    table = next(iter(METADATA[other].tables))
    with engine.connect() as conn, pytest.raises(Exception, match="permission denied"):
        conn.execute(text(f"SELECT 1 FROM {table} LIMIT 1"))
    with engine.connect() as conn:  # its own schema is fine
        own = next(iter(METADATA[service].tables))
        conn.execute(text(f"SELECT 1 FROM {own} LIMIT 1"))
    engine.dispose()
