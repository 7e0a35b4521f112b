"""Grid's geometry workers die with grid: a killed service left them running (they were
seen after test runs and after `partygrid up` stopped)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = """
import asyncio, os, sys, time
from services.grid import geometry_pool

async def main():
    print(await geometry_pool.run(os.getpid), flush=True)  # a job: the worker has started
    time.sleep(120)

if __name__ == "__main__":
    asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"  # a zombie has exited; only its reaping is left


def test_workers_die_when_their_service_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "grid_like.py"
    script.write_text(SCRIPT)
    service = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        worker = int(service.stdout.readline())
        assert worker != service.pid and _alive(worker)
        os.kill(service.pid, signal.SIGKILL)
        service.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker), f"geometry worker {worker} outlived its service"
    finally:
        if service.poll() is None:
            service.kill()
