"""`partygrid backup | backups | restore` without taking a backup: pgBackRest's configuration
as written for a cluster, the arguments refused before anything is touched, and the refusal
to restore under a running suite. (Real backups and restores: tests/ops/test_backup.py.)"""

from __future__ import annotations

import datetime as dt
import os
import pwd
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pydantic import SecretStr

from infra import backup, pgbackrest, timelines
from infra.cli import main
from infra.errors import SetupError
from infra.locking import RunLock
from infra.settings import SuiteSettings
from infra.setup import Prepared, private_cluster
from stack import TEST_DATA_DIR

CIPHER = "a-cipher-pass-for-the-test"


@pytest.fixture
def settings(request: pytest.FixtureRequest) -> Iterator[SuiteSettings]:
    """Settings of a data folder of its own (no cluster is made in it)."""
    data_dir = TEST_DATA_DIR / f"backup-{request.node.name[:40]}"
    shutil.rmtree(data_dir, ignore_errors=True)
    yield SuiteSettings(data_dir=data_dir, archive=True)
    root = private_cluster(SuiteSettings(data_dir=data_dir)).root
    shutil.rmtree(data_dir, ignore_errors=True)
    shutil.rmtree(root, ignore_errors=True)


def _cluster_uid(settings: SuiteSettings) -> int:
    user = private_cluster(settings).run_as
    return pwd.getpwnam(user).pw_uid if user else os.geteuid()


def test_the_configuration_keeps_every_path_inside_the_cluster_or_the_repository(
    settings: SuiteSettings,
) -> None:
    settings = settings.model_copy(update={"backup_retention_full": 3})
    cluster = private_cluster(settings)
    paths = pgbackrest.prepare(settings, cluster)
    text = paths.config.read_text()
    values = dict(
        line.split("=", 1) for line in text.splitlines() if "=" in line and line[0] != "#"
    )
    for name in ("lock-path", "log-path", "spool-path", "pg1-path", "pg1-socket-path"):
        assert Path(values[name]).is_relative_to(cluster.root), name
    assert values["repo1-path"] == str(settings.backup_folder.absolute())
    assert values["repo1-retention-full"] == "3"
    assert values["archive-push-queue-max"] == "4GiB"  # an unreachable repo never fills the disk
    assert values["archive-async"] == "y"
    assert "cipher" not in "".join(values)  # no encryption unless a pass is set
    assert cluster.admin_password not in text
    assert not (paths.include / "cipher.conf").exists()
    # PostgreSQL's archive command names the files, never a secret.
    assert paths.archive_command() == (
        f"pgbackrest --config={paths.config} --config-include-path={paths.include} "
        "--stanza=partygrid archive-push %p"
    )


def test_the_cipher_pass_goes_to_its_own_private_file_never_the_configuration(
    settings: SuiteSettings,
) -> None:
    settings = settings.model_copy(update={"backup_cipher_pass": SecretStr(CIPHER)})
    cluster = private_cluster(settings)
    paths = pgbackrest.prepare(settings, cluster)
    text = paths.config.read_text()
    assert "repo1-cipher-type=aes-256-cbc" in text
    assert CIPHER not in text
    assert CIPHER not in paths.archive_command()
    cipher = paths.include / "cipher.conf"
    assert f"repo1-cipher-pass={CIPHER}" in cipher.read_text()
    for path in (paths.config, cipher):
        info = path.stat()
        assert stat.S_IMODE(info.st_mode) == 0o600, path
        assert info.st_uid == _cluster_uid(settings), path
    for folder in (paths.repo, paths.work, paths.include):
        info = folder.stat()
        assert stat.S_IMODE(info.st_mode) == 0o700, folder
        assert info.st_uid == _cluster_uid(settings), folder
    # Unset again: the pass is removed with the next start.
    pgbackrest.prepare(settings.model_copy(update={"backup_cipher_pass": None}), cluster)
    assert not cipher.exists()
    assert "repo1-cipher-type" not in paths.config.read_text()


def test_backups_under_a_running_suite_with_another_repository_refuse_and_change_nothing(
    settings: SuiteSettings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # `partygrid up` wrote the configuration its cluster archives with, and holds the lock; a
    # cron job's environment names another repository (one the cluster's user could use),
    # then has no cipher pass.
    elsewhere = settings.data_dir.with_name(settings.data_dir.name + "-elsewhere")
    shutil.rmtree(elsewhere, ignore_errors=True)
    settings = settings.model_copy(update={"backup_cipher_pass": SecretStr(CIPHER)})
    paths = pgbackrest.prepare(settings, private_cluster(settings))
    before = paths.config.read_text()
    monkeypatch.setenv("PARTYGRID_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PARTYGRID_BACKUP_CIPHER_PASS", CIPHER)
    with RunLock(settings.data_dir):
        monkeypatch.setenv("PARTYGRID_BACKUP_REPO", str(elsewhere))
        assert main(["backups"]) == 2
        err = capsys.readouterr().err
        assert f"archives into {paths.repo}" in err and "PARTYGRID_BACKUP_REPO" in err
        monkeypatch.delenv("PARTYGRID_BACKUP_REPO")
        monkeypatch.delenv("PARTYGRID_BACKUP_CIPHER_PASS")
        assert main(["backups"]) == 2
        assert "encrypts its repository, but this command has no" in capsys.readouterr().err
    assert paths.config.read_text() == before
    assert (paths.include / "cipher.conf").exists()
    assert not elsewhere.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="root writing into the cluster user's folder")
def test_links_planted_in_the_cluster_folder_are_replaced_never_followed(
    settings: SuiteSettings, tmp_path: Path
) -> None:
    # A taken-over cluster user links the names root writes to a file of root's.
    victim = tmp_path / "shadow"
    victim.write_text("root's own\n")
    victim.chmod(0o640)
    before = victim.stat()
    cluster = private_cluster(settings)
    paths = pgbackrest.backup_paths(settings, cluster)
    cluster.root.mkdir(parents=True, exist_ok=True)
    planted = [
        cluster.root / "pgpass",
        paths.config,
        paths.config.with_name(f".{paths.config.name}.part"),  # the name used until now
    ]
    for link in planted:
        link.symlink_to(victim)
    written = cluster.pgpass_file()
    pgbackrest.prepare(settings, cluster)
    after = victim.stat()
    assert victim.read_text() == "root's own\n"
    assert (after.st_uid, after.st_mode, after.st_size) == (
        before.st_uid,
        before.st_mode,
        before.st_size,
    )
    for path in (written, paths.config):
        assert not path.is_symlink() and stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.stat().st_uid == _cluster_uid(settings)
    assert cluster.admin_password in written.read_text()
    assert "repo1-path=" in paths.config.read_text()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs a cluster user other than ourselves")
def test_a_repository_the_cluster_user_cannot_reach_is_refused(
    settings: SuiteSettings, tmp_path: Path
) -> None:
    hidden = tmp_path / "private"
    hidden.mkdir(mode=0o700)  # root's, and closed to the cluster's user
    settings = settings.model_copy(update={"backup_repo": hidden / "repo"})
    with pytest.raises(SetupError, match="cannot be reached or written") as refused:
        pgbackrest.prepare(settings, private_cluster(settings))
    assert "PARTYGRID_BACKUP_REPO" in refused.value.fix


@pytest.mark.skipif(os.geteuid() != 0, reason="needs a cluster user other than ourselves")
def test_a_cluster_in_the_temp_folder_keeps_its_default_repository_beside_it(
    tmp_path: Path,
) -> None:
    # A data folder the cluster's user cannot reach (a checkout in /root, say): its cluster
    # lives in the temp folder, and the default repository with it, so `up` still starts.
    settings = SuiteSettings(data_dir=tmp_path / "data", archive=True)
    cluster = private_cluster(settings)
    try:
        assert not cluster.root.is_relative_to(settings.data_dir)
        paths = pgbackrest.prepare(settings, cluster)
        assert paths.repo == cluster.root / "backups"
        assert f"repo1-path={cluster.root / 'backups'}" in paths.config.read_text()
    finally:
        shutil.rmtree(cluster.root, ignore_errors=True)


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("2026-12-07T16:30:00", "has no UTC offset"),
        ("2026-12-07 16:30", "has no UTC offset"),
        ("yesterday", "is not an ISO-8601 time"),
    ],
)
def test_a_restore_time_needs_its_offset(
    settings: SuiteSettings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    given: str,
    problem: str,
) -> None:
    monkeypatch.setenv("PARTYGRID_DATA_DIR", str(settings.data_dir))
    assert main(["restore", "--to", given, "--yes"]) == 2
    err = capsys.readouterr().err
    assert problem in err and "+08:00" in err
    assert not settings.data_dir.exists()  # refused before anything was made


def test_a_restore_to_a_future_moment_is_refused_before_anything_is_touched(
    settings: SuiteSettings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARTYGRID_DATA_DIR", str(settings.data_dir))
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    assert main(["restore", "--to", later, "--yes"]) == 2
    assert "is in the future" in capsys.readouterr().err
    assert not (private_cluster(settings).root / "pgbackrest.conf").exists()


def test_a_restore_time_with_its_offset_is_taken_as_that_moment() -> None:
    assert backup.parse_time("2026-12-07T16:30:00+08:00") == dt.datetime(
        2026, 12, 7, 8, 30, tzinfo=dt.UTC
    )
    assert backup.parse_time("2026-12-07T08:30:00Z") == dt.datetime(
        2026, 12, 7, 8, 30, tzinfo=dt.UTC
    )


def _made(label: str, stop: str, wal: str, stop_lsn: str) -> backup.BackupInfo:
    moment = dt.datetime.fromisoformat(stop)
    return backup.BackupInfo(label, "full", moment, moment, 1, 1, wal, wal, stop_lsn)


FULL = _made("20261207-100000F", "2026-12-07T10:00:00+00:00", "0" * 7 + "1" + "0" * 16, "0/4000100")
INCR = _made(
    "20261207-100000F_20261207-110000I",
    "2026-12-07T11:00:00+00:00",
    "00000001000000000000000A",
    "0/A000100",
)


def test_an_unknown_backup_label_is_refused_with_the_labels_there_are() -> None:
    with pytest.raises(SetupError, match="no backup is labelled 'nope'") as refused:
        backup.restore_args([FULL, INCR], (1, {}), None, "nope")
    assert FULL.label in refused.value.fix and INCR.label in refused.value.fix
    assert backup.restore_args([FULL, INCR], (1, {}), None, FULL.label) == [
        f"--set={FULL.label}",
        "--type=immediate",
        "--target-action=promote",
    ]


def test_a_time_before_the_oldest_backup_ended_is_refused() -> None:
    with pytest.raises(SetupError, match="no backup ends before"):
        backup.restore_args([FULL, INCR], (1, {}), dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC), None)
    with pytest.raises(SetupError, match="holds no backup"):
        backup.restore_args([], (1, {}), None, None)


def test_a_restore_picks_the_newest_backup_before_the_time_on_the_newest_timeline() -> None:
    at = dt.datetime(2026, 12, 7, 10, 30, tzinfo=dt.UTC)
    assert backup.restore_args([FULL, INCR], (1, {}), at, None)[0] == f"--set={FULL.label}"
    assert backup.restore_args([FULL, INCR], (1, {}), None, None) == [f"--set={INCR.label}"]
    # Timeline 2 forked from 1 at 0/5000000 (a restore to 10:30): the incr, taken on 1 after
    # the fork, cannot be replayed along 2.
    ends = timelines.history_ends("1\t0/5000000\tbefore 2026-12-07 10:30:00+00\n")
    assert ends == {1: 0x5000000}
    assert backup.restore_args([FULL, INCR], (2, ends), None, None) == [f"--set={FULL.label}"]


def test_a_restore_is_refused_while_a_run_holds_the_data_folder(
    settings: SuiteSettings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARTYGRID_DATA_DIR", str(settings.data_dir))
    with RunLock(settings.data_dir):  # as `partygrid up` holds it
        assert main(["restore", "--yes"]) == 2
    err = capsys.readouterr().err
    assert "stop partygrid up first" in err
    assert not (private_cluster(settings).root / "pgbackrest.conf").exists()  # nothing done


def test_a_restore_without_a_terminal_asks_for_yes(
    settings: SuiteSettings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARTYGRID_DATA_DIR", str(settings.data_dir))
    assert main(["restore"]) == 2
    assert "add --yes" in capsys.readouterr().err


def test_a_database_url_server_is_not_backed_up_here(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://admin@db.example/partygrid")
    assert main(["backup"]) == 2
    assert "pgBackRest must run on the database's host" in capsys.readouterr().err


def test_the_tests_session_cluster_never_archives(prepared: Prepared) -> None:
    if prepared.cluster is None:
        pytest.skip("DATABASE_URL: no private cluster")
    with psycopg.connect(prepared.database.admin_conninfo) as conn:
        row = conn.execute("SHOW archive_mode").fetchone()
    assert row is not None and row[0] == "off"


def test_a_time_within_a_backups_last_second_is_reached_from_the_backup_before() -> None:
    # pgBackRest's stop time is cut to the second: at 11:00:00.5 the incr may not have ended.
    within = dt.datetime(2026, 12, 7, 11, 0, 0, 500000, tzinfo=dt.UTC)
    assert backup.restore_args([FULL, INCR], (1, {}), within, None)[0] == f"--set={FULL.label}"
    after = dt.datetime(2026, 12, 7, 11, 0, 1, tzinfo=dt.UTC)
    assert backup.restore_args([FULL, INCR], (1, {}), after, None)[0] == f"--set={INCR.label}"


def test_a_moment_is_restored_along_the_timeline_the_database_ran_on_then() -> None:
    # Timeline 2 began at 12:00 (a restore to 10:30 ran then), timeline 3 at 13:00.
    began = {2: 12 * 3600.0, 3: 13 * 3600.0}
    assert timelines.in_use_at(began, 11 * 3600.0, {1: 10 * 3600.0}) == 1
    assert timelines.in_use_at(began, 12.5 * 3600, {1: 10 * 3600.0}) == 2
    assert timelines.in_use_at(began, 14 * 3600.0, {1: 10 * 3600.0}) == 3
    # Timeline 1 at 11:00: the incr (on 1 after timeline 2's fork) is usable along it.
    at = dt.datetime(2026, 12, 7, 11, 30, tzinfo=dt.UTC)
    assert backup.restore_args([FULL, INCR], (1, {}), at, None) == [
        f"--set={INCR.label}",
        "--type=time",
        "--target=2026-12-07 11:30:00.000000+00",
        "--target-action=promote",
        "--target-timeline=1",
    ]


@pytest.mark.parametrize(
    ("began", "backups"),
    [
        ({2: 500.0, 3: 500.0}, {}),  # a copy without its times: all alike
        ({2: 900.0, 3: 500.0}, {}),
        ({2: 900.0}, {1: 100.0, 2: 800.0}),  # a backup on 2 before 2 began
    ],
)
def test_history_times_that_cannot_be_right_are_undecidable(
    began: dict[int, float], backups: dict[int, float]
) -> None:
    with pytest.raises(timelines.UndecidableError):
        timelines.in_use_at(began, 1000.0, backups)


def test_holes_in_the_wal_archive_are_found_per_timeline_across_log_files() -> None:
    names = [
        "0000000100000000000000FE",
        "0000000100000000000000FF",
        "000000010000000100000000",  # the next after FF: no hole
        "000000010000000100000003",  # 1 and 2 missing
        "000000020000000100000002",  # timeline 2 starts at its fork: no hole before it
        "000000020000000100000003",
    ]
    assert timelines.gaps(names) == [("000000010000000100000001", "000000010000000100000002")]
    assert timelines.gaps(names[:3]) == []
