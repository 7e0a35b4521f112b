"""`python -m infra.uvicorn_workers ARGS`: uvicorn's command line (`--workers N`), whose worker
processes die with uvicorn's parent process.

The supervisor starts a service with PR_SET_PDEATHSIG (it gets SIGTERM if the supervisor
dies), but that reaches only the process it started: with `--workers N` that is uvicorn's
parent, and its N spawned workers, which hold the listening socket, would outlive it when it
is killed (SIGKILL, OOM) and keep the port. So each worker asks the kernel for SIGTERM when
its parent dies, before uvicorn runs in it. (SIGTERM, not SIGKILL: the worker finishes its
requests, within `--timeout-graceful-shutdown`.) uvicorn spawns every worker from the
parent's main thread, the thread a death signal is tied to.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import Callable
from socket import socket

import uvicorn._subprocess
from uvicorn.config import Config
from uvicorn.main import main as uvicorn_main

_PR_SET_PDEATHSIG = 1  # prctl(2)
_PARENT = "PARTYGRID_UVICORN_PARENT"  # the parent's pid, as its workers inherit it
_started = uvicorn._subprocess.subprocess_started


def worker_started(
    config: Config, target: Callable[..., None], sockets: list[socket], stdin_fileno: int | None
) -> None:
    """Run in each spawned worker in place of uvicorn's own start (which it then calls)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if str(os.getppid()) != os.environ.get(_PARENT):  # the parent died before the request
        sys.exit(0)
    _started(config, target, sockets, stdin_fileno)


def main() -> None:
    os.environ[_PARENT] = str(os.getpid())
    # Looked up when each worker is made: the workers run `worker_started` (by this module's
    # name, so a spawned worker imports it).
    uvicorn._subprocess.subprocess_started = worker_started
    uvicorn_main()


if __name__ == "__main__":
    from infra.uvicorn_workers import main as entry  # by name: see `main`

    entry()
