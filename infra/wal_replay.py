"""Replaying a restored cluster's WAL to its target in a real server, with archiving on.

`Cluster.start` first sets the superuser's password in single-user mode, which would do the
whole recovery there: with archiving off, so the new timeline's history file would never reach
the repository, and the next promotion (a second restore, a replica) would pick the same
timeline number again, breaking the archive's history. So a restored cluster is first started
here, as the server it is (the cluster's own options, archive_command included), until
pg_controldata says it is in production; then it is stopped, and started the usual way.

No sign-in is needed: the restored cluster still holds the old machine's passwords.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from infra.cluster import Cluster
from infra.errors import SetupError

# What PostgreSQL logs when recovery ends: the time of the last commit it replayed.
_LAST = re.compile(r"last completed transaction was at log time (\S+ \S+)")


@dataclass(frozen=True)
class Replayed:
    last_commit: str | None  # the time of the last transaction replayed (PostgreSQL's words)
    timeline: int


def _control(cluster: Cluster) -> dict[str, str]:
    done = cluster._run(["pg_controldata", "-D", str(cluster.data)])  # as the cluster's user
    pairs = (line.split(":", 1) for line in done.stdout.splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def _log_since(cluster: Cluster, offset: int) -> str:
    try:
        with cluster.log.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")
    except FileNotFoundError:
        return ""


def _failure(text: str) -> str:
    lines = [line for line in text.splitlines() if "FATAL" in line or "PANIC" in line]
    return lines[-1] if lines else (text.strip().splitlines() or ["no message"])[-1]


def _pg_ctl_start(cluster: Cluster, timeout: float) -> bool:
    """`pg_ctl start` with the very options `Cluster.start` uses (archive_command included),
    without setting passwords; whether it started."""
    options = " ".join(cluster._options())
    pg_ctl = ["pg_ctl", "-D", str(cluster.data), "-l", str(cluster.log), "-w"]
    done = cluster._run([*pg_ctl, "-t", str(max(1, int(timeout))), "-o", options, "start"])
    return done.returncode == 0


# The states of a cluster that stopped without a clean shutdown: its last WAL (commits not
# yet archived) is only in pg_wal.
_UNCLEAN = {"in production", "shutting down", "in crash recovery"}


def save_tail(cluster: Cluster, timeout: float = 600.0) -> bool | None:
    """Before a restore replaces pg_wal: a cluster that died (SIGKILL, power loss) is started
    (crash recovery) and shut down cleanly, which with archiving on switches to a new WAL
    segment and archives the last one, so commits not archived yet reach the repository and
    a restore to the latest state holds them. None when the cluster had stopped cleanly (its
    shutdown archived the tail), else whether its tail was saved."""
    if not (cluster.data / "PG_VERSION").exists():
        return None
    if _control(cluster).get("Database cluster state") not in _UNCLEAN:
        return None
    try:
        return _pg_ctl_start(cluster, timeout)
    finally:
        cluster.stop()


def replay(cluster: Cluster, timeout: float = 3600.0) -> Replayed:
    """Start the restored `cluster` (with its archive_command), wait until recovery ended and
    it was promoted, stop it; what it replayed up to, and its new timeline."""
    offset = cluster.log.stat().st_size if cluster.log.exists() else 0
    deadline = time.monotonic() + timeout
    try:
        # Inside the try: a start that times out leaves a recovering server behind.
        if not _pg_ctl_start(cluster, timeout):
            raise SetupError(
                f"the restored cluster did not start: {_failure(_log_since(cluster, offset))}",
                f"read {cluster.log}; the restore is unfinished: run partygrid restore again, "
                "with an earlier --to (past the archive's end is out of reach) or none for "
                "the latest",
            )
        while _control(cluster).get("Database cluster state") != "in production":
            if cluster.running_pid() is None:
                raise SetupError(
                    f"the restored cluster stopped: {_failure(_log_since(cluster, offset))}",
                    f"read {cluster.log}",
                )
            if time.monotonic() > deadline:
                raise SetupError(
                    f"the restored cluster still replays WAL after {timeout:.0f} s",
                    f"read {cluster.log}",
                )
            time.sleep(0.1)
    finally:
        cluster.stop()  # archives the new timeline's history on the way out
    text = _log_since(cluster, offset)
    found = _LAST.findall(text)
    timeline = int(_control(cluster).get("Latest checkpoint's TimeLineID", "0"))
    return Replayed(found[-1] if found else None, timeline)
