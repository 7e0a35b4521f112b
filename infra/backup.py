"""Backups, WAL archiving and point-in-time restores of the private cluster, with pgBackRest.

pgBackRest (Debian's package, installed like PostGIS) copies the whole cluster (full,
differential or incremental backups, zst-compressed, optionally encrypted) into a repository
folder, receives every finished WAL segment from PostgreSQL's archive_command, expires old
backups with their WAL, verifies what it stored, and restores to the end of the archive, to a
moment, or to a backup. Every call runs as the cluster's user (`runuser` when we are root),
with libpq's password file for the superuser's password: no password in argv or the
environment (see infra/pgbackrest_conf.py for where each file lives).

A restore replaces the whole database, so it runs only with the suite stopped (the data
folder's RunLock): every in-process cache then starts empty. It ends every session after,
because a restore brings back refresh tokens used since and access tokens' session versions.

Beside it: infra/pgbackrest.py (files, folders, running pgBackRest), infra/pgbackrest_conf.py
(the configuration), infra/wal_replay.py (a restored cluster replayed to promotion with
archiving on), infra/timelines.py (which timeline ran at a moment, which backups lie on it).

DATABASE_URL servers are not backed up here: pgBackRest must run on the database's host, as
the owner of its data directory (see README "Backups and restore").
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import psycopg

from infra import pgbackrest, replica, timelines, wal_replay
from infra.cluster import Cluster
from infra.errors import SetupError
from infra.kept_secrets import kept_secret
from infra.locking import RunLock
from infra.pgbackrest_conf import STANZA, BackupPaths
from infra.settings import SuiteSettings
from infra.setup import database, private_cluster

BackupKind = Literal["full", "diff", "incr"]
ACCESS_KEY_FILE = "access-token-key"  # infra.setup.token_keys keeps it in the data folder
REMOTE_REFUSAL = (
    "pgBackRest must run on the database's host, as the owner of its data directory: "
    "DATABASE_URL's server is not backed up or restored by partygrid",
    "run pgBackRest (or your provider's backups) where that server runs, or unset "
    "DATABASE_URL to use the private cluster",
)


# -- the repository's catalogue ---------------------------------------------------------------


@dataclass(frozen=True)
class BackupInfo:
    label: str
    kind: str  # full, diff, incr
    start: dt.datetime
    stop: dt.datetime
    database_size: int  # bytes of the cluster when backed up
    repo_size: int  # bytes this backup added to the repository
    wal_start: str
    wal_stop: str
    stop_lsn: str

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "type": self.kind,
            "start": self.start.isoformat(),
            "stop": self.stop.isoformat(),
            "databaseSize": self.database_size,
            "repoSize": self.repo_size,
            "walStart": self.wal_start,
            "walStop": self.wal_stop,
        }


@dataclass(frozen=True)
class Archiver:
    """pg_stat_archiver of the running cluster."""

    archived_count: int
    last_archived_wal: str | None
    last_archived_time: dt.datetime | None
    failed_count: int
    last_failed_wal: str | None
    last_failed_time: dt.datetime | None


@dataclass(frozen=True)
class Listing:
    repo: Path
    backups: list[BackupInfo]
    archive_min: str | None
    archive_max: str | None
    archive_end: dt.datetime | None  # when the newest archived WAL arrived
    archiver: Archiver | None  # None: the cluster is not running
    status: str  # pgBackRest's word on the stanza ("ok", "no valid backups", ...)
    # Holes in the WAL archive (first and last missing segment): archiving was interrupted.
    gaps: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    @property
    def window(self) -> tuple[dt.datetime, dt.datetime] | None:
        """The moments a `restore --to` can reach: from the end of the oldest backup (a
        restore is consistent only past it) to the newest archived WAL."""
        if not self.backups:
            return None
        first = _ended(self.backups[0])
        last = max(_ended(self.backups[-1]), self.archive_end or self.backups[-1].stop)
        return first, last

    def as_json(self) -> dict[str, Any]:
        window = self.window
        archiver = self.archiver
        return {
            "repo": str(self.repo),
            "status": self.status,
            "backups": [b.as_json() for b in self.backups],
            "window": None
            if window is None
            else {"from": window[0].isoformat(), "to": window[1].isoformat()},
            "archive": {
                "min": self.archive_min,
                "max": self.archive_max,
                "gaps": [{"from": first, "to": last} for first, last in self.gaps],
            },
            "archiver": None
            if archiver is None
            else {
                "archivedCount": archiver.archived_count,
                "lastArchivedWal": archiver.last_archived_wal,
                "lastArchivedTime": _iso(archiver.last_archived_time),
                "failedCount": archiver.failed_count,
                "lastFailedWal": archiver.last_failed_wal,
                "lastFailedTime": _iso(archiver.last_failed_time),
            },
        }


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _epoch(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def stanza_info(cluster: Cluster, paths: BackupPaths) -> dict[str, Any]:
    done = pgbackrest.checked(
        cluster,
        paths,
        "info",
        "--output=json",
        fix=f"see the message above; repository {paths.repo}",
    )
    stanzas = json.loads(done.stdout or "[]")
    return next((s for s in stanzas if s.get("name") == STANZA), {})


def backups_of(info: dict[str, Any]) -> list[BackupInfo]:
    return [
        BackupInfo(
            label=b["label"],
            kind=b["type"],
            start=_epoch(b["timestamp"]["start"]),
            stop=_epoch(b["timestamp"]["stop"]),
            database_size=int(b["info"]["size"]),
            repo_size=int(b["info"]["repository"]["delta"]),
            wal_start=b["archive"]["start"],
            wal_stop=b["archive"]["stop"],
            stop_lsn=b["lsn"]["stop"],
        )
        for b in info.get("backup", [])
    ]


def _archive_end(paths: BackupPaths) -> dt.datetime | None:
    """When the newest WAL file reached the repository (its modification time)."""
    newest = 0.0
    with contextlib.suppress(FileNotFoundError, PermissionError):
        for path in (paths.repo / "archive" / STANZA).rglob("*-*"):
            if path.is_file() and len(path.name) > 24:  # segments: 24 hex digits + checksum
                newest = max(newest, path.stat().st_mtime)
    return dt.datetime.fromtimestamp(newest, dt.UTC) if newest else None


def _archiver(cluster: Cluster) -> Archiver | None:
    if cluster.running_pid() is None:
        return None
    with psycopg.connect(cluster.conninfo(), autocommit=True, connect_timeout=5) as conn:
        row = conn.execute(
            "SELECT archived_count, last_archived_wal, last_archived_time, failed_count,"
            " last_failed_wal, last_failed_time FROM pg_stat_archiver"
        ).fetchone()
    assert row is not None
    return Archiver(*row)


def listing(settings: SuiteSettings) -> Listing:
    """The repository's backups, the restorable window, and how archiving goes."""
    cluster = _private_only(settings)
    with _configured(settings, cluster) as paths:
        info = stanza_info(cluster, paths)
        holes = archive_gaps(cluster, paths, info)
    archives = info.get("archive") or [{}]
    return Listing(
        repo=paths.repo,
        backups=backups_of(info),
        archive_min=archives[-1].get("min"),
        archive_max=archives[-1].get("max"),
        archive_end=_archive_end(paths),
        archiver=_archiver(cluster),
        status=str(info.get("status", {}).get("message", "missing stanza")),
        gaps=holes,
    )


def archive_gaps(
    cluster: Cluster, paths: BackupPaths, info: dict[str, Any]
) -> list[tuple[str, str]]:
    """Holes in the WAL archive (pgBackRest's verify checks the WAL a backup needs, not the
    archive's continuity after it). Listed through pgBackRest: names only, never contents."""
    archives = info.get("archive") or []
    if not archives:
        return []
    listed = pgbackrest.checked(
        cluster,
        paths,
        "repo-ls",
        f"archive/{STANZA}/{archives[-1]['id']}",
        "--recurse",
        r"--filter=[0-9A-F]{24}-[0-9a-f]{40}",
        "--output=json",
        fix=f"see the message above; repository {paths.repo}",
    )
    names = [name.rsplit("/", 1)[-1][:24] for name in json.loads(listed.stdout or "{}")]
    return timelines.gaps(names)


# -- taking a backup --------------------------------------------------------------------------


@dataclass(frozen=True)
class Taken:
    backup: BackupInfo
    repo_total: int  # bytes of the whole repository after it
    seconds: float
    verified: bool
    gaps: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # the archive's


def _private_only(settings: SuiteSettings) -> Cluster:
    if settings.database_url:
        raise SetupError(*REMOTE_REFUSAL)
    return private_cluster(settings)


@contextlib.contextmanager
def _configured(settings: SuiteSettings, cluster: Cluster) -> Iterator[BackupPaths]:
    """pgBackRest's configuration: written from these settings when the data folder's RunLock
    is free (nothing runs the cluster but maybe a dead run's leftover), else the one the
    running suite wrote, refused when these settings differ from it."""
    lock = RunLock(settings.data_dir)
    try:
        lock.acquire()
    except SetupError:
        yield pgbackrest.written(settings, cluster)
        return
    try:
        yield pgbackrest.prepare(settings, cluster)
    finally:
        lock.release()


@contextlib.contextmanager
def running_cluster(settings: SuiteSettings) -> Iterator[tuple[Cluster, BackupPaths]]:
    """The running private cluster (under `partygrid up`) with the configuration it archives
    with, else the cluster started for the command, under the data folder's RunLock (which
    writes the configuration), and stopped after."""
    cluster = _private_only(settings)
    if cluster.running_pid() is not None:
        yield cluster, pgbackrest.written(settings, cluster)
        return
    with RunLock(settings.data_dir), database(settings) as prepared:
        assert prepared.cluster is not None
        yield prepared.cluster, pgbackrest.backup_paths(settings, prepared.cluster)


def _repo_total(repo: Path) -> int:
    total = 0
    with contextlib.suppress(FileNotFoundError, PermissionError):
        total = sum(p.stat().st_size for p in repo.rglob("*") if p.is_file())
    return total


def take(settings: SuiteSettings, kind: BackupKind = "incr") -> Taken:
    """A backup of the private cluster (an incr or diff with no full before it becomes a
    full), verified after, older ones expired per retention."""
    if not settings.archive:
        raise SetupError(
            "backups need WAL archiving, which PARTYGRID_ARCHIVE turns off",
            "unset PARTYGRID_ARCHIVE (archiving is on by default) and start the suite again",
        )
    started = time.monotonic()
    with running_cluster(settings) as (cluster, paths):
        if (problem := pgbackrest.ensure_stanza(cluster, paths)) is not None:
            raise SetupError(
                f"the backup repository {paths.repo} cannot take this cluster: {problem}",
                "if it belonged to another cluster, move it aside or set PARTYGRID_BACKUP_REPO",
            )
        fix = (
            f"see the message above; pgBackRest's log is in {paths.work / 'log'}; if the "
            "cluster runs without archiving, restart `partygrid up`"
        )
        pgbackrest.checked(cluster, paths, "backup", f"--type={kind}", fix=fix)
        info = stanza_info(cluster, paths)  # the new set; verify changes nothing listed
        newest = backups_of(info)[-1]
        # The set, and the WAL it needs to be consistent (pgBackRest's verify)...
        pgbackrest.checked(
            cluster,
            paths,
            "verify",
            f"--set={newest.label}",
            fix=f"the backup {newest.label} did not verify: take a full backup (--full)",
        )
        # ...and the archive after it, which verify does not check for holes.
        holes = archive_gaps(cluster, paths, info)
    return Taken(
        newest, _repo_total(paths.repo), time.monotonic() - started, verified=True, gaps=holes
    )


# -- restoring --------------------------------------------------------------------------------


def parse_time(text: str) -> dt.datetime:
    """An ISO-8601 moment with its UTC offset (a naive time is refused: which zone it meant
    decides what is restored)."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise SetupError(
            f"{text!r} is not an ISO-8601 time",
            "give a time with its offset, e.g. --to 2026-12-07T16:30:00+08:00",
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise SetupError(
            f"the time {text!r} has no UTC offset",
            "add it, e.g. --to 2026-12-07T16:30:00+08:00 (or Z for UTC)",
        )
    return moment


class RestoreDeclined(Exception):  # noqa: N818 (a refusal, not an error)
    """The question before a restore was answered no: nothing was changed."""


@dataclass(frozen=True)
class Restored:
    point: str  # what the database now holds: up to when
    timeline: int
    sessions_ended: int
    replicas_removed: list[str]  # copies of the old timeline, deleted: to be added again
    # Seconds of each step: pgBackRest's copy, the WAL replayed to promotion, the usual start
    # (passwords, migrations, sessions ended) and stop.
    steps: dict[str, float]
    # False: the access-token key is PARTYGRID_ACCESS_TOKEN_KEY, the operator's to change;
    # access tokens signed with it stay valid until it is.
    key_rotated: bool = True
    # The cluster had died and could not be started to archive its last WAL: commits not
    # archived before it died are not in the restored database.
    tail_lost: bool = False


def take_lock(settings: SuiteSettings) -> RunLock:
    lock = RunLock(settings.data_dir)
    try:
        lock.acquire()
    except SetupError as exc:
        raise SetupError(
            f"{exc.cause}: a restore replaces the database and needs it to itself",
            "stop partygrid up first (Ctrl-C in its terminal), then restore",
        ) from None
    return lock


def _history_times(cluster: Cluster, paths: BackupPaths, folder: str) -> dict[int, float]:
    """Each timeline's history file in the archive and when it was stored there."""
    listed = pgbackrest.checked(
        cluster,
        paths,
        "repo-ls",
        folder,
        r"--filter=\.history$",
        "--output=json",
        fix=f"see the message above; repository {paths.repo}",
    )
    found: dict[str, dict[str, Any]] = json.loads(listed.stdout or "{}")
    return {
        int(name.split(".")[0], 16): float(entry.get("time", 0)) for name, entry in found.items()
    }


def _history_ends(
    cluster: Cluster, paths: BackupPaths, folder: str, timeline: int
) -> dict[int, int]:
    """Where timeline's ancestors ended (its history file, read through pgBackRest: the
    repository may be encrypted)."""
    if timeline == 1:
        return {}
    history = pgbackrest.checked(
        cluster,
        paths,
        "repo-get",
        f"{folder}/{timeline:08X}.history",
        fix=f"see the message above; repository {paths.repo}",
    )
    return timelines.history_ends(history.stdout)


def timeline_for(
    cluster: Cluster,
    paths: BackupPaths,
    info: dict[str, Any],
    to: dt.datetime | None,
) -> tuple[int, dict[int, int]]:
    """The timeline to recover along, and where its ancestors ended: the newest for the end
    of the archive; for a moment, the timeline the database ran on then (an earlier restore's
    timeline holds none of what was committed on its parent between that restore's target
    and the restore itself)."""
    archives = info.get("archive") or []
    if not archives:
        return 1, {}
    folder = f"archive/{STANZA}/{archives[-1]['id']}"
    began = _history_times(cluster, paths, folder)
    if to is None:
        timeline = max(began, default=1)
    else:
        first: dict[int, float] = {}
        for b in backups_of(info):
            on = timelines.timeline_of(b.wal_start)
            first[on] = min(first.get(on, b.start.timestamp()), b.start.timestamp())
        try:
            timeline = timelines.in_use_at(began, to.timestamp(), first)
        except timelines.UndecidableError as exc:
            newest = max(began, default=1)
            since = _epoch(int(began[newest]) + 1).isoformat() if newest in began else "-"
            raise SetupError(
                f"cannot tell which timeline the database ran on at {to.isoformat()}: {exc}",
                f"restore --backup LABEL, or a moment after {since} (the newest timeline); "
                "a repository moved to another machine must keep its files' times "
                "(cp -a, rsync -a)",
            ) from None
    return timeline, _history_ends(cluster, paths, folder, timeline)


def restore_args(
    backups: list[BackupInfo],
    history: tuple[int, dict[int, int]],
    to: dt.datetime | None,
    label: str | None,
) -> list[str]:
    """pgBackRest's restore arguments: the backup set and the target. `history`: the
    timeline to recover along and where its ancestors ended (`timeline_for`)."""
    if not backups:
        raise SetupError(
            "the backup repository holds no backup to restore",
            "point PARTYGRID_BACKUP_REPO at the repository (copied from the old machine), "
            "or take one first: partygrid backup",
        )
    if label is not None:
        if label not in {b.label for b in backups}:
            known = ", ".join(b.label for b in backups)
            raise SetupError(
                f"no backup is labelled {label!r}",
                f"pick one of {known} (partygrid backups lists them)",
            )
        return [f"--set={label}", "--type=immediate", "--target-action=promote"]
    timeline, ends = history
    usable = [
        b
        for b in backups
        if timelines.on_history(
            timelines.timeline_of(b.wal_start), timelines.lsn(b.stop_lsn), timeline, ends
        )
        and (to is None or _ended(b) <= to)
    ]
    if not usable:
        first = _ended(backups[0]).isoformat()
        raise SetupError(
            f"no backup ends before {to.isoformat() if to else 'the archive'} on timeline "
            f"{timeline}, the one the database ran on then (the oldest backup ends {first})",
            "pick a later time (partygrid backups shows the window), or --backup LABEL",
        )
    # The newest backup that can reach the target: least WAL to replay.
    chosen = [f"--set={usable[-1].label}"]
    if to is None:
        return chosen  # the end of the archive: every WAL segment there is replayed
    target = to.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")
    return [
        *chosen,
        "--type=time",
        f"--target={target}",
        "--target-action=promote",
        f"--target-timeline={timeline}",
    ]


def _ended(made: BackupInfo) -> dt.datetime:
    """When a backup is surely consistent: pgBackRest gives its stop time in whole seconds
    (cut down), so a target within that second may lie before its true end."""
    return made.stop + dt.timedelta(seconds=1)


def end_sessions(settings: SuiteSettings, auth_url: str | None) -> int:
    """After a restore: refresh tokens used since the restored moment are unused again, and
    session versions went back. End every session: a new access-token key (when it is the kept
    file; one set in the environment is the operator's to change) and every refresh token
    spent. Returns how many refresh tokens were live."""
    if settings.access_token_key is None:
        (settings.data_dir / ACCESS_KEY_FILE).unlink(missing_ok=True)
        kept_secret(settings.data_dir, ACCESS_KEY_FILE, 48)
    if auth_url is None:
        return 0
    from sqlalchemy import create_engine, pool

    from gateway.auth.end_sessions import end_every_session

    engine = create_engine(auth_url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            return end_every_session(conn)
    finally:
        engine.dispose()


def _what(backups: list[BackupInfo], args: list[str], to: dt.datetime | None, timeline: int) -> str:
    """What a restore with `args` brings back, in words, for the question before it."""
    chosen = next(a.removeprefix("--set=") for a in args if a.startswith("--set="))
    made = next(b for b in backups if b.label == chosen)
    base = f"backup {chosen} ({made.kind}, ended {_ended(made).isoformat()})"
    if to is not None:
        return (
            f"the moment {to.isoformat()} on timeline {timeline}, from {base} and the WAL archive"
        )
    if "--type=immediate" in args:
        return f"the end of {base}"
    return f"the end of the WAL archive (timeline {timeline}), from {base}"


def restored_point(to: dt.datetime | None, label: str | None, replayed: wal_replay.Replayed) -> str:
    """What a restore brought back, in words: the moment, the backup or the archive's end."""
    if to is not None:
        point = to.astimezone(dt.UTC).isoformat()
    elif label is not None:
        point = f"the end of backup {label}"
    else:
        point = "the end of the WAL archive"
    if replayed.last_commit:
        point += f" (last commit replayed at {replayed.last_commit})"
    return point


def restore(
    settings: SuiteSettings,
    *,
    to: dt.datetime | None = None,
    label: str | None = None,
    confirm: Callable[[str], bool] = lambda _what: True,
) -> Restored:
    """Replace the private cluster with a backup's: the end of the archive, the moment `to`,
    or the backup `label`. Needs the suite stopped; works where no cluster exists yet (a new
    machine): restore makes data/. `confirm` is asked, with what would be restored, before
    anything changes; RestoreDeclined when it says no."""
    if to is not None and label is not None:
        raise SetupError("--to and --backup were both given", "give one of them")
    if to is not None and to > dt.datetime.now(dt.UTC):
        raise SetupError(
            f"{to.isoformat()} is in the future",
            "give a past moment (partygrid backups shows the window), or no --to for the latest",
        )
    cluster = _private_only(settings)
    lock = take_lock(settings)
    try:
        paths = pgbackrest.prepare(settings, cluster)
        info = stanza_info(cluster, paths)
        history = timeline_for(cluster, paths, info, to) if label is None else (1, {})
        backups = backups_of(info)
        args = restore_args(backups, history, to, label)
        if not confirm(_what(backups, args, to, history[0])):
            raise RestoreDeclined
        # Replicas follow the old timeline and their slots do not survive a restore: they
        # would serve undone data. Stopped now, deleted once the restore has copied its files.
        replicas = [replica.replica_cluster(cluster, name) for name in _replica_folders(cluster)]
        for follower in replicas:
            follower.stop()
        cluster.stop()  # a clean shutdown archives the last WAL segment
        archiving = dataclasses.replace(cluster, archive_command=paths.archive_command())
        tail_lost = wal_replay.save_tail(archiving) is False
        clock = time.monotonic()
        if (paths.data / "PG_VERSION").exists():
            # Rewrite only the files that differ. pg_wal is emptied too: the restore replays
            # the archive's WAL only, which is why a cluster that died was started and shut
            # down cleanly first (`save_tail`).
            args.append("--delta")
        pgbackrest.checked(
            cluster,
            paths,
            "restore",
            *args,
            fix=f"see the message above; pgBackRest's log is in {paths.work / 'log'}",
        )
        steps = {"copy": time.monotonic() - clock}
        for follower in replicas:
            shutil.rmtree(follower.root, ignore_errors=True)
        clock = time.monotonic()
        replayed = wal_replay.replay(archiving)
        steps["replay"] = time.monotonic() - clock
        clock = time.monotonic()
        with database(settings, recovering=True) as prepared:
            ended = end_sessions(settings, prepared.database.auth_url)
        steps["start"] = time.monotonic() - clock
    finally:
        lock.release()
    return Restored(
        restored_point(to, label, replayed),
        replayed.timeline,
        ended,
        [r.root.name for r in replicas],
        steps,
        key_rotated=settings.access_token_key is None,  # as end_sessions rotates it
        tail_lost=tail_lost,
    )


def _replica_folders(cluster: Cluster) -> list[str]:
    """Every replica's folder, a half-made one (no PG_VERSION) too."""
    folder = replica.replicas_folder(cluster)
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
