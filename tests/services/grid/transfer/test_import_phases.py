"""A geometry import's phases (services.grid.transfer.file_import) against grid's shared
resources: no database connection is held while the file is read, grid's event loop keeps
answering during a large import, imports leave planner jobs a geometry worker, and a planner
job that finds none free is answered busy rather than left waiting.

The "slow to read" file holds a few invalid MultiPolygons of overlapping bow-ties: reading
finds each invalid and works out the repaired shape it offers, seconds of GEOS per feature.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import shapely
from placeholder_communities import placeholder_communities
from shapely.geometry import box, mapping
from sqlalchemy.ext.asyncio import create_async_engine

from infra.setup import Prepared
from services.common.auth import Identity, Role
from services.common.errors import DomainError, UserErrorCode
from services.grid import geometry_pool
from services.grid.geometry_pool import GeometryPool
from services.grid.transfer.file_import import ImportOptions, import_file
from services.grid.transfer.files import Kind, SourceFile
from stack import Running

COMMUNITY = "990000000401"
AREA = box(114.40, 35.50, 114.41, 35.51)
IMPORTER = Identity("import-phases-test", Role.DISTRICT, "990000")


@pytest.fixture
def url(prepared: Prepared) -> Iterator[str]:
    with placeholder_communities(prepared.database.service_urls["grid"], {COMMUNITY: AREA}) as grid:
        yield grid


def _collection(shapes: list[Any], names: list[str]) -> bytes:
    features = [
        {"type": "Feature", "geometry": mapping(s), "properties": {"name": n}}
        for s, n in zip(shapes, names, strict=True)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _bow_ties(count: int, dx: float) -> Any:
    """An invalid MultiPolygon of `count` overlapping bow-ties inside AREA."""
    x0, y0 = AREA.bounds[0] + 0.001 + dx, AREA.bounds[1] + 0.001
    parts = []
    for i in range(count):
        x, y = x0 + (i % 40) * 1e-5, y0 + (i // 40) * 1e-5
        ring = [(x, y), (x + 3e-5, y + 3e-5), (x + 3e-5, y), (x, y + 3e-5), (x, y)]
        parts.append(shapely.Polygon(ring))
    return shapely.MultiPolygon(parts)


def _slow_file() -> bytes:
    """Two valid buildings and four bow-tie features whose reading takes seconds."""
    x, y = AREA.bounds[0], AREA.bounds[1]
    good = [
        box(x + 0.006, y + 0.006, x + 0.0065, y + 0.0065),
        box(x + 0.008, y + 0.006, x + 0.0085, y + 0.0065),
    ]
    bad = [_bow_ties(300, 0.001 * i) for i in range(4)]
    return _collection([*good, *bad], ["甲", "乙", "坏1", "坏2", "坏3", "坏4"])


def test_no_connection_is_held_while_the_file_is_read(url: str) -> None:
    data = _slow_file()

    async def main() -> tuple[Any, list[int]]:
        engine = create_async_engine(url)
        samples: list[int] = []
        try:
            task = asyncio.create_task(
                import_file(
                    engine,
                    Kind.BUILDINGS,
                    SourceFile(data, "b.geojson"),
                    ImportOptions(partial=True),
                )
            )
            while not task.done():  # connections of the import's engine checked out
                samples.append(engine.sync_engine.pool.checkedout())
                await asyncio.sleep(0.02)
            return await task, samples
        finally:
            await engine.dispose()
            geometry_pool.POOL.close()

    report, samples = asyncio.run(main())
    assert report.imported == 2 and sum(r["count"] for r in report.refused) == 4
    assert len(samples) > 20, samples
    # Reading (most of the import: seconds of repairs) holds none; the short reads and the
    # write hold one briefly. Holding one throughout, as before, makes every sample 1.
    held = sum(1 for s in samples if s) / len(samples)
    assert held < 0.5, f"a connection was checked out in {held:.0%} of {len(samples)} samples"


def _healthz_waits(base: str, stop: threading.Event, waits: list[float]) -> None:
    with httpx.Client(timeout=120) as client:
        while not stop.is_set():
            started = time.perf_counter()
            assert client.get(f"{base}/healthz").status_code == 200
            waits.append(time.perf_counter() - started)
            time.sleep(0.01)


ROUND = "990000000402"
CENTRE = (114.405, 35.525)


@pytest.fixture
def round_community(prepared: Prepared) -> Iterator[str]:
    """A community whose boundary has 10,000 vertices (a surveyed outline)."""
    outline = shapely.Point(*CENTRE).buffer(0.005, 2500)
    with placeholder_communities(prepared.database.service_urls["grid"], {ROUND: outline}) as grid:
        yield grid


def test_grid_answers_while_a_large_import_is_checked(
    running: Running, round_community: str
) -> None:
    """900 zones in a community with a detailed outline: checking each against the outline
    and the others is seconds of GEOS, which ran on grid's event loop and stalled every
    other request."""
    x0, y0 = CENTRE[0] - 0.003, CENTRE[1] - 0.003
    corners = [(x0 + (i % 30) * 0.0002, y0 + (i // 30) * 0.0002) for i in range(900)]
    zones = [box(x, y, x + 0.0002, y + 0.0002) for x, y in corners]
    data = _collection(zones, [f"{i}片" for i in range(900)])
    base = running.subgraphs["grid"].removesuffix("/graphql")
    target = f"{base}/imports/zones"
    headers = {**running.headers(target, IMPORTER), "x-partygrid-filename": "zones.geojson"}
    # Grid's geometry workers started (as in a running service) before the timed import.
    warm = httpx.post(
        target, content=_collection(zones[:1], ["一片"]), headers=headers, params={"check": "1"}
    )
    assert warm.status_code == 200, warm.text
    stop, waits = threading.Event(), []
    sampler = threading.Thread(target=_healthz_waits, args=(base, stop, waits))
    sampler.start()
    try:
        time.sleep(0.5)
        started = time.perf_counter()
        answer = httpx.post(
            target, content=data, headers=headers, params={"check": "true"}, timeout=300
        )
        took = time.perf_counter() - started
    finally:
        stop.set()
        sampler.join()
    assert answer.status_code == 200, answer.text
    assert answer.json()["imported"] == 900 and answer.json()["checkOnly"] is True
    # Relative, not timed: grid's longest answer to /healthz is a small part of the import
    # (measured: 0.04 s of 7.9 s; with the checks on the event loop 1.9 s of 6.7 s).
    assert max(waits) < took / 10, (
        f"/healthz waited {max(waits):.2f} s of an import of {took:.2f} s"
    )


# --- the geometry workers: imports leave planner jobs a slot ----------------------------------


def test_imports_leave_planner_jobs_a_worker() -> None:
    async def main() -> None:
        pool = GeometryPool(workers=2)
        try:
            await asyncio.gather(pool.run(os.getpid), pool.run(os.getpid))  # both started
            imports = [
                asyncio.create_task(pool.run_import(time.sleep, 4, size=1)) for _ in range(2)
            ]
            await asyncio.sleep(0.3)  # both imports have asked for a worker
            assert await pool.run(os.getpid) > 0  # a planner's job
            assert not any(task.done() for task in imports), "the planner waited for an import"
            await asyncio.gather(*imports)
        finally:
            pool.close()

    asyncio.run(main())


def test_a_planner_job_finding_no_worker_is_answered_busy() -> None:
    async def main() -> None:
        pool = GeometryPool(workers=1, plan_wait=0.3)
        try:
            await pool.run(os.getpid)
            running = asyncio.create_task(pool.run(time.sleep, 2))
            await asyncio.sleep(0.1)
            with pytest.raises(DomainError) as refused:
                await pool.run(os.getpid, field=["boundary"])
            error = refused.value
            assert error.code is UserErrorCode.UNAVAILABLE and error.field == ["boundary"]
            assert "繁忙" in error.message and "busy" in error.message_en
            await running
            assert await pool.run(os.getpid) > 0  # the slot came back
        finally:
            pool.close()

    asyncio.run(main())


def test_the_import_budget_grows_with_the_file() -> None:
    assert geometry_pool.import_budget(1) == geometry_pool.IMPORT_BUDGET
    assert geometry_pool.import_budget(50 * 1048576) == 300.0
