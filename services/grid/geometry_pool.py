"""CPU-heavy geometry work (validation, repair, overlay) off grid's event loop, under a budget.

Why a process pool and not a thread: GEOS's cost is not predictable from the input's size (a
15,000-vertex MultiPolygon of 3,000 overlapping bow-ties passes every size check, tests
invalid in 40 ms, and then `make_valid` runs for two minutes), so a budget checked before the
work cannot bound it, and a thread running a GEOS call cannot be stopped. A worker process can:
when a job overruns `budget` seconds its worker is killed, replaced, and the job refused as
GEOMETRY_TOO_COMPLEX naming the limit. Each of `WORKERS` slots is a one-process executor, so
killing one runaway never disturbs the jobs of the other slots; a job waits for a free slot
(the bound on concurrent geometry work) before its own budget starts. A job whose caller gives
up (a request's deadline, a client gone, a shutdown) has its worker killed the same way before
the slot is free again: its result has no taker, and a worker still running it would make the
next job queue behind it and overrun its budget.

Two kinds of jobs share the slots. A planner's (`run`: one shape or overlay, `PLAN_BUDGET`)
must answer while someone imports; an import's (`run_import`: reading and checking a file,
minutes for the largest) may wait. So imports hold at most `WORKERS - 1` slots at once (the
import gate), which keeps a slot for planner jobs whatever imports run; and a planner job
waits for a slot at most `PLAN_WAIT` seconds, then is answered UNAVAILABLE (busy, try again)
rather than left hanging behind other planners' jobs.

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

# Slots per grid process: the cores shared by grid's worker processes (PARTYGRID_GRID_WORKERS,
# README "Workers"), as more would only queue inside GEOS. At least 2: the import gate keeps
# one slot for planners (module docstring), which one slot could not (on 2 cores with 2 grid
# workers: 4 geometry processes, a worker's started only once a job comes). At most 8: each
# started worker is a Python process with GEOS and shapely loaded, and a district plans a few
# shapes at a time.
MIN_SLOTS, MAX_SLOTS = 2, 8


def slots_for(cores: int, workers: int) -> int:
    """Geometry slots of each of `workers` grid processes on `cores` cores."""
    return max(MIN_SLOTS, min(MAX_SLOTS, cores // max(1, workers)))


def _grid_workers() -> int:
    found = os.environ.get("PARTYGRID_GRID_WORKERS", "")
    return int(found) if found.isdigit() else 1


WORKERS = slots_for(len(os.sched_getaffinity(0)), _grid_workers())
PLAN_BUDGET = 5.0  # seconds of geometry work for one planner shape or overlay
PLAN_WAIT = 10.0  # seconds a planner job waits for a free slot before it is answered busy
# An import's budget grows with its file: 120 s was measured ample for 20 MB (a 20,000-
# building GeoPackage reads in seconds; the budget is for shapes whose repair GEOS labours
# over), so 6 s a MB, never under 120 s: 300 s for the 50 MB upload cap.
IMPORT_BUDGET = 120.0
IMPORT_SECONDS_PER_MB = 6.0
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


def import_budget(size: int) -> float:
    """Seconds of geometry work allowed to one import job of a `size`-byte file."""
    return max(IMPORT_BUDGET, IMPORT_SECONDS_PER_MB * size / 1048576)


def busy(wait: float, field: list[str] | None) -> DomainError:
    """A planner job that found no free geometry worker within `wait` seconds."""
    return DomainError(
        UserErrorCode.UNAVAILABLE,
        f"几何计算繁忙，{wait:g} 秒内没有空闲的计算进程，请稍后重试",
        f"UNAVAILABLE: the geometry workers are busy (none free within {wait:g} s); "
        "try again shortly",
        field,
        rule="geometry.busy",
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


def _loaded(function: Callable[..., Any]) -> None:
    """Sent to a worker before its first job of `function`'s module: unpickling `function`
    there imported that module and all it imports, so no job's budget pays import time. (The
    pool names no job module itself: they are above it, and most of them call it.)"""


class _Slot:
    def __init__(self) -> None:
        self.executor = self._start()
        # The modules whose jobs the worker has imported (`_loaded`); empty: not started.
        self.loaded: set[str] = set()
        # A call was sent to the worker and not seen to finish: its awaiting task was
        # cancelled, so the worker may still be running it (see GeometryPool._on).
        self.busy = False

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

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in the worker; `busy` stays set if the wait is cancelled."""
        self.busy = True
        future = asyncio.get_running_loop().run_in_executor(self.executor, function, *args)
        try:
            return await future
        finally:
            # With a result or an error the worker is idle again; a cancelled wait leaves
            # the call queued or running in it.
            self.busy = future.cancelled() or not future.done()

    def restart(self) -> None:
        """Kill the worker (a runaway GEOS call cannot be interrupted otherwise)."""
        old, self.executor = self.executor, self._start()
        self.loaded = set()
        self.busy = False
        for process in list((getattr(old, "_processes", None) or {}).values()):
            if process.pid and process.pid != os.getpid():
                process.kill()
        old.shutdown(wait=False, cancel_futures=True)


class GeometryPool:
    """A bounded set of worker processes running geometry jobs under a time budget."""

    def __init__(self, workers: int = WORKERS, plan_wait: float = PLAN_WAIT) -> None:
        self._workers = workers
        self._plan_wait = plan_wait
        self._free: asyncio.Queue[_Slot] | None = None
        self._imports: asyncio.Semaphore | None = None  # the import gate (module docstring)
        self._loop: asyncio.AbstractEventLoop | None = None

    def _slots(self) -> asyncio.Queue[_Slot]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a queue serves one loop (the CLI runs one per command)
            self.close()
        if self._free is None:
            self._loop = loop
            self._free = asyncio.Queue()
            self._imports = asyncio.Semaphore(max(1, self._workers - 1))
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
        """A planner job: `function(*args)` in a worker; GEOMETRY_TOO_COMPLEX past `budget`
        seconds, UNAVAILABLE when no worker is free within `plan_wait`."""
        free = self._slots()
        try:
            # asyncio.timeout, not wait_for: the get runs in this task, so a cancellation
            # reaches Queue.get itself, which never loses a slot it was handed.
            async with asyncio.timeout(self._plan_wait):
                slot = await free.get()
        except TimeoutError:
            raise busy(self._plan_wait, field) from None
        return await self._on(slot, function, args, budget, field)

    async def run_import(
        self, function: Callable[..., T], *args: Any, size: int, field: list[str] | None = None
    ) -> T:
        """An import job of a `size`-byte file: through the import gate, waiting as long as
        it takes for a slot, under `import_budget(size)`."""
        free = self._slots()
        assert self._imports is not None
        # The gate is released when the job's worker is idle or killed (`_on` returns only
        # then), so it counts the imports the workers are running.
        async with self._imports:
            slot = await free.get()
            return await self._on(slot, function, args, import_budget(size), field)

    async def _on(
        self,
        slot: _Slot,
        function: Callable[..., T],
        args: tuple,
        budget: float,
        field: list[str] | None,
    ) -> T:
        """Run the job in `slot` (taken from the free queue) and give the slot back, exactly
        once and with an idle worker, whatever happens."""
        free = self._slots()
        try:
            for attempt in (1, 2):
                try:
                    module = getattr(function, "__module__", None) or ""
                    if module not in slot.loaded:  # start-up and imports are not the job's
                        await slot.call(_loaded, function)
                        slot.loaded.add(module)
                    async with asyncio.timeout(budget):
                        kind, value = await slot.call(_call, function, args)
                    break
                except TimeoutError:
                    slot.restart()
                    raise too_complex(budget, field) from None
                except BrokenProcessPool:  # the worker died (OOM...): one retry on a new one
                    slot.restart()
                    if attempt == 2:
                        raise
        finally:
            if slot.busy:
                # The awaiting task was cancelled (a request's deadline, a client gone, a
                # shutdown) mid-job or mid-start: nobody will take the result, and a worker
                # left running it would hold the next job past its budget (refused as too
                # complex) and let the gate admit another import. Kill it, as on a timeout.
                slot.restart()
            free.put_nowait(slot)
        if kind == "refused":
            raise _rebuilt(*value)
        return value

    def close(self) -> None:
        if self._free is not None:
            while not self._free.empty():
                self._free.get_nowait().executor.shutdown(wait=False, cancel_futures=True)
            self._free = None
            self._imports = None


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


async def run_import(
    function: Callable[..., T], *args: Any, size: int, field: list[str] | None = None
) -> T:
    """An import job on the grid process's pool (see GeometryPool.run_import)."""
    return await POOL.run_import(function, *args, size=size, field=field)
