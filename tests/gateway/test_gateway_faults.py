"""A subgraph stopped, frozen and restarted while requests keep coming.

The test owns an `assess` process and a gateway (fetch timeout 1 s) in front of it and the
shared org and grid. Load threads send two queries without pause: one needs assess, one does
not. Answers are sorted by the phase they started and ended in (a request that straddles a
change of phase proves nothing and is left out).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import fx_grid
import httpx
import pytest
from gateway_stack import (
    FIXTURES,
    GRAPHQL_RESPONSE_JSON,
    PYTHON,
    ROOT,
    Process,
    Stack,
    start_gateway,
    start_subgraph,
    wait_ready,
)

pytestmark = pytest.mark.slow  # starts, stops and restarts processes

NEEDS_ASSESS = '{ community(code: "C1") { name organization { name score } } }'
WITHOUT_ASSESS = '{ community(code: "C2") { name zones { name } } }'
FULL_ASSESS = {
    "community": {
        "name": fx_grid.COMMUNITIES["C1"]["name"],
        "organization": {"name": "Riverside Party Committee", "score": 90},
    }
}
PARTIAL_ASSESS = {"community": {"name": fx_grid.COMMUNITIES["C1"]["name"], "organization": None}}
FULL_WITHOUT = {"community": {"name": "Hillview", "zones": [{"name": "Zone 3"}]}}


@dataclass
class Load:
    """Threads posting to the gateway until stopped; answers grouped by phase."""

    gateway: Process
    phase: str = "up"
    answers: dict[str, list[tuple[str, int, dict]]] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, query: str) -> None:
        with httpx.Client(timeout=30.0) as client:
            while not self.stop.is_set():
                before = self.phase
                response = client.post(
                    self.gateway.base + "/graphql",
                    json={"query": query},
                    headers={"accept": GRAPHQL_RESPONSE_JSON},
                )
                if self.phase == before:
                    with self.lock:
                        self.answers.setdefault(before, []).append(
                            (query, response.status_code, response.json())
                        )

    def count(self, phase: str, query: str) -> int:
        with self.lock:
            return sum(1 for q, _, _ in self.answers.get(phase, []) if q == query)

    def wait_for(self, phase: str, query: str, n: int, patience: float = 60.0) -> None:
        """Block until `n` answers to `query` arrived in `phase` (fail if they never do)."""
        deadline = time.monotonic() + patience
        while self.count(phase, query) < n:
            assert time.monotonic() < deadline, f"only {self.count(phase, query)} in {phase}"
            time.sleep(0.05)


def restart_on(process: Process, state: Path) -> Process:
    """Start fixture `assess` again on the port it had, so the gateway's URL stays right."""
    args = ["fx_assess:app", "--app-dir", str(FIXTURES), "--log-level", "warning"]
    log = process.log.with_name(f"{process.name}-restarted-{process.port}.log")
    with log.open("wb") as handle:
        popen = subprocess.Popen(
            [PYTHON, "-m", "uvicorn", *args, "--host", "127.0.0.1", "--port", str(process.port)],
            cwd=ROOT,
            env={**os.environ, "PG_FIXTURE_STATE_DIR": str(state)},
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    return Process(process.name, process.port, popen, log)


@pytest.fixture
def faulty(stack: Stack) -> Iterator[tuple[list[Process], Process]]:
    """([assess], gateway): the list holds the current assess process (restarts replace it)."""
    assess = start_subgraph("assess", stack.state, stack.logs, as_name="assess-faults")
    current = [assess]
    gateway: Process | None = None
    try:
        wait_ready(assess, "/debug/requests")
        urls = {name: stack.url(name) for name in ("org", "grid")}
        urls["assess"] = assess.base + "/graphql"
        gateway = start_gateway(stack.supergraph_path, urls, stack.logs, fetch_timeout=1)
        wait_ready(gateway, "/healthz")
        yield current, gateway
    finally:
        if gateway is not None:
            gateway.stop()
        for process in current:
            if process.popen.poll() is None:
                os.kill(process.popen.pid, signal.SIGCONT)  # a frozen process cannot stop
            process.stop()


def assert_assess_missing(answers: list[tuple[str, int, dict]], code: str) -> None:
    """During a fault: 200, the rest of the data, errors only on assess's part."""
    assert answers
    for query, status, body in answers:
        assert status == 200
        if query == WITHOUT_ASSESS:
            assert body == {"data": FULL_WITHOUT}
            continue
        assert body["data"] == PARTIAL_ASSESS
        assert body["errors"] == [
            {
                "message": body["errors"][0]["message"],
                "path": ["community", "organization", "score"],
                "extensions": {"code": code, "serviceName": "assess"},
            }
        ]


def assert_all_full(answers: list[tuple[str, int, dict]]) -> None:
    assert answers
    for query, status, body in answers:
        assert status == 200
        assert body == {"data": FULL_ASSESS if query == NEEDS_ASSESS else FULL_WITHOUT}


def test_stopped_frozen_and_restarted_subgraph_under_load(stack, faulty):
    current, gateway = faulty
    load = Load(gateway)
    threads = [threading.Thread(target=load.run, args=(q,)) for q in (NEEDS_ASSESS, WITHOUT_ASSESS)]
    for thread in threads:
        thread.start()
    try:
        load.wait_for("up", NEEDS_ASSESS, 20)

        load.phase = "stopping"
        current[0].stop()
        load.phase = "stopped"
        load.wait_for("stopped", NEEDS_ASSESS, 20)
        ready = httpx.get(gateway.base + "/readyz", timeout=10)
        assert ready.status_code == 503 and ready.json()["unavailable"] == ["assess"]

        load.phase = "restarting"
        current[0] = restart_on(current[0], stack.state)
        wait_ready(current[0], "/debug/requests")
        load.phase = "restarted"
        load.wait_for("restarted", NEEDS_ASSESS, 20)
        assert httpx.get(gateway.base + "/readyz", timeout=10).status_code == 200

        # Frozen (SIGSTOP): connections open but nothing answers; the fetch timeout decides.
        load.phase = "freezing"
        os.kill(current[0].popen.pid, signal.SIGSTOP)
        load.phase = "frozen"
        load.wait_for("frozen", NEEDS_ASSESS, 3)
        load.phase = "thawing"
        os.kill(current[0].popen.pid, signal.SIGCONT)
        wait_ready(current[0], "/debug/requests")
        load.phase = "thawed"
        load.wait_for("thawed", NEEDS_ASSESS, 20)
    finally:
        load.stop.set()
        for thread in threads:
            thread.join()

    assert_all_full(load.answers["up"])
    assert_assess_missing(load.answers["stopped"], "SUBGRAPH_UNAVAILABLE")
    assert_all_full(load.answers["restarted"])
    assert_assess_missing(load.answers["frozen"], "SUBGRAPH_TIMEOUT")
    assert_all_full(load.answers["thawed"])
