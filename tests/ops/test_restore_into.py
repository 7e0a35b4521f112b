"""`partygrid restore --into-database-url` for real (slow tier): the private cluster's backups
restored, to a moment between two commits, into another server named by DATABASE_URL.

Two own clusters: the source, with WAL archiving, backed up by `partygrid backup` around a few
known rows; and the "DATABASE_URL server", a second private cluster reached as its superuser
over its socket, already holding an older PartyGrid of its own. After the restore the target
holds exactly the source's rows of that moment and none of its own, each schema and everything
in it is its service role's, the services start on it and answer from it, and a refresh token
issued before the backup no longer refreshes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from own_suite import (
    OwnDatabase,
    ops_settings,
    own_database,
    own_folder,
    own_run,
    user_with_refresh_token,
)

from infra.cli import main
from infra.database import SCHEMAS, external_database, role_of
from infra.setup import role_password, token_keys
from stack import Running, started

pytestmark = pytest.mark.slow

SOURCE = ops_settings("into-src", archive=True, demo=False)
TARGET = ops_settings("into-dst", demo=False)
USER, PASSWORD = "into-drill", "Moving-day-password-2026"

LOGIN = """mutation ($u: String!, $p: String!) { login(username: $u, password: $p) {
  session { accessToken refreshToken } errors { code } } }"""
REFRESH = """mutation ($t: String!) { refresh(token: $t) {
  session { accessToken } errors { code } } }"""
REGIONS = '{ regions(parentCode: "410104") { code } }'


@dataclass(frozen=True)
class Moved:
    target: OwnDatabase
    database_url: str
    token: str  # a refresh token issued before the backup
    output: str  # what the restore printed
    owners: list[tuple[str, str, str]]  # (kind, name, owner) of everything in the schemas


def _region(conninfo: str, code: str, name: str, parent: str | None) -> dt.datetime:
    """A region committed; the database's clock just after."""
    level = "district" if parent is None else "street"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO org.region (code, name, name_en, level, parent_code)"
            " VALUES (%s, %s, %s, %s, %s)",
            (code, name, name, level, parent),
        )
        moment = conn.execute("SELECT clock_timestamp()").fetchone()
    assert moment is not None
    return moment[0]


def _cli(env: pytest.MonkeyPatch, database_url: str | None, *argv: str) -> tuple[int, str]:
    """`partygrid ARGV` on the source's data folder, with DATABASE_URL as given: its exit
    status and what it printed."""
    if database_url is None:
        env.delenv("DATABASE_URL", raising=False)
    else:
        env.setenv("DATABASE_URL", database_url)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue() + err.getvalue()


def _owners(conninfo: str) -> list[tuple[str, str, str]]:
    """Every schema of PartyGrid and every relation, function and type in them, with its
    owner."""
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            """
            SELECT 'schema', nspname, pg_get_userbyid(nspowner) FROM pg_namespace
             WHERE nspname = ANY(%(s)s)
            UNION ALL
            SELECT 'relation', n.nspname || '.' || c.relname, pg_get_userbyid(c.relowner)
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = ANY(%(s)s)
            UNION ALL
            SELECT 'function', n.nspname || '.' || p.proname, pg_get_userbyid(p.proowner)
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = ANY(%(s)s)
            UNION ALL
            SELECT 'type', n.nspname || '.' || t.typname, pg_get_userbyid(t.typowner)
              FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname = ANY(%(s)s)
            """,
            {"s": list(SCHEMAS)},
        ).fetchall()
    return [(kind, name, owner) for kind, name, owner in rows]


@pytest.fixture(scope="module")
def moved() -> Iterator[Moved]:
    """The target first (an older PartyGrid with a row of its own), then the source: a row,
    a full backup, a second row, the moment, a third row, an incremental backup (which also
    archives the WAL past the moment); the source stopped; the restore into the target."""
    with (
        pytest.MonkeyPatch.context() as env,
        own_database(TARGET) as target,
        own_folder(SOURCE) as source,
    ):
        for name, value in {
            "PARTYGRID_DATA_DIR": str(source.data_dir),
            "PARTYGRID_DB_NAME": source.db_name,
            "PARTYGRID_DEMO": "false",
            "PARTYGRID_ARCHIVE": "true",
            "PARTYGRID_BACKUP_REPO": str(source.backup_folder),
        }.items():
            env.setenv(name, value)
        database_url = target.cluster.url(user="postgres", database=TARGET.db_name)
        _region(target.prepared.database.admin_conninfo, "410199", "旧库", None)
        with own_run(source) as run:
            admin = run.prepared.database.admin_conninfo
            assert run.prepared.database.auth_url
            token = asyncio.run(
                user_with_refresh_token(run.prepared.database.auth_url, USER, PASSWORD, "district")
            )
            _region(admin, "410104", "管城回族区", None)
            assert _cli(env, None, "backup", "--full")[0] == 0
            # Backups' stop times are whole seconds: a moment is restorable from one second
            # after the listed stop, so the second row comes after it.
            time.sleep(1.1)
            _region(admin, "410104001", "北下街街道", "410104")
            time.sleep(0.2)  # the moment lies clearly between the two commits
            with psycopg.connect(admin) as conn:
                row = conn.execute("SELECT clock_timestamp()").fetchone()
            assert row is not None
            between = row[0].isoformat()
            time.sleep(0.2)
            _region(admin, "410104002", "西大街街道", "410104")
            assert _cli(env, None, "backup", "--incr")[0] == 0
            # While a run holds the source's data folder, nothing is restored.
            code, out = _cli(
                env, database_url, "restore", "--to", between, "--into-database-url", "--yes"
            )
            assert code == 2 and "stop partygrid up first" in out, out
        code, out = _cli(
            env, database_url, "restore", "--to", between, "--into-database-url", "--yes"
        )
        assert code == 0, out
        yield Moved(
            target, database_url, token, out, _owners(target.prepared.database.admin_conninfo)
        )


def _codes(conninfo: str) -> list[str]:
    with psycopg.connect(conninfo) as conn:
        return [r[0] for r in conn.execute("SELECT code FROM org.region ORDER BY code")]


def test_the_target_holds_exactly_the_rows_of_the_moment(moved: Moved) -> None:
    assert "restored postgres@" in moved.output and "every session ended" in moved.output
    # The source's rows up to the moment; the target's own row is gone.
    assert _codes(moved.target.prepared.database.admin_conninfo) == ["410104", "410104001"]
    # The scratch cluster the repository was restored into is gone; the source untouched.
    assert sorted(p.name for p in SOURCE.data_dir.iterdir() if p.is_dir()) == ["backups", "pg"]


def test_every_schema_and_what_it_holds_belongs_to_its_service_role(moved: Moved) -> None:
    schemas = {name: owner for kind, name, owner in moved.owners if kind == "schema"}
    assert schemas == {name: role_of(name) for name in SCHEMAS}
    strangers = [
        (kind, name, owner)
        for kind, name, owner in moved.owners
        if owner != role_of(name.split(".")[0])
    ]
    assert strangers == []
    assert len(moved.owners) > 50  # tables, indexes, sequences, functions of four schemas


def test_the_services_start_on_the_target_and_sessions_from_before_are_spent(
    moved: Moved, tmp_path: Path
) -> None:
    # As `partygrid up` with DATABASE_URL would start them from the source's data folder:
    # this machine's role password and signing keys.
    db = external_database(moved.database_url, role_password=role_password(SOURCE))
    with started(db, token_keys(SOURCE), tmp_path) as running:
        answer = running.post(running.gateway, REGIONS)
        assert answer == {"data": {"regions": [{"code": "410104001"}]}}, answer
        spent = _post(running, REFRESH, {"t": moved.token})
        assert spent["session"] is None and spent["errors"], spent
        signed_in = _post(running, LOGIN, {"u": USER, "p": PASSWORD})
        assert signed_in["session"]["accessToken"], signed_in  # the restored user signs in


def _post(running: Running, query: str, variables: dict[str, str]) -> dict:
    answer = running.post(running.gateway, query, variables, identity=None)
    assert "errors" not in answer, answer
    return next(iter(answer["data"].values()))


def test_a_restore_into_names_its_target_or_is_refused(moved: Moved) -> None:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PARTYGRID_DATA_DIR", str(SOURCE.data_dir))
        code, out = _cli(env, None, "restore", "--into-database-url", "--yes")
        assert code == 2 and "DATABASE_URL" in out and "unset" in out, out
        # DATABASE_URL set, no --into-database-url: the private restore refuses, naming it.
        code, out = _cli(env, moved.database_url, "restore", "--yes")
        assert code == 2 and "--into-database-url" in out, out
    for said in (out, moved.output):
        assert moved.target.cluster.admin_password not in said
        assert role_password(SOURCE) not in said
