"""CPU-heavy geometry work (validation, repair, overlay) off grid's event loop, under a budget.

Why a process pool and not a thread: GEOS's cost is not predictable from the input's size (a
15,000-vertex MultiPolygon of 3,000 overlapping bow-ties passes every size check, tests
invalid in 40 ms, and then `make_valid` runs for two minutes), so a budget checked before the
work cannot bound it, and a thread running a GEOS call cannot be stopped. A worker process can:
when a job overruns `budget` seconds its worker is killed, replaced, and the job refused as
GEOMETRY_TOO_COMPLEX naming the limit. Each of `WORKERS` slots is a one-process executor, so
killing one runaway never disturbs the jobs of the other slots; a job waits for a free slot
(the bound on concurrent geometry work) before its own budget starts.

Jobs are module-level functions of picklable arguments (shapely 2 geometries pickle). A
DomainError a job raises comes back as the same error with every field (findings included).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from services.common.errors import DomainError, UserErrorCode

T = TypeVar("T")

WORKERS = 2  # the deployment's cores; more would only queue inside GEOS
PLAN_BUDGET = 5.0  # seconds of geometry work for one planner shape or overlay
IMPORT_BUDGET = 120.0  # seconds to read (parse and check) one import of up to 20 MB
_PR_SET_PDEATHSIG = 1  # prctl(2)


def too_complex(budget: float, field: list[str] | None) -> DomainError:
    from services.grid.validation import Finding, PlanRefusedError

    message = f"几何过于复杂，处理超过 {budget:g} 秒的上限，请简化形状或分批提交"
    message_en = (
        f"GEOMETRY_TOO_COMPLEX: the geometry work overran its limit of {budget:g} s; "
        "simplify the shape or split the input"
    )
    return PlanRefusedError(
        UserErrorCode.INVALID,
        message,
        message_en,
        field,
        rule="geometry.too_complex",
        findings=[Finding("GEOMETRY_TOO_COMPLEX", message, message_en)],
    )


def _call(function: Callable[..., Any], args: tuple) -> tuple[str, Any]:
    """In the worker: the result, or a DomainError taken apart (its pickling drops keyword
    fields such as findings)."""
    try:
        return "ok", function(*args)
    except DomainError as refused:
        return "refused", (type(refused), dict(vars(refused)))


def _rebuilt(kind: type[DomainError], fields: dict[str, Any]) -> DomainError:
    error = kind.__new__(kind)
    error.__dict__.update(fields)
    return error


def _die_with_parent(parent: int) -> None:
    """Run in each worker as it starts: the kernel kills it when grid dies (Linux), so a
    killed or crashed service leaves no geometry workers behind."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # grid died before the request above took hold
        os._exit(0)


def _warm() -> None:
    """Import the geometry modules in a fresh worker, so a first job pays no import time."""
    import services.grid.transfer_csv
    import services.grid.transfer_geojson  # noqa: F401


class _Slot:
    def __init__(self) -> None:
        self.executor = self._start()
        self.ready = False  # the worker has started and imported the geometry modules

    @staticmethod
    def _start() -> ProcessPoolExecutor:
        # spawn, not fork: the service has threads (asyncpg, uvicorn) that a fork would copy
        # mid-state.
        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_die_with_parent,
            initargs=(os.getpid(),),
        )

    def restart(self) -> None:
        """Kill the worker (a runaway GEOS call cannot be interrupted otherwise)."""
        old, self.executor = self.executor, self._start()
        self.ready = False
        for process in list((getattr(old, "_processes", None) or {}).values()):
            if process.pid and process.pid != os.getpid():
                process.kill()
        old.shutdown(wait=False, cancel_futures=True)


class GeometryPool:
    """A bounded set of worker processes running geometry jobs under a time budget."""

    def __init__(self, workers: int = WORKERS) -> None:
        self._workers = workers
        self._free: asyncio.Queue[_Slot] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _slots(self) -> asyncio.Queue[_Slot]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a queue serves one loop (the CLI runs one per command)
            self.close()
        if self._free is None:
            self._loop = loop
            self._free = asyncio.Queue()
            for _ in range(self._workers):
                self._free.put_nowait(_Slot())
        return self._free

    async def run(
        self,
        function: Callable[..., T],
        *args: Any,
        budget: float = PLAN_BUDGET,
        field: list[str] | None = None,
    ) -> T:
        """`function(*args)` in a worker; GEOMETRY_TOO_COMPLEX past `budget` seconds."""
        free = self._slots()
        slot = await free.get()
        try:
            for attempt in (1, 2):
                if not slot.ready:  # a worker's start-up (a second or so) is not the job's
                    await asyncio.get_running_loop().run_in_executor(slot.executor, _warm)
                    slot.ready = True
                future = asyncio.get_running_loop().run_in_executor(
                    slot.executor, _call, function, args
                )
                try:
                    kind, value = await asyncio.wait_for(future, budget)
                    break
                except TimeoutError:
                    slot.restart()
                    raise too_complex(budget, field) from None
                except BrokenProcessPool:  # the worker died (OOM...): one retry on a new one
                    slot.restart()
                    if attempt == 2:
                        raise
        finally:
            free.put_nowait(slot)
        if kind == "refused":
            raise _rebuilt(*value)
        return value

    def close(self) -> None:
        if self._free is not None:
            while not self._free.empty():
                self._free.get_nowait().executor.shutdown(wait=False, cancel_futures=True)
            self._free = None


# One pool per grid process: the event loop's geometry all goes through it.
POOL = GeometryPool()


async def run(
    function: Callable[..., T],
    *args: Any,
    budget: float = PLAN_BUDGET,
    field: list[str] | None = None,
) -> T:
    """`function(*args)` on the grid process's pool (see GeometryPool.run)."""
    return await POOL.run(function, *args, budget=budget, field=field)
