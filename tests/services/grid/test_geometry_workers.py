"""Grid's geometry workers die with grid: a killed service left them running (they were
seen after test runs and after `partygrid up` stopped). A job whose caller gives up has its
worker killed before the slot is free again, so the pool keeps its slots and import gate."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from services.common.errors import DomainError, UserErrorCode
from services.grid.geometry_pool import GeometryPool

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


# --- a cancelled job leaves no busy worker behind ---------------------------------------------
# A job's caller may give up (a GraphQL deadline, a client gone, a shutdown). Its worker was left
# running the job while the slot went back to the free queue (and an import's gate opened): the
# next job queued behind it inside the one-process executor and was refused as too complex.


async def _cancelled(task: asyncio.Task[Any], after: float) -> None:
    await asyncio.sleep(after)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_a_cancelled_planner_job_leaves_its_worker_free() -> None:
    async def main() -> int:
        pool = GeometryPool(workers=1)
        try:
            first = await pool.run(os.getpid)  # the worker has started
            await _cancelled(asyncio.create_task(pool.run(time.sleep, 60)), 0.3)
            # Before: this queued behind the 60 s sleep and was refused GEOMETRY_TOO_COMPLEX.
            second = await pool.run(os.getpid)
            assert second != first, "the cancelled job's worker was kept"
            return first
        finally:
            pool.close()

    first = asyncio.run(main())
    deadline = time.monotonic() + 10
    while _alive(first) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(first), "the cancelled job's worker kept running it"


def test_a_cancelled_import_leaves_planner_jobs_a_worker() -> None:
    async def main() -> None:
        pool = GeometryPool(workers=2, plan_wait=1.0)
        try:
            await asyncio.gather(pool.run(os.getpid), pool.run(os.getpid))  # both started
            await _cancelled(asyncio.create_task(pool.run_import(time.sleep, 60, size=1)), 0.3)
            imports = [
                asyncio.create_task(pool.run_import(time.sleep, 2, size=1)) for _ in range(2)
            ]
            await asyncio.sleep(0.3)  # both imports have asked for a worker
            # Before: a slot whose worker still ran the cancelled import (too complex), or,
            # with the gate reopened, both slots taken by imports (busy).
            assert await pool.run(os.getpid) > 0
            await asyncio.gather(*imports)
        finally:
            pool.close()

    asyncio.run(main())


def test_the_pool_keeps_its_slots_and_gate_through_cancellations() -> None:
    async def main() -> None:
        pool = GeometryPool(workers=2, plan_wait=1.0)
        try:
            # Cancelled while the fresh workers start.
            starting = [asyncio.create_task(pool.run(os.getpid)) for _ in range(2)]
            await asyncio.sleep(0.05)
            for task in starting:
                await _cancelled(task, 0)
            # Cancelled while running (or starting), while waiting for a slot, while waiting
            # for a slot inside the gate and while waiting at the gate.
            long = [asyncio.create_task(pool.run(time.sleep, 60)) for _ in range(2)]
            await asyncio.sleep(0.5)
            waiting = asyncio.create_task(pool.run(os.getpid))
            gated = [asyncio.create_task(pool.run_import(time.sleep, 60, size=1)) for _ in "ab"]
            await asyncio.sleep(0.2)
            assert not any(task.done() for task in [waiting, *gated, *long])
            for task in [waiting, *gated, *long]:
                await _cancelled(task, 0)
            # Cancelled mid-job, with the workers warm: a planner's and an import's.
            await asyncio.gather(pool.run(os.getpid), pool.run(os.getpid))
            jobs = [
                asyncio.create_task(pool.run(time.sleep, 60)),
                asyncio.create_task(pool.run_import(time.sleep, 60, size=1)),
            ]
            await asyncio.sleep(0.3)
            for task in jobs:
                await _cancelled(task, 0)

            # Two slots, both idle: two jobs run at once (neither too complex nor busy)...
            pair = [asyncio.create_task(pool.run(time.sleep, 2)) for _ in range(2)]
            await asyncio.sleep(0.3)
            # ...and no third slot: a third job finds none free within plan_wait.
            with pytest.raises(DomainError) as refused:
                await pool.run(os.getpid)
            assert refused.value.code is UserErrorCode.UNAVAILABLE
            await asyncio.gather(*pair)
            # The gate admits one import at a time (WORKERS - 1), and planner jobs still run.
            imports = [
                asyncio.create_task(pool.run_import(time.sleep, 1, size=1)) for _ in range(2)
            ]
            await asyncio.sleep(0.3)
            assert await pool.run(os.getpid) > 0
            await asyncio.wait_for(asyncio.gather(*imports), 30)
        finally:
            pool.close()

    asyncio.run(main())
