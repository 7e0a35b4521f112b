"""Services started as root run as an unprivileged user, with umask 077, logging to
owner-only files."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from infra.settings import SuiteSettings
from stack import Running


def _status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


def test_subgraphs_and_gateway_do_not_run_as_root(running: Running) -> None:
    expected = pwd.getpwnam(SuiteSettings().pg_user).pw_uid if os.geteuid() == 0 else os.geteuid()
    names = set()
    for service in running.supervisor.services:
        if service.process is None or service.process.poll() is not None:
            continue  # a gateway another test started and stopped; the session's four run
        status = _status(service.process.pid)
        real, effective, saved, _fs = (int(uid) for uid in status["Uid"].split())
        assert (real, effective, saved) == (expected, expected, expected), service.name
        assert all(int(gid) != 0 for gid in status["Gid"].split()) or os.geteuid() != 0
        assert status["Groups"].strip() in ("", str(pwd.getpwuid(expected).pw_gid))
        assert int(status["Umask"], 8) == 0o077, service.name
        names.add(service.name)
    assert {"org", "grid", "assess", "gateway"} <= names


def test_service_logs_are_owner_only(running: Running) -> None:
    for service in running.supervisor.services:
        assert service.log_path is not None
        assert service.log_path.stat().st_mode & 0o777 == 0o600, service.name
    assert running.supervisor.log_dir.stat().st_mode & 0o777 == 0o700
