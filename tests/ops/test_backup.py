"""Backups and restores for real (slow tier): a cluster of its own with WAL archiving, backed
up with `partygrid backup`, changed, and restored with `partygrid restore` to a moment, to a
backup and to the latest state, each time checked row by row.

The tests run in order on one cluster (each restore starts from what the one before left).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from own_suite import ops_settings, user_with_refresh_token
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.auth.sessions import SessionRefusedError, refresh
from gateway.auth.tokens import AccessTokens
from infra.cli import main
from infra.locking import RunLock
from infra.replica import add_replica
from infra.settings import SuiteSettings
from infra.setup import Prepared, database, private_cluster, token_keys
from stack import TEST_DATA_DIR

SETTINGS = ops_settings("backup", archive=True, demo=False)
# A second machine that has only a copy of the repository (here: the same folder).
NEW_MACHINE = ops_settings(
    "backup-new", archive=True, demo=False, backup_repo=SETTINGS.backup_folder
)
state: dict[str, Any] = {}  # what the earlier tests of the module saw


def _remove(settings: SuiteSettings) -> None:
    cluster = private_cluster(settings)
    cluster.stop()
    shutil.rmtree(cluster.root, ignore_errors=True)
    shutil.rmtree(settings.data_dir, ignore_errors=True)


@pytest.fixture(scope="module", autouse=True)
def drill() -> Iterator[SuiteSettings]:
    """The CLI sees this cluster's settings in its environment."""
    _remove(NEW_MACHINE)
    _remove(SETTINGS)
    with pytest.MonkeyPatch.context() as env:
        env.delenv("DATABASE_URL", raising=False)
        env.setenv("PARTYGRID_DATA_DIR", str(SETTINGS.data_dir))
        env.setenv("PARTYGRID_DB_NAME", SETTINGS.db_name)
        env.setenv("PARTYGRID_DEMO", "false")
        env.setenv("PARTYGRID_ARCHIVE", "true")
        try:
            yield SETTINGS
        finally:
            _remove(NEW_MACHINE)
            _remove(SETTINGS)


@contextlib.contextmanager
def started() -> Iterator[Prepared]:
    """The cluster started the way `partygrid up` starts it, stopped after."""
    with RunLock(SETTINGS.data_dir), database(SETTINGS) as prepared:
        yield prepared


def _connect(prepared: Prepared) -> psycopg.Connection:
    return psycopg.connect(prepared.database.admin_conninfo, autocommit=True)


def _commit(prepared: Prepared, row: int) -> dt.datetime:
    """Insert `row`; the database's clock just after its commit."""
    with _connect(prepared) as conn:
        conn.execute("INSERT INTO public.drill (id) VALUES (%s)", (row,))
        moment = conn.execute("SELECT clock_timestamp()").fetchone()
    assert moment is not None
    return moment[0]


def _rows(prepared: Prepared) -> list[int]:
    with _connect(prepared) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM public.drill ORDER BY id")]


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


async def _refresh(auth_url: str, token: str, key: str) -> None:
    engine = create_async_engine(auth_url)
    try:
        async with engine.begin() as conn:
            await refresh(
                conn,
                token=token,
                access=AccessTokens(key, ttl=dt.timedelta(minutes=5)),
                refresh_ttl=dt.timedelta(days=1),
            )
    finally:
        await engine.dispose()


def test_a_full_and_an_incremental_backup_are_listed_with_the_restorable_window(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Backups of the running cluster, as under `partygrid up`.
    with started() as prepared:
        with _connect(prepared) as conn:
            conn.execute("CREATE TABLE public.drill (id int PRIMARY KEY)")
        _commit(prepared, 1)
        assert prepared.database.auth_url is not None
        state["token"] = asyncio.run(
            user_with_refresh_token(
                prepared.database.auth_url, "backup-drill", "Drill-password-2026", "viewer"
            )
        )
        out = _cli(capsys, "backup", "--full")
        assert "(full)" in out and "verified" in out
        # The backup's stop time is cut to the second: a moment is restorable from it only
        # a second after that (the restore refuses one it cannot be sure of).
        time.sleep(1.0)
        _commit(prepared, 2)
        time.sleep(0.2)  # the moment restored to lies clearly between the two commits
        with _connect(prepared) as conn:
            between = conn.execute("SELECT clock_timestamp()").fetchone()
        assert between is not None
        state["between"] = between[0]
        time.sleep(0.2)
        _commit(prepared, 3)
        out = _cli(capsys, "backup")  # the default: incremental
        assert "(incr)" in out and "verified" in out
        with _connect(prepared) as conn:
            after_incr = conn.execute("SELECT clock_timestamp()").fetchone()
        assert after_incr is not None
        state["after_incr"] = after_incr[0]  # rows 1, 2, 3 on timeline 1
        _commit(prepared, 4)  # in no backup, and not yet archived: the tail
        listed = json.loads(_cli(capsys, "backups", "--json"))
    assert [b["type"] for b in listed["backups"]] == ["full", "incr"]
    full, incr = listed["backups"]
    assert incr["label"].startswith(full["label"] + "_")  # the incr rests on the full
    window = listed["window"]
    # Stop times are whole seconds, cut down: consistent surely only a second later.
    stop = dt.datetime.fromisoformat(full["stop"])
    assert dt.datetime.fromisoformat(window["from"]) == stop + dt.timedelta(seconds=1)
    assert dt.datetime.fromisoformat(window["to"]) >= dt.datetime.fromisoformat(incr["stop"])
    archiver = listed["archiver"]  # read from the running cluster
    assert archiver["archivedCount"] > 0 and archiver["failedCount"] == 0
    # The repository and pgBackRest's lock, log and spool are the cluster user's alone.
    cluster = private_cluster(SETTINGS)
    for folder in (SETTINGS.backup_folder, cluster.root / "backup"):
        opened = [
            str(p)
            for p in [folder, *folder.rglob("*")]
            if not p.is_symlink() and p.stat().st_mode & 0o077
        ]
        assert opened == [], opened
    state["full"] = full["label"]
    state["access_key"] = token_keys(SETTINGS)["access"]


def test_a_restore_to_a_moment_holds_exactly_its_rows_and_ends_every_session(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = _cli(capsys, "restore", "--to", state["between"].isoformat(), "--yes")
    assert "restored to" in out and "(timeline 2)" in out and "take a new backup" in out
    with started() as prepared:
        assert _rows(prepared) == [1, 2]
        with _connect(prepared) as conn:
            left = dict(
                conn.execute(
                    "SELECT name, setting FROM pg_settings"
                    " WHERE name IN ('restore_command', 'recovery_target_time')"
                ).fetchall()
            )
        assert left == {"restore_command": "", "recovery_target_time": ""}
        auto_conf = (private_cluster(SETTINGS).data / "postgresql.auto.conf").read_text()
        assert "restore_command" not in auto_conf and "recovery_target" not in auto_conf
        # Sessions ended: a refresh token issued before no longer refreshes, and access
        # tokens signed with the old key are worth nothing.
        keys = token_keys(SETTINGS)
        assert keys["access"] != state["access_key"]
        assert prepared.database.auth_url is not None
        with pytest.raises(SessionRefusedError):
            asyncio.run(_refresh(prepared.database.auth_url, state["token"], keys["access"]))


def test_the_restored_cluster_starts_as_usual_and_archives_its_new_timeline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PARTYGRID_BACKUP_CIPHER_PASS", "a-pass-the-postmaster-must-not-see")
    with started() as prepared, _connect(prepared) as conn:
        # The postmaster (and the archiver's pgBackRest under it) never inherits it.
        assert prepared.cluster is not None
        pid = prepared.cluster.running_pid()
        environ = Path(f"/proc/{pid}/environ").read_bytes()
        assert b"PATH=" in environ and b"PARTYGRID_BACKUP_CIPHER_PASS" not in environ

        conn.execute("INSERT INTO public.drill (id) VALUES (5)")
        row = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()
        assert row is not None
        switched = str(row[0])
        for _ in range(300):  # the archiver's pace, not a timing: up to 60 s
            archiver = conn.execute(
                "SELECT last_archived_wal, failed_count FROM pg_stat_archiver"
            ).fetchone()
            assert archiver is not None
            if archiver[0] is not None and archiver[0] >= switched:
                break
            time.sleep(0.2)
    assert switched.startswith("00000002")  # the restore's timeline
    assert archiver[0] >= switched and archiver[1] == 0


def test_a_moment_before_an_earlier_restore_ran_is_restored_along_the_timeline_of_then(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # After the incremental backup, timeline 1 held rows 1, 2, 3 until the restore to
    # `between` started timeline 2 (rows 1, 2, then 5): that moment is on timeline 1.
    kept_key = token_keys(SETTINGS)["access"]
    monkeypatch.setenv("PARTYGRID_ACCESS_TOKEN_KEY", "an-access-key-the-operator-set-0123456789")
    out = _cli(capsys, "restore", "--to", state["after_incr"].isoformat(), "--yes")
    assert "on timeline 1, from backup" in out  # what is restored, named before it is
    assert "(timeline 3)" in out
    # The operator's key is not rotated here: the restore says access tokens stay valid.
    assert "access tokens stay valid until PARTYGRID_ACCESS_TOKEN_KEY is changed" in out
    assert "every session ended" not in out
    assert token_keys(SETTINGS)["access"] == kept_key
    with started() as prepared:
        assert _rows(prepared) == [1, 2, 3]


def test_a_restore_to_a_backup_then_to_the_latest_state_follows_the_newest_timeline(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A replica of timeline 2: after the restore it would serve undone rows.
    with started() as prepared:
        assert prepared.cluster is not None
        follower = add_replica(prepared.cluster, "r1")
        follower.stop()  # as `partygrid up` stops its replicas
    out = _cli(capsys, "restore", "--backup", state["full"], "--yes")
    assert "(timeline 4)" in out
    assert "re-add replicas: partygrid replica add r1" in out
    assert not follower.root.exists()
    with started() as prepared:
        assert _rows(prepared) == [1]
        _commit(prepared, 6)  # in no archived WAL segment yet: only in pg_wal
        private_cluster(SETTINGS).kill()  # no clean shutdown, which would archive it
    # The restore starts the dead cluster and stops it cleanly first, so row 6 reaches the
    # archive. The incremental backup lies on timeline 1 after the fork of timeline 2 (and
    # 3): the latest state is reached from the full backup along timeline 4.
    out = _cli(capsys, "restore", "--yes")
    assert "the end of the WAL archive" in out and "(timeline 5)" in out
    with started() as prepared:
        assert _rows(prepared) == [1, 6]


def test_a_new_machine_with_only_the_repository_restores_the_latest_state(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not NEW_MACHINE.data_dir.exists()
    monkeypatch.setenv("PARTYGRID_DATA_DIR", str(NEW_MACHINE.data_dir))
    monkeypatch.setenv("PARTYGRID_BACKUP_REPO", str(NEW_MACHINE.backup_folder))
    _cli(capsys, "restore", "--yes")  # no initdb: the restore makes the cluster's data
    new = private_cluster(NEW_MACHINE)
    assert new.admin_password != private_cluster(SETTINGS).admin_password
    with RunLock(NEW_MACHINE.data_dir), database(NEW_MACHINE) as prepared:
        assert _rows(prepared) == [1, 6]  # signed in with this machine's own passwords


def test_a_hole_in_the_wal_archive_is_shown_by_backups(capsys: pytest.CaptureFixture[str]) -> None:
    # As when WAL past archive-push-queue-max was dropped (pgBackRest calls that a success).
    segments = sorted(
        p
        for p in SETTINGS.backup_folder.joinpath("archive").rglob("00000001*-*")
        if len(p.name.split("-")[0]) == 24
    )
    assert len(segments) >= 3
    lost = segments[1].name[:24]
    assert segments[1].is_relative_to(TEST_DATA_DIR)  # never an operator's repository
    segments[1].unlink()
    out = _cli(capsys, "backups")
    assert f"WAL archive gap {lost} .. {lost}: archiving was interrupted" in out
    listed = json.loads(_cli(capsys, "backups", "--json"))
    assert listed["archive"]["gaps"] == [{"from": lost, "to": lost}]
