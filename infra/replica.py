"""Read replicas of the private cluster: PostgreSQL's own streaming replication.

A replica is a physical copy made by `pg_basebackup -Xstream -R -S <slot>` as the replication
role over the primary's socket, kept current by streaming WAL through its own replication slot
(`partygrid_<name>`: the primary keeps the WAL a replica has not received, so a replica that
was down catches up rather than needing a new copy). It lives in `<data_dir>/replicas/<name>`
as a `Cluster` of its own (data/, run/ for its socket, postgres.log), run by the cluster's user,
with `hot_standby_feedback=on` (the primary keeps rows a replica's long read still needs, so
reports are not cancelled by vacuum) and `archive_mode=off` (WAL is archived by the primary).

Removing a replica drops its slot: a forgotten slot keeps WAL on the primary's disk forever
(`list` and the gateway's /readyz name inactive ones). The services read from a replica
through `PARTYGRID_<SERVICE>_READ_DATABASE_URL` (`read_env`), which `partygrid up` fills when
any runs (`PARTYGRID_REPLICAS=N` makes N of them, r1..rN), the services spread over them: service
i reads from replica i mod N (`spread_env`). A slot keeps at most `max_slot_wal_keep_size` (8GB)
of WAL for a replica that is away; past it the replica must be added again.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from infra.cluster import REPLICATION_ROLE, SOCKET_PORT, Cluster
from infra.database import role_of
from infra.errors import SetupError
from infra.private_files import replace_private
from infra.settings import SERVICES, SuiteSettings
from infra.setup import Prepared

REPLICA_OPTIONS = ("hot_standby_feedback=on", "archive_mode=off")
SLOT_PREFIX = "partygrid_"
# The passwords a replica's URLs need: a physical copy has the primary's roles and verifiers.
_SECRETS = ("admin-password", "role-password", "replication-password")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


class ReplicaSettings(BaseSettings):
    """`PARTYGRID_REPLICAS`: how many read replicas `partygrid up` runs (0: none)."""

    model_config = SettingsConfigDict(env_prefix="PARTYGRID_", extra="ignore")

    replicas: int = Field(default=0, ge=0, le=9)


class ReplicaCluster(Cluster):
    """A standby's cluster: started like any other, but its roles' passwords are the
    primary's (a physical copy), so nothing is set in single-user mode (a standby refuses it)."""

    def _require_passwords(self) -> None:
        if not (self.data / "standby.signal").exists():
            raise SetupError(
                f"{self.data} is not a replica (no standby.signal)",
                f"remove {self.root} and add the replica again",
            )


def slot_of(name: str) -> str:
    return f"{SLOT_PREFIX}{name}"


def replicas_folder(primary: Cluster) -> Path:
    """`<data_dir>/replicas` beside `<data_dir>/pg` (or beside the cluster's fallback root)."""
    if primary.root.name == "pg":
        return primary.root.parent / "replicas"
    return primary.root.with_name(f"{primary.root.name}-replicas")


def replica_cluster(primary: Cluster, name: str) -> ReplicaCluster:
    return ReplicaCluster(
        root=replicas_folder(primary) / name,
        bindir=primary.bindir,
        run_as=primary.run_as,
        extra_options=REPLICA_OPTIONS,
    )


def replica_names(primary: Cluster) -> list[str]:
    folder = replicas_folder(primary)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / "data" / "PG_VERSION").exists())


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise SetupError(
            f"{name!r} is not a replica name",
            "use lower-case letters, digits and _ (up to 30, starting with a letter), e.g. r1",
        )
    return name


def spread_env(replicas: list[ReplicaCluster], db_name: str) -> dict[str, dict[str, str]]:
    """Each service's read URL on one of `replicas`, in turn (service i on replica i mod N:
    with two replicas org and assess read from r1, grid from r2); none without replicas."""
    if not replicas:
        return {}
    return {
        name: read_env(replicas[number % len(replicas)], db_name)[name]
        for number, name in enumerate(SERVICES)
    }


def read_env(replica: Cluster, db_name: str) -> dict[str, dict[str, str]]:
    """Each service's `PARTYGRID_<SERVICE>_READ_DATABASE_URL`: its own role on the replica."""
    return {
        name: {
            f"PARTYGRID_{name.upper()}_READ_DATABASE_URL": replica.url(
                user=role_of(name), database=db_name
            )
        }
        for name in SERVICES
    }


def ensure_replication_role(primary: Cluster) -> None:
    """The role replicas stream WAL with: LOGIN REPLICATION and nothing else, its kept
    password (sent as a literal in SQL over the socket, never in argv)."""
    with psycopg.connect(primary.conninfo(), autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_roles WHERE rolname = %s", (REPLICATION_ROLE,)
        ).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(
            sql.SQL(verb + " ROLE {} LOGIN REPLICATION PASSWORD {}").format(
                sql.Identifier(REPLICATION_ROLE), sql.Literal(primary.replication_password)
            )
        )


def _own(path: Path, user: str | None, mode: int) -> None:
    if user:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    path.chmod(mode)


def _copy_secrets(primary: Cluster, replica: Cluster) -> None:
    for name in _SECRETS:
        source = primary.root / name
        if not source.exists():
            continue
        # Never through a link the cluster's user planted (we may be root).
        replace_private(replica.root / name, source.read_text(), primary.run_as)


def _drop_slot(primary: Cluster, slot: str) -> None:
    """Drop `slot` when it exists; a slot still held by a replica that is stopping is retried."""
    with psycopg.connect(primary.conninfo(), autocommit=True, connect_timeout=5) as conn:
        for _ in range(50):
            row = conn.execute(
                "SELECT active FROM pg_replication_slots WHERE slot_name = %s", (slot,)
            ).fetchone()
            if row is None:
                return
            if not row[0]:
                conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
                return
            time.sleep(0.1)
    raise SetupError(f"the replication slot {slot} is still in use", "stop its replica first")


def _base_backup(primary: Cluster, replica: Cluster, slot: str) -> None:
    """pg_basebackup as the replication role over the primary's socket; its password comes
    from the primary's libpq password file (never argv), `-R` writes the standby settings."""
    done = primary._run(
        [
            "pg_basebackup",
            "-h",
            str(primary.socket_dir),
            "-p",
            str(SOCKET_PORT),
            "-U",
            REPLICATION_ROLE,
            "-D",
            str(replica.data),
            "-Fp",
            "-Xstream",
            "-R",
            "-S",
            slot,
            "-c",
            "fast",
            "-w",
        ],
        env={"PGPASSFILE": str(primary.pgpass_file())},
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise SetupError(
            f"pg_basebackup failed: {lines[-1] if lines else done.returncode}",
            f"read {primary.log}",
        )


def add_replica(primary: Cluster, name: str) -> ReplicaCluster:
    """Make and start replica `name` of the running `primary`: role, slot, copy, start."""
    check_name(name)
    if primary.running_pid() is None:
        raise SetupError("the private cluster is not running", "start it (partygrid up) first")
    replica = replica_cluster(primary, name)
    if replica.root.exists():
        raise SetupError(
            f"a replica {name!r} exists already ({replica.root})",
            f"partygrid replica remove {name}, or choose another name",
        )
    slot = slot_of(name)
    ensure_replication_role(primary)
    _drop_slot(primary, slot)  # one left by a replica whose folder was deleted by hand
    with psycopg.connect(primary.conninfo(), autocommit=True, connect_timeout=5) as conn:
        conn.execute("SELECT pg_create_physical_replication_slot(%s, true)", (slot,))
    try:
        for folder in (replica.root.parent, replica.root, replica.socket_dir):
            folder.mkdir(exist_ok=True)
            _own(folder, primary.run_as, 0o700)
        _copy_secrets(primary, replica)
        _base_backup(primary, replica, slot)
        replica.start()
    except BaseException:
        replica.stop()
        shutil.rmtree(replica.root, ignore_errors=True)
        with contextlib.suppress(Exception):
            _drop_slot(primary, slot)
        raise
    return replica


def remove_replica(primary: Cluster, name: str) -> None:
    """Stop replica `name`, drop its slot (when the primary runs) and delete its folder."""
    check_name(name)
    replica = replica_cluster(primary, name)
    if not replica.root.exists() and primary.running_pid() is None:
        raise SetupError(f"there is no replica {name!r}", "partygrid replica list")
    replica.stop()
    if primary.running_pid() is not None:
        _drop_slot(primary, slot_of(name))
    elif (replica.data / "PG_VERSION").exists():
        print(
            f"partygrid: the primary is stopped; its slot {slot_of(name)} is dropped on the "
            "next `partygrid replica remove` with it running (a slot keeps WAL)",
            flush=True,
        )
    shutil.rmtree(replica.root, ignore_errors=True)


@dataclass(frozen=True)
class SlotState:
    slot: str
    active: bool
    kept_bytes: int | None  # WAL the primary keeps for it (None: never streamed)


def slots(primary: Cluster) -> list[SlotState]:
    """The primary's `partygrid_*` physical slots."""
    with psycopg.connect(primary.conninfo(), autocommit=True, connect_timeout=5) as conn:
        rows = conn.execute(
            "SELECT slot_name, active, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)"
            " FROM pg_replication_slots WHERE slot_type = 'physical' AND slot_name LIKE %s"
            " ORDER BY slot_name",
            (SLOT_PREFIX + "%",),
        ).fetchall()
    return [SlotState(r[0], bool(r[1]), None if r[2] is None else int(r[2])) for r in rows]


@contextlib.contextmanager
def running_replicas(primary: Cluster, wanted: int) -> Iterator[list[ReplicaCluster]]:
    """For `partygrid up`: at least `wanted` replicas (r1..rN made when missing), every one
    started; on exit every replica of the primary is stopped (the primary they follow stops
    after them): those made or started here, one that failed half-way, and any added by
    `partygrid replica add` while `up` ran."""
    with contextlib.ExitStack() as stop:
        stop.callback(_stop_all, primary)  # whatever happens below, and after the yield
        for number in range(1, wanted + 1):
            if f"r{number}" not in replica_names(primary):
                print(f"partygrid: making read replica r{number}", flush=True)
                add_replica(primary, f"r{number}")
        started = [replica_cluster(primary, name) for name in replica_names(primary)]
        for replica in started:
            replica.start()
        yield started


def _stop_all(primary: Cluster) -> None:
    for name in replica_names(primary):
        try:
            replica_cluster(primary, name).stop()
        except Exception as exc:  # stop the others whatever one says
            print(f"partygrid: replica {name} did not stop: {exc}", flush=True)


@contextlib.contextmanager
def read_replicas(settings: SuiteSettings, ready: Prepared) -> Iterator[dict[str, dict[str, str]]]:
    """`partygrid up`'s replicas (`PARTYGRID_REPLICAS`, and any added before): started, and
    the services' read URLs spread over them (`spread_env`); nothing for a DATABASE_URL
    server."""
    wanted = ReplicaSettings().replicas
    if ready.cluster is None:
        if wanted:
            print("partygrid: PARTYGRID_REPLICAS is for the private cluster only", flush=True)
        yield {}
        return
    with running_replicas(ready.cluster, wanted) as started:
        if started:
            print(f"partygrid: read replicas {', '.join(r.root.name for r in started)}")
        yield spread_env(started, settings.db_name)
