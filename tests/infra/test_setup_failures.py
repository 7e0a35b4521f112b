"""Bad set-up inputs stop with one line of cause and its fix, leaving nothing half-started.

Each test runs the real `partygrid` command in a process of its own, in a throw-away data
folder, so the session's test cluster is never disturbed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from infra.cluster import Cluster, cluster_root, cluster_user, find_bindir
from infra.locking import RunLock
from infra.supervisor import free_port

SETUP_FAILED = 2  # the CLI's exit status for a SetupError


def _partygrid(
    args: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PARTYGRID_")}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "infra.cli", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _assert_one_cause(done: subprocess.CompletedProcess, *needles: str) -> None:
    assert done.returncode == SETUP_FAILED, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2, done.stderr  # the cause, then the fix
    assert lines[0].startswith("partygrid: ")
    assert lines[1].strip().startswith("fix: ")
    for needle in needles:
        assert needle in done.stderr


def _postgres_processes_of(data_dir: Path) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if Path(os.readlink(proc / "cwd")).is_relative_to(data_dir.resolve()):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def test_busy_port_stops_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        # The other ports free ones of their own, so a suite running on the defaults (a
        # developer's `partygrid up`) cannot be the busy port this test finds first.
        others = {f"PARTYGRID_{n}_PORT": str(free_port()) for n in ("ORG", "GRID", "ASSESS")}
        done = _partygrid(
            ["up"],
            {"PARTYGRID_DATA_DIR": str(tmp_path), "PARTYGRID_GATEWAY_PORT": str(port), **others},
        )
    _assert_one_cause(done, f"port {port}", "PARTYGRID_GATEWAY_PORT")
    assert not (tmp_path / "pg").exists(), "no cluster may be created when a port is busy"


def test_second_concurrent_run_is_refused(tmp_path: Path) -> None:
    with RunLock(tmp_path):
        done = _partygrid(["setup"], {"PARTYGRID_DATA_DIR": str(tmp_path)})
    _assert_one_cause(done, f"pid {os.getpid()}", "PARTYGRID_DATA_DIR")
    assert not (tmp_path / "pg").exists()


def test_wrong_database_url_names_the_setting(tmp_path: Path) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # closed again: nothing listens there
    done = _partygrid(
        ["setup"],
        {
            "PARTYGRID_DATA_DIR": str(tmp_path),
            "DATABASE_URL": f"postgresql://nobody:secret@127.0.0.1:{port}/nowhere",
        },
    )
    _assert_one_cause(done, "cannot connect to DATABASE_URL", "DATABASE_URL")
    assert "secret" not in done.stderr, "a password must never be printed"


def test_missing_postgis_says_which_package(tmp_path: Path) -> None:
    # A server whose extension folder has no PostGIS: the real binaries, and a pg_config
    # that reports an empty share folder.
    real = find_bindir(None)
    fake = tmp_path / "bin"
    fake.mkdir()
    for name in ("postgres", "initdb", "pg_ctl"):
        (fake / name).symlink_to(real / name)
    share = tmp_path / "share"
    (share / "extension").mkdir(parents=True)
    (fake / "pg_config").write_text(f"#!/bin/sh\necho {share}\n")
    (fake / "pg_config").chmod(0o755)
    done = _partygrid(
        ["setup"],
        {
            "PARTYGRID_DATA_DIR": str(tmp_path / "data"),
            "PARTYGRID_PG_BINDIR": str(fake),
            "PARTYGRID_INSTALL_MISSING": "false",
        },
    )
    _assert_one_cause(done, "PostGIS is not installed", "apt-get install postgresql-15-postgis-3")
    assert not (tmp_path / "data" / "pg" / "data").exists()


def test_stale_pid_file_is_cleared_and_the_cluster_starts(tmp_path: Path) -> None:
    user = cluster_user()
    cluster = Cluster(cluster_root(tmp_path, user), find_bindir(None), user, fast_unsafe=True)
    cluster.initialize()
    # A crash leaves postmaster.pid naming a pid that is now some other process: ours.
    pid_file = cluster.data / "postmaster.pid"
    pid_file.write_text(f"{os.getpid()}\n{cluster.data}\n")
    if cluster.run_as:
        import pwd

        entry = pwd.getpwnam(cluster.run_as)
        os.chown(pid_file, entry.pw_uid, entry.pw_gid)
    try:
        assert cluster.start() is True
        assert cluster.running_pid() not in (None, os.getpid())
    finally:
        cluster.stop()
        if cluster.root != tmp_path / "pg":
            shutil.rmtree(cluster.root, ignore_errors=True)
    assert cluster.running_pid() is None
    assert _postgres_processes_of(cluster.data) == []


def test_a_cluster_left_running_by_a_dead_run_is_adopted_then_stopped(tmp_path: Path) -> None:
    user = cluster_user()
    cluster = Cluster(cluster_root(tmp_path, user), find_bindir(None), user, fast_unsafe=True)
    cluster.initialize()
    cluster.start()  # as a run killed with SIGKILL leaves it: running, with no run lock held
    try:
        done = _partygrid(
            ["setup"], {"PARTYGRID_DATA_DIR": str(tmp_path), "PARTYGRID_DEMO": "false"}
        )
        assert done.returncode == 0, done.stderr
        assert "reusing the cluster" in done.stdout
        assert cluster.running_pid() is None, "setup must stop the cluster it adopted"
    finally:
        cluster.stop()
        if cluster.root != tmp_path / "pg":
            shutil.rmtree(cluster.root, ignore_errors=True)
    assert _postgres_processes_of(cluster.data) == []
