"""What the private cluster offers the operations side (issue 18): page checksums, a
replication line in pg_hba.conf, WAL archiving when asked, a libpq password file for tools
that take no password, and the end of a restore's recovery settings."""

from __future__ import annotations

import os
import pwd
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from infra.cluster import (
    PG_HBA,
    REPLICATION_ROLE,
    SOCKET_PORT,
    Cluster,
    cluster_root,
    cluster_user,
    find_bindir,
)

ARCHIVED = "archived"  # the folder the test's archive command copies segments into


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A fresh cluster archiving into a folder with `cp`, and one extra setting."""
    folder = tmp_path_factory.mktemp("ops-cluster")
    user = cluster_user()
    root = cluster_root(folder, user)
    made = Cluster(root, find_bindir(None), user, fast_unsafe=True)
    made.initialize()
    archive = root / ARCHIVED
    archive.mkdir()
    if user:
        entry = pwd.getpwnam(user)
        os.chown(archive, entry.pw_uid, entry.pw_gid)
    made = Cluster(
        root,
        made.bindir,
        user,
        fast_unsafe=True,
        archive_command=f"test ! -f {archive}/%f && cp %p {archive}/%f",
        extra_options=("work_mem='7MB'",),
    )
    made.start()
    try:
        yield made
    finally:
        made.stop()
        if root != folder / "pg":
            shutil.rmtree(root, ignore_errors=True)


def _show(cluster: Cluster, name: str) -> str:
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        row = conn.execute(f"SHOW {name}").fetchone()
    assert row is not None
    return str(row[0])


def test_new_clusters_checksum_their_pages(cluster: Cluster) -> None:
    assert _show(cluster, "data_checksums") == "on"


def test_replicas_have_a_line_of_their_own_for_their_role_only(cluster: Cluster) -> None:
    hba = (cluster.data / "pg_hba.conf").read_text()
    assert hba == PG_HBA
    rules = [line.split() for line in hba.splitlines() if line and not line.startswith("#")]
    assert ["local", "replication", REPLICATION_ROLE, "scram-sha-256"] in rules
    # No other role may open a replication connection, and nothing is trusted.
    assert all(rule[3] == "scram-sha-256" for rule in rules)
    assert [rule[2] for rule in rules if rule[1] == "replication"] == [REPLICATION_ROLE]


def test_archiving_copies_each_finished_segment(cluster: Cluster) -> None:
    assert _show(cluster, "archive_mode") == "on"
    assert _show(cluster, "archive_timeout") == "1min"
    assert _show(cluster, "work_mem") == "7MB"  # the extra options reach the server
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS t (n int)")
        conn.execute("INSERT INTO t VALUES (1)")
        row = conn.execute("SELECT pg_walfile_name(pg_current_wal_lsn())").fetchone()
        assert row is not None
        segment = str(row[0])
        conn.execute("SELECT pg_switch_wal()")
    deadline = time.monotonic() + 30
    while not (cluster.root / ARCHIVED / segment).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (cluster.root / ARCHIVED / segment).exists(), sorted(
        p.name for p in (cluster.root / ARCHIVED).iterdir()
    )


def test_the_password_file_signs_tools_in_and_is_the_cluster_users_alone(
    cluster: Cluster,
) -> None:
    path = cluster.pgpass_file()
    assert path.stat().st_mode & 0o777 == 0o600
    if cluster.run_as:
        assert path.stat().st_uid == pwd.getpwnam(cluster.run_as).pw_uid
    # libpq finds the superuser's password there; nothing else is given.
    conninfo = (
        f"host={cluster.socket_dir} port={SOCKET_PORT} user=postgres dbname=postgres "
        f"passfile={path}"
    )
    with psycopg.connect(conninfo) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("postgres",)
    assert cluster.password_of(REPLICATION_ROLE) in path.read_text()


def test_recovery_settings_are_removed_once_promoted(cluster: Cluster) -> None:
    cluster.wait_promoted(timeout=5)  # a primary: returns at once
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET restore_command = 'false'")
        conn.execute("ALTER SYSTEM SET recovery_target_time = '2026-01-01 00:00:00+00'")
        conn.execute("ALTER SYSTEM SET recovery_target_action = 'promote'")
    auto = Path(cluster.data / "postgresql.auto.conf")
    assert "restore_command" in auto.read_text()
    cluster.reset_recovery_settings()
    text = auto.read_text()
    assert "restore_command" not in text and "recovery_target" not in text, text
