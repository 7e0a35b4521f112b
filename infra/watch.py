"""`partygrid up`'s watch: a process that dies is started again, with backoff, and says so.

Each watched process (the subgraphs and the gateway, see `Supervisor.watched`; the private
cluster's postmaster, `postmaster_watched`) is a `Watched`: how to tell it ended, how to
start it again, how to tell it is back. `watch` polls them; when one ends, its
`RestartPolicy` says how long to wait (or to give up), and the console says what happens:

    partygrid: grid exited (signal 9), restarting in 1.0 s (restart 2)
    partygrid: grid is back (healthy in 0.8 s)

The postmaster is started again by `Cluster.start`; PostgreSQL itself replays its WAL (crash
recovery), so every acknowledged commit is there when it accepts connections again. The
services reconnect by themselves (their pools check a connection before using it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from infra.cluster import processes_in
from infra.errors import SetupError
from infra.restart_policy import RestartPolicy

if TYPE_CHECKING:
    from infra.cluster import Cluster

TICK = 0.2  # seconds between two looks at every process
START_TIMEOUT = 60.0  # a restarted process not healthy by then is stopped and counted again


@dataclass
class Watched:
    """One process `watch` keeps running."""

    name: str
    ended: Callable[[], str | None]  # None while it runs, else how it ended ("exited (...)")
    restart: Callable[[], None]  # start it again (SetupError or OSError when it cannot)
    healthy: Callable[[], bool]  # answers again
    log_path: Path | None = None
    back: str = "healthy"  # the word of the "is back" line
    stop: Callable[[], None] | None = None  # ends a restart that never became healthy
    policy: RestartPolicy = field(default_factory=RestartPolicy)


@dataclass
class _State:
    phase: str = "running"  # running | waiting (to restart) | starting (until healthy)
    at: float = 0.0  # waiting: when to restart; starting: when it was restarted


def watch(  # noqa: C901, PLR0912 -- one loop over three phases reads best whole
    items: list[Watched],
    *,
    stop: threading.Event | None = None,
    say: Callable[[str], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    tick: float = TICK,
) -> Watched | None:
    """Keep `items` running until `stop` is set (None returned) or one is given up (it is
    returned: the caller stops everything). Ctrl-C (KeyboardInterrupt) ends it too."""
    tell = say or _print
    states = {id(item): _State() for item in items}
    now = clock()
    for item in items:
        item.policy.healthy(now)
    while stop is None or not stop.is_set():
        for item in items:
            state, now = states[id(item)], clock()
            if state.phase == "waiting":
                if now < state.at:
                    continue
                try:
                    item.restart()
                except (SetupError, OSError) as failed:  # pg_ctl refused, or no fork
                    tell(f"partygrid: {item.name} did not start again: {failed}")
                    if not _schedule(item, state, clock(), "could not start", tell):
                        return item
                    continue
                state.phase, state.at = "starting", now
                continue
            ended = item.ended()
            if ended is not None:
                if not _schedule(item, state, now, ended, tell):
                    return item
                continue
            if state.phase == "starting":
                if item.healthy():
                    now = clock()
                    tell(f"partygrid: {item.name} is back ({item.back} in {now - state.at:.1f} s)")
                    item.policy.healthy(now)
                    state.phase = "running"
                elif now - state.at > START_TIMEOUT and item.stop is not None:
                    tell(f"partygrid: {item.name} is not healthy {START_TIMEOUT:.0f} s after "
                         "its restart; stopping it")  # fmt: skip
                    item.stop()  # it ends: the next look restarts it, counted
        if stop is not None:
            stop.wait(tick)
        else:
            time.sleep(tick)
    return None


def _schedule(item: Watched, state: _State, now: float, ended: str, tell: Callable) -> bool:
    """Plan the restart of `item` that ended; False when its policy gives up."""
    delay = item.policy.exited(now)
    if delay is None:
        where = f"; see {item.log_path}" if item.log_path else ""
        tell(
            f"partygrid: {item.name} {ended}: {item.policy.max_restarts} restarts within "
            f"{item.policy.window / 60:.0f} min, giving up{where}"
        )
        return False
    tell(
        f"partygrid: {item.name} {ended}, restarting in {delay:.1f} s "
        f"(restart {item.policy.streak})"
    )
    state.phase, state.at = "waiting", now + delay
    return True


def _print(line: str) -> None:
    print(line, flush=True)


def postmaster_watched(cluster: Cluster) -> Watched:
    """The private cluster's postmaster as `watch` keeps it: a dead one is started again by
    `Cluster.start` (PostgreSQL's crash recovery replays its WAL before it accepts
    connections), which waits until it does.

    Never beside what is left of the dead one: a backend outlives a postmaster killed with
    SIGKILL until it notices (a long query may run, and write, for a while), and a second
    server on the same folder would corrupt it. So the watch never removes the dead server's
    postmaster.pid (PostgreSQL's own guard against that) and starts nothing while any of its
    processes runs: the restart is refused and tried again with the backoff, and the console
    says why."""

    def ended() -> str | None:
        if cluster.running_pid(clean=False) is not None:
            return None
        return "stopped (PostgreSQL recovers from its WAL on start)"

    def restart() -> None:
        if left := processes_in(cluster.data):
            raise SetupError(
                f"{len(left)} process(es) of the stopped server still run "
                f"(pid {', '.join(map(str, left))})",
                "they end once they notice their postmaster is gone; PostgreSQL starts after that",
            )
        try:
            cluster.start()
        except KeyboardInterrupt:
            # Ctrl-C ended pg_ctl, not the postmaster it started (in a session of its own):
            # wait until it has written its pid file, so that the stop that follows finds it.
            _until_settled(cluster)
            raise

    return Watched(
        "the database",
        ended,
        restart,
        lambda: cluster.running_pid(clean=False) is not None,
        log_path=cluster.log,
        back="accepting connections",
    )


def _until_settled(cluster: Cluster, timeout: float = 10.0) -> None:
    """Until a postmaster being started has written its pid file, or none is starting."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if cluster.running_pid(clean=False) is not None:
            return
        # A postmaster works in the data folder from its first steps; give pg_ctl's fork a
        # moment to get there before deciding nothing was started.
        if time.monotonic() - began > 1.0 and not processes_in(cluster.data):
            return
        time.sleep(0.05)
