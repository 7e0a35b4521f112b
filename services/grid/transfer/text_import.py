"""Imports into one community, from text (GeoJSON, CSV) or an OSM extract, all-or-nothing.

Each function runs inside the caller's transaction (GraphQL's `run_write`, or the CLI's) and
raises DomainError before writing anything when the source is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from services.grid import geometry_pool
from services.grid.transfer import csv as transfer_csv
from services.grid.transfer import geojson as transfer_geojson
from services.grid.transfer import osm as transfer_osm
from services.grid.transfer import upsert
from services.grid.transfer.coordinates import Crs
from services.grid.transfer.records import (
    ImportOutcome,
    Progress,
    check_size,
    community_boundary,
    invalid,
)

T = TypeVar("T")


class ImportFormat(Enum):
    """A text format an import reads."""

    GEOJSON = "geojson"
    CSV = "csv"


_BUILDING_READERS = {
    ImportFormat.GEOJSON: transfer_geojson.read_buildings,
    ImportFormat.CSV: transfer_csv.read_buildings,
}
_ZONE_READERS = {
    ImportFormat.GEOJSON: transfer_geojson.read_zones,
    ImportFormat.CSV: transfer_csv.read_zones,
}


async def _read(reader: Callable[[str], list[T]], data: str) -> list[T]:
    """Parse and check a source in a geometry worker: checking (and offering repairs of)
    thousands of shapes is minutes of GEOS at worst, never on the event loop."""
    check_size(data)  # before handing megabytes to a worker
    return await geometry_pool.run_import(reader, data, size=len(data), field=["data"])


async def import_buildings(
    conn: AsyncConnection,
    *,
    community_code: str,
    fmt: ImportFormat,
    crs: Crs,
    data: str,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Buildings of a GeoJSON FeatureCollection or CSV into a community."""
    boundary = await community_boundary(conn, community_code)
    records = await _read(_BUILDING_READERS[fmt], data)
    rows = upsert.prepare_buildings(records, crs=crs, code=community_code, boundary=boundary)
    return await upsert.write_buildings(conn, rows, progress=progress)


async def import_zones(
    conn: AsyncConnection,
    *,
    community_code: str,
    fmt: ImportFormat,
    crs: Crs,
    data: str,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Zones of a GeoJSON FeatureCollection or CSV (WKT) into a community."""
    boundary = await community_boundary(conn, community_code)
    records = await _read(_ZONE_READERS[fmt], data)
    rows = await upsert.prepare_zones(
        conn, records, crs=crs, code=community_code, boundary=boundary
    )
    return await upsert.write_zones(conn, rows, progress=progress)


async def import_osm_buildings(
    conn: AsyncConnection,
    *,
    community_code: str,
    path: Path,
    crs: Crs = Crs.WGS84,
    seen: Progress | None = None,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Building footprints of an OSM extract that lie in the community (see osm.py)."""
    if crs not in (Crs.WGS84, Crs.CGCS2000):
        raise invalid(
            "OpenStreetMap 数据本身即为 WGS-84，不能声明为其他坐标系",
            "OpenStreetMap data is WGS-84 by definition; declare WGS84",
            ["crs"],
        )
    boundary = await community_boundary(conn, community_code)
    found = transfer_osm.read_buildings(path, boundary, seen=seen)
    rows = upsert.prepare_buildings(
        found.records, crs=Crs.WGS84, code=community_code, boundary=boundary
    )
    outcome = await upsert.write_buildings(conn, rows, progress=progress)
    outcome.skipped += found.skipped
    outcome.notes.extend(found.notes())  # every building left out, grouped by why
    return outcome
