"""`partygrid up` starts a dead process again with backoff and says so; one that keeps dying is
given up (infra/restart_policy.py, infra/watch.py, `Supervisor.watched`).

The policy is fed clock times; the loop runs real child processes: a Python one-liner that
exits with status 3, and a real org subgraph on the session's database, killed with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from infra.restart_policy import RestartPolicy, exit_reason
from infra.settings import SuiteSettings
from infra.setup import Prepared, token_keys
from infra.supervisor import Supervisor, free_port, service_env
from infra.watch import Watched, watch


def test_the_backoff_doubles_from_half_a_second_up_to_thirty() -> None:
    policy = RestartPolicy()
    policy.healthy(0.0)
    delays = [policy.exited(float(t)) for t in range(9)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    assert policy.streak == 9


def test_a_minute_healthy_starts_the_backoff_again() -> None:
    policy = RestartPolicy()
    assert policy.exited(0.0) == 0.5
    policy.healthy(1.0)
    assert policy.exited(30.0) == 1.0  # healthy for 29 s only: the backoff goes on
    policy.healthy(31.0)
    assert policy.exited(91.0) == 0.5  # a healthy minute: from the start
    assert policy.streak == 1


def test_ten_restarts_within_five_minutes_give_up() -> None:
    policy = RestartPolicy()
    times = [i * 20.0 for i in range(10)]  # 0 .. 180 s
    for at in times:
        policy.healthy(at)
        assert policy.exited(at + 1) is not None
    assert policy.exited(200.0) is None  # the 11th within 5 min
    # Restarts older than the window no longer count: a slow crasher is restarted.
    later = RestartPolicy()
    for at in times:
        later.exited(at)
    assert later.exited(times[0] + 301) is not None


def test_exit_reasons_read_as_the_console_says_them() -> None:
    assert exit_reason(-9) == "signal 9"
    assert exit_reason(3) == "status 3"


def test_a_child_that_keeps_exiting_is_restarted_with_messages_then_given_up() -> None:
    started: list[subprocess.Popen] = []

    def start() -> None:
        started.append(subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"]))

    def ended() -> str | None:
        code = started[-1].poll()
        return None if code is None else f"exited ({exit_reason(code)})"

    start()
    said: list[str] = []
    policy = RestartPolicy(first_delay=0.01, max_restarts=3)
    item = Watched("crasher", ended, start, lambda: False, log_path=Path("/x/crasher.log"),
                   policy=policy)  # fmt: skip
    stop = threading.Event()
    timer = threading.Timer(30, stop.set)  # the test fails rather than hangs
    timer.start()
    try:
        gone = watch([item], say=said.append, stop=stop, tick=0.01)
    finally:
        timer.cancel()
    assert gone is item
    assert len(started) == 4  # the first start and three restarts
    assert said[:3] == [
        "partygrid: crasher exited (status 3), restarting in 0.0 s (restart 1)",
        "partygrid: crasher exited (status 3), restarting in 0.0 s (restart 2)",
        "partygrid: crasher exited (status 3), restarting in 0.0 s (restart 3)",
    ]
    assert said[3] == (
        "partygrid: crasher exited (status 3): 3 restarts within 5 min, giving up; "
        "see /x/crasher.log"
    )


def test_a_killed_subgraph_is_started_again_and_answers(
    prepared: Prepared, suite_settings: SuiteSettings, tmp_path: Path
) -> None:
    port = free_port()
    keys = token_keys(suite_settings)
    supervisor = Supervisor("127.0.0.1", tmp_path)
    env = service_env("org", prepared.database.service_urls["org"], port, {}, keys=keys)
    service = supervisor.start("org", port, env)
    said: list[str] = []
    stop = threading.Event()
    try:
        supervisor.wait_healthy(60)
        assert service.process is not None
        first = service.process.pid

        def kill_and_wait() -> None:
            try:
                os.kill(first, signal.SIGKILL)
                deadline = time.monotonic() + 60
                while not any("is back" in line for line in said) and time.monotonic() < deadline:
                    time.sleep(0.1)
            finally:
                stop.set()

        # The watch runs in this thread, as in `partygrid up`: a child gets SIGTERM when the
        # thread that started it ends (PR_SET_PDEATHSIG).
        threading.Thread(target=kill_and_wait, daemon=True).start()
        watch(supervisor.watched(), say=said.append, stop=stop)
        assert said[0] == "partygrid: org exited (signal 9), restarting in 0.5 s (restart 1)"
        assert said[1].startswith("partygrid: org is back (healthy in ")
        assert service.process.pid != first
        assert httpx.get(f"{service.base_url}/healthz", timeout=5).status_code == 200
    finally:
        stop.set()
        supervisor.stop_all()
