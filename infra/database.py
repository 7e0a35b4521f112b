"""One database, one schema and one role per service, and their migrations.

The admin connection (private cluster superuser or DATABASE_URL) creates roles and schemas;
each service's migrations then run as the service's own role, so it owns its tables and can
touch nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from infra.errors import SetupError
from infra.settings import AUTH_SCHEMA, SERVICES

# Schemas with a role each: the services', and the gateway's users (gateway/auth).
SCHEMAS = (*SERVICES, AUTH_SCHEMA)


def role_of(service: str) -> str:
    """Roles are cluster-wide, so they carry the project's name."""
    return f"partygrid_{service}"


@dataclass(frozen=True)
class Database:
    """How to reach the database as admin and as each service role."""

    admin_conninfo: str  # libpq conninfo, connected to the target database
    service_urls: dict[str, str]  # SQLAlchemy URLs per service
    role_password: str | None
    auth_url: str = ""  # SQLAlchemy URL of the gateway's users (role partygrid_auth)


def external_database(database_url: str, *, role_password: str) -> Database:
    """Roles and URLs for a server given by DATABASE_URL (its database is used as is)."""
    url = make_url(database_url).set(drivername="postgresql+psycopg")
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    services = {
        name: url.set(username=role_of(name), password=role_password).render_as_string(
            hide_password=False
        )
        for name in SERVICES
    }
    auth = url.set(username=role_of(AUTH_SCHEMA), password=role_password).render_as_string(
        hide_password=False
    )
    return Database(
        admin_conninfo=admin, service_urls=services, role_password=role_password, auth_url=auth
    )


def connect_admin(conninfo: str, *, what: str) -> psycopg.Connection:
    """Connect, turning failures into one line of cause and fix."""
    try:
        return psycopg.connect(conninfo, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise SetupError(
            f"cannot connect to {what}: {reason}",
            "check DATABASE_URL (postgresql://user:password@host:port/database), or unset it "
            "to use the private cluster",
        ) from exc


def create_database(maintenance_conninfo: str, name: str) -> None:
    """CREATE DATABASE when absent (private cluster only)."""
    with connect_admin(maintenance_conninfo, what="the private cluster") as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(maintenance_conninfo: str, name: str) -> None:
    with connect_admin(maintenance_conninfo, what="the private cluster") as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def prepare_schemas(db: Database, *, what: str) -> None:
    """PostGIS, then per schema (each service's, and auth): a login role, a schema it owns,
    and nothing for PUBLIC."""
    with connect_admin(db.admin_conninfo, what=what) as conn:
        available = conn.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
        ).fetchone()
        if not available:
            raise SetupError(
                f"PostGIS is not available on {what}",
                "install PostGIS on that server (postgresql-15-postgis-3), or unset DATABASE_URL",
            )
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        dbname = conn.info.dbname
        for service in SCHEMAS:
            _ensure_role(conn, role_of(service), db.role_password)
            role = sql.Identifier(role_of(service))
            schema = sql.Identifier(service)
            conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(schema, role)
            )
            conn.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM PUBLIC").format(schema))
            conn.execute(
                sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(dbname), role)
            )
            conn.execute(
                sql.SQL("ALTER ROLE {} IN DATABASE {} SET search_path = {}, public").format(
                    role, sql.Identifier(dbname), schema
                )
            )


def _ensure_role(conn: psycopg.Connection, role: str, password: str | None) -> None:
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    verb = "ALTER" if exists else "CREATE"
    if password is None:
        conn.execute(sql.SQL(verb + " ROLE {} LOGIN").format(sql.Identifier(role)))
    else:
        conn.execute(
            sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(password)
            )
        )
