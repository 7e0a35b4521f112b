"""Restoring the private cluster's backups into a DATABASE_URL server (`partygrid restore
--into-database-url`): a district moving from the private cluster to a managed PostgreSQL
server, or a server recovered from the private cluster's backups.

pgBackRest restores a cluster's files, so it cannot write into a server it does not run
beside. Instead the repository (PARTYGRID_BACKUP_REPO, taken from the private cluster) is
restored, to the moment asked for, into a scratch cluster of its own (never the live private
cluster), and its four schemas are copied into the target with PostgreSQL's own pg_dump and
pg_restore: a logical copy of PartyGrid's data at that moment, not a point-in-time recovery
of the target server's own history (its other databases, roles and settings are left alone).

On the target, the four schemas are dropped whole and made again (roles with this machine's
role password, each schema owned by its role), then each is loaded by its own role, so every
table, sequence, function and trigger is owned by the service that uses it, as migrations
make them, and no superuser is needed on the target. Dropping the schemas (rather than
`pg_restore --clean`, which drops only what the dump holds) leaves nothing of the target's
former state behind: no row, and no table a later migration made that the restored version
lacks. Then migrations run forward and every session ends, as after a private restore.

Passwords: the scratch cluster's superuser signs in through libpq's password file
(`Cluster.pgpass_file`), the target's roles through PGPASSWORD in the child's environment;
never argv.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import make_url

from infra import backup, pgbackrest, wal_replay
from infra.child_env import for_postgres
from infra.cluster import ADMIN, SOCKET_PORT, Cluster
from infra.database import (
    SCHEMAS,
    Database,
    connect_admin,
    external_database,
    prepare_schemas,
    role_of,
)
from infra.errors import SetupError
from infra.settings import AUTH_SCHEMA, SuiteSettings
from infra.setup import prepare_and_migrate, private_cluster, role_password

SCRATCH = "restore-scratch"
WHAT = "DATABASE_URL"
# A service still connected to the target holds its tables: the drop waits this long, then
# says so, rather than hanging behind it.
LOCK_TIMEOUT = "10s"


@dataclass(frozen=True)
class RestoredInto:
    point: str  # what the target now holds: up to when
    target: str  # the server and database, without the password
    sessions_ended: int
    # Seconds of each step: pgBackRest's copy into the scratch cluster, its WAL replayed,
    # pg_dump, pg_restore into the target, migrations.
    steps: dict[str, float]


def target_name(settings: SuiteSettings) -> str:
    """DATABASE_URL's user, server and database, for messages: never its password."""
    if not settings.database_url:
        raise SetupError(
            "--into-database-url restores into the server DATABASE_URL names, and it is unset",
            "set DATABASE_URL=postgresql://ADMIN:PASSWORD@HOST:PORT/DATABASE (a server with "
            "PostGIS), or leave out --into-database-url to restore the private cluster",
        )
    url = make_url(settings.database_url)
    host = url.host or url.query.get("host") or "localhost"
    port = f":{url.port}" if url.port else ""
    return f"{url.username or ''}@{host}{port}/{url.database or ''}"


def scratch_cluster(settings: SuiteSettings) -> Cluster:
    """The throw-away cluster the repository is restored into: beside the private cluster's
    folder (`<data folder>/restore-scratch`), run by the same user, without fsync (a crash
    only means starting again) and without WAL archiving (its new timeline must never reach
    the private cluster's repository)."""
    source = private_cluster(settings)
    if source.root.is_relative_to(settings.data_dir):
        root = settings.data_dir / SCRATCH
    else:  # the cluster's user cannot reach the data folder: a temp folder of its own
        root = source.root.with_name(f"{source.root.name}-{SCRATCH}")
    return Cluster(root=root, bindir=source.bindir, run_as=source.run_as, fast_unsafe=True)


def _discard(scratch: Cluster) -> None:
    scratch.stop()  # a restore that died may have left it running
    shutil.rmtree(scratch.root, ignore_errors=True)


# libpq's variables that would sign in elsewhere or otherwise than each call says (a
# PGPASSWORD beats the password file; PGHOSTADDR, a service file, beat or add to the host named).
# The rest (PGSSLROOTCERT, PGSSLMODE, PGCONNECT_TIMEOUT...) stay: a managed server may need them.
_NOT_PASSED = frozenset(
    {
        "PGPASSWORD",
        "PGPASSFILE",
        "PGHOST",
        "PGHOSTADDR",
        "PGPORT",
        "PGUSER",
        "PGDATABASE",
        "PGSERVICE",
        "PGSERVICEFILE",
    }
)


def _client_env(**values: str) -> dict[str, str]:
    """Our environment for a client program, without what would override the call, plus
    `values`."""
    kept = {key: value for key, value in for_postgres().items() if key not in _NOT_PASSED}
    return {**kept, **values}


def _run_as(
    cluster: Cluster, args: list[str], env: dict[str, str], *, as_owner: bool = True
) -> str | None:
    """Run a PostgreSQL client program of the cluster's bindir as the cluster's user (it owns
    the scratch folder and its socket), or as ourselves (`as_owner=False`: a program holding
    the target's password, which no other process of that user may read, and reading
    whatever TLS files the target needs); None when it succeeded, else its last error line."""
    cmd = [str(cluster.bindir / args[0]), *args[1:]]
    if cluster.run_as and as_owner:
        cmd = ["runuser", "-u", cluster.run_as, "--", *cmd]  # keeps the environment
    done = subprocess.run(
        cmd, env=env, capture_output=True, text=True, check=False, cwd="/", umask=0o077
    )
    if done.returncode == 0:
        return None
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or [f"exit status {done.returncode}"])[-1]


# -- 1. the repository, to the moment, in the scratch cluster -----------------------------------


def _restore_scratch(
    settings: SuiteSettings, scratch: Cluster, to: dt.datetime | None, label: str | None
) -> tuple[wal_replay.Replayed, dict[str, float]]:
    """pgBackRest's restore of the private cluster's repository into the scratch cluster, as
    `partygrid restore` chooses it (the backup, the timeline, the target), replayed to
    promotion."""
    repo = pgbackrest.repo_folder(settings, private_cluster(settings))
    paths = pgbackrest.prepare(settings.model_copy(update={"backup_repo": repo}), scratch)
    info = backup.stanza_info(scratch, paths)
    # The timeline the database ran on at `to` (an earlier restore's timeline lacks what its
    # parent committed after that restore's target), as `partygrid restore` follows it.
    history = backup.timeline_for(scratch, paths, info, to) if label is None else (1, {})
    args = backup.restore_args(backup.backups_of(info), history, to, label)
    clock = time.monotonic()
    pgbackrest.checked(
        scratch,
        paths,
        "restore",
        *args,
        fix=f"see the message above; pgBackRest's log is in {paths.work / 'log'}",
    )
    steps = {"copy": time.monotonic() - clock}
    clock = time.monotonic()
    replayed = wal_replay.replay(scratch)  # no archive_command: nothing reaches the repository
    steps["replay"] = time.monotonic() - clock
    return replayed, steps


# -- 2. its schemas, dumped --------------------------------------------------------------------


def _dump(scratch: Cluster, db_name: str, folder: Path) -> None:
    """pg_dump's directory format of the four schemas (two jobs), as the scratch cluster's
    superuser signed in through its password file."""
    conninfo = make_conninfo(
        host=str(scratch.socket_dir), port=SOCKET_PORT, user=ADMIN, dbname=db_name
    )
    env = _client_env(PGPASSFILE=str(scratch.pgpass_file()))
    args = ["pg_dump", "--format=directory", "--jobs=2", "--no-sync", f"--file={folder}"]
    problem = _run_as(
        scratch, [*args, *(f"--schema={name}" for name in SCHEMAS), f"--dbname={conninfo}"], env
    )
    if problem is not None:
        raise SetupError(
            f"pg_dump of the restored database {db_name!r} failed: {problem}",
            "PARTYGRID_DB_NAME must name the database the backups hold (as on the machine "
            "that took them); nothing was changed on the DATABASE_URL server",
        )


# -- 3. the target's schemas replaced ----------------------------------------------------------


def _check_target(db: Database) -> None:
    """Before the long part: the target answers as admin and has PostGIS."""
    with connect_admin(db.admin_conninfo, what=WHAT) as conn:
        available = conn.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
        ).fetchone()
    if not available:
        raise SetupError(
            f"PostGIS is not available on the {WHAT} server",
            "install PostGIS on that server (postgresql-15-postgis-3), or unset DATABASE_URL",
        )


def _drop_schemas(db: Database) -> None:
    with connect_admin(db.admin_conninfo, what=WHAT) as conn:
        # Idle pools hold no lock, so the lock timeout alone would not see a suite still
        # running on the server (another machine's `partygrid up`): its sessions are.
        connected = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE usename LIKE 'partygrid\\_%'"
            " AND datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
        if connected and connected[0]:
            raise SetupError(
                f"{connected[0]} session(s) of PartyGrid's services are connected to the {WHAT} "
                "server",
                "stop the services using that server (partygrid up, on any machine), then "
                "restore again; nothing was changed",
            )
        conn.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        names = sql.SQL(", ").join(sql.Identifier(name) for name in SCHEMAS)
        try:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(names))
        except psycopg.errors.LockNotAvailable:
            raise SetupError(
                f"PartyGrid's schemas on the {WHAT} server are in use (waited {LOCK_TIMEOUT})",
                "stop the services using that server (partygrid up, on any machine), then "
                "restore again; nothing was changed",
            ) from None


def _role_uri(url: str) -> str:
    """A role's libpq URI without its password (that goes by PGPASSWORD)."""
    return make_url(url).set(drivername="postgresql", password=None).render_as_string(False)


def _load(scratch: Cluster, db: Database, folder: Path) -> None:
    """pg_restore of each schema as its own role: everything it makes is that role's."""
    assert db.role_password is not None  # external_database always has one
    env = _client_env(PGPASSWORD=db.role_password)
    urls = {**db.service_urls, AUTH_SCHEMA: db.auth_url}
    for name in SCHEMAS:
        args = ["pg_restore", "--format=directory", "--jobs=2", "--no-owner", "--exit-on-error"]
        problem = _run_as(
            scratch,
            [*args, f"--schema={name}", f"--dbname={_role_uri(urls[name])}", str(folder)],
            env,
            as_owner=False,
        )
        if problem is not None:
            raise SetupError(
                f"pg_restore of the schema {name} as {role_of(name)} failed: {problem}",
                "the DATABASE_URL server now holds part of the restore: see the message "
                "above, then run the same partygrid restore again (it starts afresh)",
            )


def restore_into(
    settings: SuiteSettings, *, to: dt.datetime | None = None, label: str | None = None
) -> RestoredInto:
    """Replace PartyGrid's schemas on the DATABASE_URL server with the private cluster's
    backups: the end of the WAL archive, the moment `to`, or the backup `label`. Needs this
    data folder's suite stopped (its RunLock; the scratch cluster lives there too)."""
    target = target_name(settings)
    if to is not None and to > dt.datetime.now(dt.UTC):
        raise SetupError(
            f"{to.isoformat()} is in the future",
            "give a past moment (partygrid backups shows the window), or no --to for the latest",
        )
    db = external_database(settings.database_url or "", role_password=role_password(settings))
    _check_target(db)
    scratch = scratch_cluster(settings)
    lock = backup.take_lock(settings)
    try:
        _discard(scratch)
        replayed, steps = _restore_scratch(settings, scratch, to, label)
        clock = time.monotonic()
        scratch.start()  # socket only; its superuser's password set afresh
        scratch.wait_promoted()
        _dump(scratch, settings.db_name, scratch.root / "dump")
        scratch.stop()
        steps["dump"] = time.monotonic() - clock
        clock = time.monotonic()
        _drop_schemas(db)
        prepare_schemas(db, what=WHAT)
        _load(scratch, db, scratch.root / "dump")
        steps["load"] = time.monotonic() - clock
        clock = time.monotonic()
        prepare_and_migrate(db, what=WHAT)  # the backup may be older than the code
        ended = backup.end_sessions(settings, db.auth_url)
        steps["migrate"] = time.monotonic() - clock
    finally:
        _discard(scratch)
        lock.release()
    return RestoredInto(backup.restored_point(to, label, replayed), target, ended, steps)
