"""The grid service at city scale: full re-assignment and vector tiles vs raw SQL.

Generates (or reuses) a city of 1,000,000 buildings in 50,000 zones (bench/city_generator.py)
and measures, each beside a raw-SQL baseline run in the same process:

- full re-assignment of every building: ours (zone-driven join into a narrow assignment
  table, then an UPDATE of the changed rows) vs the raw zone-driven SELECT; and the plain
  join as PostgreSQL plans it by default (building-driven), with its EXPLAIN;
- one z14 buildings tile and one z12 zones tile through the grid app's tile route (in this
  process, over ASGI) vs the raw ST_AsMVT query on a bare connection.

    .venv/bin/python bench/grid_city.py [--scale 0.1] [-n 10]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import time
from collections.abc import Callable

import httpx
import mapbox_vector_tile
from city_generator import REASSIGN, City, city, reassign_all
from sqlalchemy import Connection, create_engine, pool, text
from starlette.applications import Starlette

from services.common.database import make_engine
from services.grid.reassignment import STATEMENTS
from services.grid.tiles import tile_routes


def _median_ms(run: Callable[[], object], n: int) -> float:
    run()  # warm caches and plans
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _tile_at(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def _explain(conn: Connection, sql: str) -> str:
    rows = conn.execute(text(f"EXPLAIN {sql}")).scalars()
    return "\n".join(f"    {row}" for row in rows)


def measure_reassignment(conn: Connection, n: int) -> list[tuple[str, float, float, str]]:
    """Rows of (what, ours ms, baseline ms, note) for the full re-assignment."""

    def raw() -> None:
        conn.execute(text(REASSIGN["assign_raw"])).scalar_one()

    def ours_assign() -> None:
        with conn.begin_nested():
            conn.execute(text(STATEMENTS["assign"]), {"prefix": "%"})
            conn.execute(text("DROP TABLE assignment"))

    changed: list[int] = []

    def ours_full() -> None:
        with conn.begin_nested() as savepoint:
            changed.append(reassign_all(conn))
            savepoint.rollback()  # keep the trigger's state and the city as they were

    print("EXPLAIN, PostgreSQL's default plan of the plain join:")
    print(_explain(conn, REASSIGN["assign_default"]))
    print("EXPLAIN, the zone-driven join (ours and the raw baseline):")
    print(_explain(conn, REASSIGN["assign_raw"]))
    raw_ms = _median_ms(raw, n)
    assign_ms = _median_ms(ours_assign, n)
    full_ms = _median_ms(ours_full, n)
    started = time.perf_counter()
    default_rows = conn.execute(text(REASSIGN["assign_default"])).scalar_one()
    default_ms = (time.perf_counter() - started) * 1000
    return [
        ("full re-assignment (assign + apply)", full_ms, raw_ms, f"{max(changed)} rows changed"),
        ("  step 1: zone-driven join into narrow table", assign_ms, raw_ms, ""),
        ("  default building-driven plan (once)", default_ms, raw_ms, f"{default_rows:,} rows"),
    ]


def measure_tiles(made: City, conn: Connection, n: int) -> list[tuple[str, float, float, str]]:
    """Rows for one z14 buildings tile and one z12 zones tile at the city's centre."""
    # The grid app's tile route and engine, without the GraphQL schema (not timed here).
    app = Starlette(routes=tile_routes())
    rows = []
    conn.execute(text("SET jit = off"))  # as the tile route does: the ratio is our overhead

    async def run() -> None:
        app.state.engine = make_engine(made.grid_url, pool_size=2)
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://grid") as client:
                for layer, z in (("buildings", 14), ("zones", 12)):
                    tile = _tile_at(*made.centre, z)
                    url = "/tiles/{}/{}/{}/{}.pbf".format(layer, *tile)
                    params = dict(zip("zxy", tile, strict=True))

                    async def ours(u: str = url) -> bytes:
                        response = await client.get(u)
                        assert response.status_code == 200, response.text
                        return response.content

                    def raw(p: dict = params, layer: str = layer) -> bytes:
                        return conn.execute(text(REASSIGN[f"tile_raw_{layer}"]), p).scalar_one()

                    await ours()
                    samples = []
                    for _ in range(n):
                        started = time.perf_counter()
                        body = await ours()
                        samples.append((time.perf_counter() - started) * 1000)
                    ours_features = len(mapbox_vector_tile.decode(body)[layer]["features"])
                    raw_features = len(mapbox_vector_tile.decode(raw())[layer]["features"])
                    rows.append(
                        (
                            f"z{z} {layer} tile {tile[1]}/{tile[2]}",
                            statistics.median(samples),
                            _median_ms(raw, n),
                            f"{ours_features:,} features ({raw_features:,} raw), "
                            f"{len(body) / 1024:.0f} KiB",
                        )
                    )
        finally:
            await app.state.engine.dispose()

    asyncio.run(run())
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1,000,000 buildings")
    parser.add_argument("-n", type=int, default=5, help="timed runs per figure (median)")
    args = parser.parse_args()
    started = time.perf_counter()
    with city(args.scale) as made:
        print(f"city: {made.buildings:,} buildings, {made.zones:,} zones")
        engine = create_engine(made.grid_url, poolclass=pool.NullPool)
        try:
            with engine.connect() as conn:
                results = measure_reassignment(conn, args.n)
                conn.rollback()
                results += measure_tiles(made, conn, max(args.n, 10))
        finally:
            engine.dispose()
    print(f"\n{'what':48} {'ours ms':>10} {'raw ms':>10} {'ratio':>7}  note")
    for what, ours, raw, note in results:
        print(f"{what:48} {ours:10.1f} {raw:10.1f} {ours / raw:7.2f}  {note}")
    print(f"\nwhole run {time.perf_counter() - started:.0f} s (scale {args.scale})")


if __name__ == "__main__":
    main()
