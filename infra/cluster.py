"""The private PostGIS cluster: created under the data folder, reachable only by Unix socket.

PostgreSQL refuses to run as root, so when we are root the cluster is run by an ordinary
system user (`postgres` by default) and its folder is handed to that user.

Every connection, the superuser's included, needs its role's password (scram-sha-256): the
socket is no longer trusted for whoever can reach it. The passwords are made once and kept
in the cluster's folder (owner-only files, see `infra.kept_secrets`); each start writes
pg_hba.conf and sets the superuser's password, so clusters made by earlier versions (which
trusted the socket) are upgraded on their next start.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg.conninfo import make_conninfo

from infra.child_env import for_postgres
from infra.errors import SetupError
from infra.kept_secrets import kept_secret
from infra.private_files import replace_private

SOCKET_PORT = 5432  # names the socket file only: the cluster listens on no TCP port
POSTGIS_PACKAGE = "postgresql-15-postgis-3"
PGBACKREST_PACKAGE = "pgbackrest"
ADMIN = "postgres"  # the cluster's superuser
MAX_SLOT_WAL_KEEP = "8GB"  # the most WAL a replica's slot may keep on the primary's disk
# Streams WAL to read replicas (pg_basebackup, streaming replication): it may do nothing else.
REPLICATION_ROLE = "partygrid_replication"
# Socket only, password always: no `trust`, no `peer`, no TCP. `all` does not match the
# replication pseudo-database, so replicas get a line of their own, for their role alone.
PG_HBA = f"""\
# Written by partygrid (infra/cluster.py) at every start; edits here are replaced.
# Every role, the superuser included, signs in with its password over the Unix socket.
local   all           all                scram-sha-256
local   replication   {REPLICATION_ROLE}   scram-sha-256
"""
# What a point-in-time restore leaves in postgresql.auto.conf: once the cluster is promoted
# they must go, or a replica copied from it would replay to the old target and promote itself.
RECOVERY_SETTINGS = (
    "restore_command",
    "recovery_target",
    "recovery_target_time",
    "recovery_target_lsn",
    "recovery_target_xid",
    "recovery_target_name",
    "recovery_target_action",
    "recovery_target_inclusive",
    "recovery_target_timeline",
)


def find_bindir(configured: Path | None) -> Path:
    """The PostgreSQL server binaries: the configured folder, else the newest Debian one."""
    if configured is not None:
        candidates = [configured]
    else:
        candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
        if (found := shutil.which("pg_ctl")) is not None:
            candidates.append(Path(found).resolve().parent)
    for path in candidates:
        if (path / "postgres").exists() and (path / "initdb").exists():
            return path
    raise SetupError(
        "PostgreSQL server binaries (initdb, postgres) were not found",
        "apt-get install postgresql-15, or set PARTYGRID_PG_BINDIR to their folder",
    )


def postgis_available(bindir: Path) -> bool:
    """True when the server's extension folder holds PostGIS."""
    pg_config = bindir / "pg_config"
    if not pg_config.exists():
        return False
    sharedir = subprocess.run(
        [str(pg_config), "--sharedir"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return bool(sharedir) and (Path(sharedir) / "extension" / "postgis.control").exists()


def _apt_install(package: str, why: str) -> None:
    print(f"partygrid: installing {package} ({why})", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", package],
    ):
        subprocess.run(cmd, check=False, env=env, stdout=subprocess.DEVNULL)


def _may_install(install: bool) -> bool:
    return install and os.geteuid() == 0 and shutil.which("apt-get") is not None


def ensure_postgis(bindir: Path, *, install: bool) -> None:
    """Install Debian's PostGIS when it is missing and we may; otherwise say how to."""
    if postgis_available(bindir):
        return
    if _may_install(install):
        _apt_install(POSTGIS_PACKAGE, "PostGIS is missing")
        if postgis_available(bindir):
            return
    raise SetupError(
        f"PostGIS is not installed for the PostgreSQL server in {bindir}",
        f"sudo apt-get install {POSTGIS_PACKAGE}  (or set DATABASE_URL to a server with PostGIS)",
    )


def ensure_pgbackrest(*, install: bool) -> Path:
    """pgBackRest (backups, WAL archiving, point-in-time restore): Debian's package, installed
    when missing and we may, like PostGIS; otherwise say how to. Returns the program."""
    if (found := shutil.which("pgbackrest")) is not None:
        return Path(found)
    if _may_install(install):
        _apt_install(PGBACKREST_PACKAGE, "backups need it")
        if (found := shutil.which("pgbackrest")) is not None:
            return Path(found)
    raise SetupError(
        "pgBackRest is not installed (backups, WAL archiving and restores use it)",
        f"sudo apt-get install {PGBACKREST_PACKAGE}  (Debian's package, 2.45 on bookworm)",
    )


@dataclass(frozen=True)
class Cluster:
    """A PostgreSQL cluster in `root` (data/, run/ for the socket, postgres.log)."""

    root: Path
    bindir: Path
    run_as: str | None = None  # the system user that runs postgres when we are root
    fast_unsafe: bool = False  # no fsync: for throw-away test clusters only
    # WAL archiving: the command PostgreSQL runs for each finished WAL segment (None: off).
    archive_command: str | None = None
    # More `-c name=value` server settings (a replica's, say), after ours.
    extra_options: tuple[str, ...] = ()

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    @property
    def admin_password(self) -> str:
        """The superuser's password (made once, kept in the cluster's folder)."""
        return kept_secret(self.root, "admin-password", 24)

    @property
    def role_password(self) -> str:
        """The service roles' password on this cluster (set by `infra.database`)."""
        return kept_secret(self.root, "role-password", 24)

    @property
    def replication_password(self) -> str:
        """The replication role's password (replicas stream WAL with it)."""
        return kept_secret(self.root, "replication-password", 24)

    def password_of(self, user: str) -> str:
        if user == ADMIN:
            return self.admin_password
        if user == REPLICATION_ROLE:
            return self.replication_password
        return self.role_password

    def pgpass_file(self) -> Path:
        """A libpq password file (`<root>/pgpass`, 0600, the cluster user's) for tools that
        have no password option of their own (pgBackRest, pg_basebackup): the superuser's and
        the replication role's passwords on this cluster's socket. Rewritten on every call,
        so it follows the kept passwords."""
        path = self.root / "pgpass"
        socket = _pgpass_escape(str(self.socket_dir))
        lines = [
            f"{socket}:{SOCKET_PORT}:*:{user}:{_pgpass_escape(self.password_of(user))}"
            for user in (ADMIN, REPLICATION_ROLE)
        ]
        # The folder is the cluster user's: never follow a link planted there (we may be root).
        replace_private(path, "\n".join(lines) + "\n", self.run_as)
        return path

    def url(self, *, user: str, database: str) -> str:
        """SQLAlchemy URL for a role over the Unix socket, with its password."""
        password = quote(self.password_of(user), safe="")
        return (
            f"postgresql+psycopg://{user}:{password}@/{database}"
            f"?host={self.socket_dir}&port={SOCKET_PORT}"
        )

    def conninfo(self, *, user: str = ADMIN, database: str = "postgres") -> str:
        """libpq conninfo for psycopg, with the role's password."""
        return make_conninfo(
            host=str(self.socket_dir),
            port=SOCKET_PORT,
            user=user,
            dbname=database,
            password=self.password_of(user),
        )

    # -- life cycle -------------------------------------------------------------------------

    def _run(
        self, args: list[str], *, input: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """A program of the server's bindir as the cluster's user, with `env` added."""
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        # The postmaster keeps this environment (its archiver's pgBackRest too): no secret of
        # ours in it.
        return subprocess.run(
            cmd,
            input=input,
            capture_output=True,
            text=True,
            check=False,
            env={**for_postgres(), **(env or {})},
        )

    def _prepare_folders(self) -> None:
        socket_path = self.socket_dir / f".s.PGSQL.{SOCKET_PORT}"
        if len(str(socket_path)) > 100:
            raise SetupError(
                f"the socket path {socket_path} is too long for a Unix socket",
                "set PARTYGRID_DATA_DIR to a shorter folder",
            )
        for folder in (self.root, self.socket_dir):
            folder.mkdir(parents=True, exist_ok=True)
        if self.run_as:
            entry = pwd.getpwnam(self.run_as)
            for folder in (self.root, self.socket_dir, *self.data.parent.glob("data")):
                os.chown(folder, entry.pw_uid, entry.pw_gid)
            probe = subprocess.run(
                ["runuser", "-u", self.run_as, "--", "test", "-w", str(self.root)], check=False
            )
            if probe.returncode != 0:
                raise SetupError(
                    f"the user {self.run_as!r} that runs PostgreSQL cannot reach {self.root}",
                    "make the folders above it searchable (chmod o+x) or set PARTYGRID_DATA_DIR",
                )
        for folder in (self.root, self.socket_dir):
            folder.chmod(0o700)

    def initialize(self) -> bool:
        """initdb once; True when this call created the cluster."""
        self._prepare_folders()
        if (self.data / "PG_VERSION").exists():
            return False
        done = self._run(
            [
                "initdb",
                "-D",
                str(self.data),
                "-U",
                ADMIN,
                "--auth-local=scram-sha-256",
                "--auth-host=reject",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                # Page checksums: corruption is found (by pgBackRest too) rather than copied.
                "--data-checksums",
                "--no-instructions",
            ]
        )
        if done.returncode != 0:
            shutil.rmtree(self.data, ignore_errors=True)  # leave nothing half-made
            raise SetupError(
                f"initdb failed: {_last_line(done.stderr)}",
                f"see the message above; folder {self.data}",
            )
        return True

    def running_pid(self, *, clean: bool = True) -> int | None:
        """The pid of this cluster's postmaster, or None.

        A pid file naming another process (a stale lock after a crash or reboot) is removed
        when `clean`, but never while a process of the dead server still runs (a backend
        outlives a postmaster killed with SIGKILL until it notices, and may still write):
        the pid file is what lets PostgreSQL refuse to start beside it ("pre-existing shared
        memory block is still in use"). `partygrid up`'s watch looks with `clean=False`."""
        pid_file = self.data / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split("\n", 1)[0])
        except (FileNotFoundError, ValueError):
            return None
        if _is_postmaster_of(pid, self.data):
            return pid
        if not clean or processes_in(self.data):
            return None
        pid_file.unlink(missing_ok=True)
        for lock in self.socket_dir.glob(".s.PGSQL.*"):
            lock.unlink(missing_ok=True)
        print(
            f"partygrid: removed a stale postmaster.pid (pid {pid} is not this cluster)", flush=True
        )
        return None

    def _options(self) -> list[str]:
        options = [
            "-c listen_addresses=''",
            f"-c unix_socket_directories='{self.socket_dir}'",
            "-c unix_socket_permissions=0700",
            f"-c port={SOCKET_PORT}",
            # Each worker of each service has its own pool (README "Workers": up to 58
            # connections per worker count at peak); the default 100 fits one worker each.
            "-c max_connections=240",
            # A replication slot keeps WAL for its replica while the replica is away; past
            # this much the slot is given up (the replica must be added again) rather than
            # the primary's disk filling up.
            f"-c max_slot_wal_keep_size={MAX_SLOT_WAL_KEEP}",
        ]
        if self.fast_unsafe:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        if self.archive_command:
            # A segment is archived when full or after a minute: at most a minute of
            # committed work is only on this disk (the recovery point of a lost disk).
            command = self.archive_command.replace("'", "''")
            options += [
                "-c archive_mode=on",
                f"-c archive_command='{command}'",
                "-c archive_timeout=60",
            ]
        options += [f"-c {option}" for option in self.extra_options]
        return options

    def _hba_is_ours(self) -> bool:
        try:
            return (self.data / "pg_hba.conf").read_text() == PG_HBA
        except FileNotFoundError:
            return False

    def _require_passwords(self) -> None:
        """With the server stopped: pg_hba.conf as ours, and the superuser's password set in
        single-user mode (needs no sign-in, so it also upgrades a cluster that trusted the
        socket, or one whose password file was lost). The password goes by stdin, never argv."""
        hba = self.data / "pg_hba.conf"
        if not self._hba_is_ours():
            hba.write_text(PG_HBA)  # we may be root: keep the file the cluster user's
            if self.run_as:
                entry = pwd.getpwnam(self.run_as)
                os.chown(hba, entry.pw_uid, entry.pw_gid)
            hba.chmod(0o600)
        password = self.admin_password.replace("'", "''")
        done = self._run(
            ["postgres", "--single", "-D", str(self.data), "-c", "log_min_messages=fatal", ADMIN],
            input=f"ALTER ROLE {ADMIN} PASSWORD '{password}';\n",
        )
        if done.returncode != 0:
            raise SetupError(
                f"cannot set the cluster's password: {_last_line(done.stderr)}",
                f"see the message above; folder {self.data}",
            )

    def start(self) -> bool:
        """Start the cluster; True when this call started it, False when it was running.

        A running cluster whose pg_hba.conf is not ours (left by an earlier version) is
        stopped and started again, so that it never keeps trusting its socket."""
        if self.running_pid() is not None:
            if self._hba_is_ours():
                return False
            self.stop()
        self._require_passwords()
        done = self._run(
            [
                "pg_ctl",
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-w",
                "-t",
                "60",
                "-o",
                " ".join(self._options()),
                "start",
            ]
        )
        if done.returncode != 0:
            tail = _tail(self.log)
            raise SetupError(
                f"PostgreSQL did not start: {tail or _last_line(done.stderr)}",
                f"read {self.log}",
            )
        return True

    def stop(self) -> None:
        """Fast shutdown; waits until the postmaster is gone."""
        if self.running_pid() is None:
            return
        self._run(["pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop"])

    def kill(self) -> None:
        """SIGKILL every process of this server — the postmaster and its backends — as a power
        loss stops them, and wait until none is left (drills and benchmarks)."""
        while victims := processes_in(self.data):
            for pid in victims:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)

    def in_recovery(self) -> bool:
        """True while the server replays WAL (a restore not yet promoted, or a replica)."""
        with psycopg.connect(self.conninfo(), autocommit=True, connect_timeout=5) as conn:
            row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
        return bool(row and row[0])

    def wait_promoted(self, timeout: float = 600.0) -> None:
        """Wait until recovery has ended. `pg_ctl start -w` returns once the server accepts
        connections, which (hot standby) is while it still replays a restore's WAL."""
        deadline = time.monotonic() + timeout
        while self.in_recovery():
            if time.monotonic() > deadline:
                raise SetupError(
                    f"the restored cluster is still recovering after {timeout:.0f} s",
                    f"read {self.log}",
                )
            time.sleep(0.1)

    def reset_recovery_settings(self) -> None:
        """Remove what a restore wrote into postgresql.auto.conf (see RECOVERY_SETTINGS)."""
        with psycopg.connect(self.conninfo(), autocommit=True, connect_timeout=5) as conn:
            for name in RECOVERY_SETTINGS:
                conn.execute(f"ALTER SYSTEM RESET {name}")
            conn.execute("SELECT pg_reload_conf()")


def cluster_user(configured: str = "postgres") -> str | None:
    """None when we may run postgres ourselves; the configured user when we are root."""
    return None if os.geteuid() != 0 else configured


def reachable_by(user: str | None, folder: Path) -> bool:
    """Whether `user` can enter `folder` (every folder above it must let it through)."""
    if user is None:
        return True
    folder.mkdir(parents=True, exist_ok=True)
    probe = subprocess.run(["runuser", "-u", user, "--", "test", "-x", str(folder)], check=False)
    return probe.returncode == 0


def fallback_root(data_dir: Path) -> Path:
    """Where the cluster of `data_dir` lives when its user cannot reach `data_dir`."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"partygrid-pg-{digest}"


def cluster_root(data_dir: Path, user: str | None) -> Path:
    """`<data_dir>/pg`, or a folder under the system temp folder when the cluster's user
    cannot reach the data folder (a checkout inside a private home, say)."""
    if reachable_by(user, data_dir):
        return data_dir / "pg"
    root = fallback_root(data_dir)
    print(
        f"partygrid: user {user!r} cannot reach {data_dir}; the cluster lives in {root}",
        flush=True,
    )
    return root


def _is_postmaster_of(pid: int, data: Path) -> bool:
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
        cwd = os.readlink(f"/proc/{pid}/cwd")
    except (FileNotFoundError, PermissionError, ProcessLookupError):
        return False
    return Path(exe).name in {"postgres", "postmaster"} and Path(cwd) == data.resolve()


def processes_in(data: Path) -> list[int]:
    """The PostgreSQL processes working in `data`: a server's postmaster and backends, also
    those a dead postmaster left behind. As root every process is seen; else the cluster
    user's own (the server's)."""
    folder = str(data.resolve())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd, exe = os.readlink(entry / "cwd"), os.readlink(entry / "exe")
        except OSError:  # gone meanwhile, or another user's
            continue
        if cwd == folder and Path(exe).name in {"postgres", "postmaster"}:
            found.append(int(entry.name))
    return sorted(found)


def _pgpass_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _tail(path: Path) -> str:
    try:
        return _last_line(path.read_text(errors="replace")[-2000:])
    except FileNotFoundError:
        return ""
