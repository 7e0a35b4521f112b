"""Geometry import throughput: our importer vs `ogr2ogr` loading the same GeoPackage into the
same PostGIS (issue 13's target: at least 0.5× ogr2ogr's speed).

The script makes a GeoPackage of N building footprints (10 m squares with a name and an
address) in EPSG:4547 (CGCS2000 / 3-degree Gauss-Krüger, CM 114°E) and a community covering
them, in its own database of the private cluster (`.data/bench-geofiles`). Then, alternating:
- ours: `transfer.file_import.import_file` (read in a geometry worker with pyogrio, converted
  to WGS-84 with pyproj, checked, split, duplicates looked for, turned into a binary COPY
  stream, written in one transaction, zones re-derived set-wise by the database's rule,
  grid_0006) into an empty community (the last
  round's rows deleted and vacuumed), with every geometry worker started and the start-up
  objects frozen out of the collector first, as in a running grid;
- ogr2ogr: `ogr2ogr -f PostgreSQL -t_srs EPSG:4326` of the same file into a fresh table
  (COPY, spatial index), as the admin of the same database.
Figures: median seconds of `--rounds` each, features per second, and the ratio.
`ogr2ogr` comes from Debian's gdal-bin, installed here when missing (the tests never need it).

Run: `.venv/bin/python bench/geometry_import.py -n 20000 --rounds 3`
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import shapely
from pyogrio.raw import write
from pyproj import Transformer
from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from infra.locking import RunLock
from infra.settings import ROOT, SuiteSettings
from infra.setup import database
from services.grid import geometry_pool
from services.grid.transfer.file_import import ImportOptions, import_file
from services.grid.transfer.files import Kind, SourceFile, read_file

COMMUNITY = "990000000201"
ORIGIN = (114.25, 35.45)  # south-west corner of the buildings (lon, lat)


def make_geopackage(path: Path, count: int) -> shapely.Polygon:
    """N 10 m squares 25 m apart in EPSG:4547; the WGS-84 box around them."""
    forward = Transformer.from_crs(4326, 4547, always_xy=True)
    x0, y0 = forward.transform(*ORIGIN)
    side = int(np.ceil(np.sqrt(count)))
    index = np.arange(count)
    xs, ys = x0 + (index % side) * 25.0, y0 + (index // side) * 25.0
    squares = shapely.box(xs, ys, xs + 10.0, ys + 10.0)
    names = np.array([f"{i + 1}号楼" for i in index], dtype=object)
    addresses = np.array([f"测试路{i + 1}号" for i in index], dtype=object)
    write(
        str(path),
        shapely.to_wkb(squares),
        [names, addresses],
        ["name", "address"],
        geometry_type="Polygon",
        crs="EPSG:4547",
        driver="GPKG",
    )
    back = Transformer.from_crs(4547, 4326, always_xy=True)
    west, south = back.transform(x0 - 100, y0 - 100)
    east, north = back.transform(x0 + side * 25 + 100, y0 + side * 25 + 100)
    return shapely.box(west, south, east, north)


def ensure_ogr2ogr() -> str:
    found = shutil.which("ogr2ogr")
    if found is None:
        print("installing gdal-bin for ogr2ogr ...", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "gdal-bin"], check=True)
        found = shutil.which("ogr2ogr")
    assert found is not None
    return found


async def ours(
    url: str, data: bytes, warm: bytes, rounds: int, ogr: Callable[[], object]
) -> list[float]:
    """Our rounds, each after one of ogr2ogr's (alternating, so load hits both alike)."""
    engine = create_async_engine(url, poolclass=pool.NullPool)
    times = []
    try:
        # A running grid has its geometry workers started and GDAL loaded: so do we first (two
        # reads at once, so that every worker slot starts, not only the first).
        await asyncio.gather(
            *(
                geometry_pool.run(
                    read_file, SourceFile(warm, "warm.gpkg"), Kind.BUILDINGS, budget=60
                )
                for _ in range(geometry_pool.WORKERS)
            )
        )
        # ... and its start-up objects frozen out of the collector's generations, as every
        # service process does once started (services/common/app.py).
        gc.collect()
        gc.freeze()
        for _ in range(rounds):
            ogr()
            async with engine.begin() as conn:
                await conn.execute(
                    text("DELETE FROM grid.building WHERE community_code = :c"), {"c": COMMUNITY}
                )
            # Into an empty community, as on a first import: the last round's dead rows
            # vacuumed away and the indexes rebuilt (ogr2ogr gets a new table each round;
            # the pages that rounds of 20,000 deleted rows leave in the indexes made each
            # round slower than the last: 33 MB of GiST for 20,000 rows after a day's runs).
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("VACUUM grid.building"))
                await conn.execute(text("REINDEX TABLE grid.building"))
            started = time.perf_counter()
            report = await import_file(
                engine,
                Kind.BUILDINGS,
                SourceFile(data, "b.gpkg"),
                ImportOptions(community_code=COMMUNITY),
            )
            times.append(time.perf_counter() - started)
            assert report.imported > 0, report.summary()
            print(f"  ours: {times[-1]:.2f} s ({report.summary()})", flush=True)
    finally:
        await engine.dispose()
        geometry_pool.POOL.close()
    return times


def theirs(ogr2ogr: str, conninfo: str, path: Path, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(
            [
                ogr2ogr,
                "-f",
                "PostgreSQL",
                f"PG:{conninfo}",
                str(path),
                "-nln",
                "ogrbench.buildings",
                "-t_srs",
                "EPSG:4326",
                "-overwrite",
                "-lco",
                "GEOMETRY_NAME=footprint",
            ],
            check=True,
        )
        times.append(time.perf_counter() - started)
        print(f"  ogr2ogr: {times[-1]:.2f} s", flush=True)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=20_000, help="buildings in the GeoPackage")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ogr2ogr = ensure_ogr2ogr()
    settings = SuiteSettings(
        data_dir=ROOT / ".data" / "bench-geofiles", db_name="partygrid_geobench", demo=False
    )
    with (
        tempfile.TemporaryDirectory() as folder,
        RunLock(settings.data_dir),
        database(settings) as prepared,
    ):
        path = Path(folder, "buildings.gpkg")
        area = make_geopackage(path, args.n)
        url = prepared.database.service_urls["grid"]
        conninfo = prepared.database.admin_conninfo
        import psycopg

        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("CREATE SCHEMA IF NOT EXISTS ogrbench")
            conn.execute("DELETE FROM grid.building WHERE community_code = %s", (COMMUNITY,))
            conn.execute("DELETE FROM grid.community WHERE code = %s", (COMMUNITY,))
            conn.execute(
                "INSERT INTO grid.community (code, street_code, district_code, boundary) "
                "VALUES (%s, %s, %s, ST_GeomFromText(%s, 4326))",
                (COMMUNITY, COMMUNITY[:9], COMMUNITY[:6], area.wkt),
            )
        data = path.read_bytes()
        print(f"{args.n:,} buildings, GeoPackage {len(data) / 1048576:.1f} MB", flush=True)
        make_geopackage(Path(folder, "warm.gpkg"), 10)
        warm = Path(folder, "warm.gpkg").read_bytes()
        their_times: list[float] = []

        def ogr() -> None:
            their_times.extend(theirs(ogr2ogr, conninfo, path, 1))

        our_times = asyncio.run(ours(url, data, warm, args.rounds, ogr))
        mine, other = statistics.median(our_times), statistics.median(their_times)
        print(
            f"ours {mine:.2f} s ({args.n / mine:,.0f} features/s) vs ogr2ogr {other:.2f} s "
            f"({args.n / other:,.0f} features/s): ours at {other / mine:.2f}× ogr2ogr's speed "
            "(target ≥ 0.5×)",
            flush=True,
        )


if __name__ == "__main__":
    main()
