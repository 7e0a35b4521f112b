"""Starting the gateway test stack: fixture subgraphs and gateways as uvicorn processes.

A module with a name of its own (not `conftest`) so test modules can import its helpers.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from infra.supergraph import Composition

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PYTHON = sys.executable
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
SUBGRAPHS = ("org", "grid", "assess")

# Fixture data (plain dicts) for computing expected answers.
sys.path.insert(0, str(FIXTURES))


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Process:
    """A uvicorn process started by the tests, with its log file."""

    name: str
    port: int
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Terminate this process (and only it), then reap it."""
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)


def start(name: str, args: list[str], env: dict[str, str], logs: Path) -> Process:
    """Start `python -m uvicorn <args>` on a free port; readiness is checked by `wait_ready`."""
    port = free_port()
    log = logs / f"{name}-{port}.log"
    handle = log.open("wb")
    popen = subprocess.Popen(
        [PYTHON, "-m", "uvicorn", *args, "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    handle.close()
    return Process(name, port, popen, log)


def wait_ready(process: Process, path: str, *, patience: float = 30.0) -> None:
    """Poll `path` until it answers 200; fail with the process log if it never does."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            break
        try:
            if httpx.get(process.base + path, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    process.stop()
    raise RuntimeError(f"{process.name} did not start:\n{process.log.read_text()[-3000:]}")


def start_subgraph(name: str, state: Path, logs: Path, *, as_name: str | None = None) -> Process:
    """Start fixture subgraph `name` (module fixtures/fx_<name>.py)."""
    return start(
        as_name or name,
        [f"fx_{name}:app", "--app-dir", str(FIXTURES), "--log-level", "warning"],
        {"PG_FIXTURE_STATE_DIR": str(state)},
        logs,
    )


def start_gateway(supergraph: Path, urls: dict[str, str], logs: Path, **settings: Any) -> Process:
    """Start the gateway the way the supervisor does (`--factory`)."""
    env = {
        "PARTYGRID_GATEWAY_SUPERGRAPH_PATH": str(supergraph),
        "PARTYGRID_GATEWAY_SUBGRAPH_URLS": json.dumps(urls),
    }
    env.update({f"PARTYGRID_GATEWAY_{k.upper()}": str(v) for k, v in settings.items()})
    return start(
        "gateway", ["gateway.app:create_app", "--factory", "--log-level", "warning"], env, logs
    )


@dataclass
class Stack:
    """The running test stack."""

    subgraphs: dict[str, Process]
    composition: Composition
    supergraph_path: Path
    gateway: Process
    state: Path
    logs: Path

    def url(self, name: str) -> str:
        return self.subgraphs[name].base + "/graphql"
