"""Building and zone rows of one community: converted to WGS-84, checked against the
community (services/grid/transfer/records.py: the records, checks and identity), and written
by an upsert in the caller's transaction (new buildings of a file import go by COPY instead:
services/grid/transfer/building_copy.py)."""

from __future__ import annotations

import operator
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from geoalchemy2.elements import WKBElement
from geoalchemy2.shape import from_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import ConstraintErrors, DomainError, UserErrorCode
from services.grid.gc_paused import gc_paused
from services.grid.models import SRID, building, zone
from services.grid.sql import BULK_ZONES
from services.grid.transfer.building_copy import driver_connection
from services.grid.transfer.coordinates import Crs, geometry_to_wgs84
from services.grid.transfer.records import (
    AREA_TOLERANCE,
    BATCH,
    SAME_PLACE,
    BuildingRecord,
    ImportOutcome,
    Problems,
    Progress,
    ZoneRecord,
    duplicate_source,
    invalid_converted,
    outside_community,
    stable_id,
    to_wgs84,
)


@gc_paused()
def prepare_buildings(
    records: Sequence[BuildingRecord],
    *,
    crs: Crs,
    code: str,
    boundary: BaseGeometry,
    problems: Problems | None = None,
) -> list[dict]:
    """Rows to write: converted to WGS-84, inside the community, each source record once.
    Refused records raise, or with `problems` (a partial import) are collected there."""
    collect = problems is not None
    problems, rows, seen = problems or Problems(), [], set()
    # Set-wise GEOS (conversion, validity, the interior point test, WKB): per-record calls
    # were most of a 20,000-building import's time.
    shapes = np.empty(len(records), dtype=object)
    shapes[:] = [r.footprint for r in records]
    converted = geometry_to_wgs84(crs, shapes)
    valid = shapely.is_valid(converted).tolist()  # lists: indexed per record below
    shapely.prepare(boundary)
    inside = shapely.covers(boundary, shapely.point_on_surface(converted)).tolist()
    wkbs = shapely.to_wkb(converted).tolist()
    for index, record in enumerate(records):
        try:
            if not valid[index]:
                raise invalid_converted(record.field)
            if not inside[index]:
                raise outside_community(("楼栋", "building"), code, record.field)
            key = stable_id(code, record.source_key, record.name, record.address)
            if key in seen:
                raise duplicate_source(key, record.field)
        except DomainError as refused:
            problems.add(refused)
            continue
        seen.add(key)
        rows.append(
            {
                "id": key,
                "community_code": code,
                "name": record.name,
                "address": record.address,
                "households": record.households,
                "footprint": WKBElement(wkbs[index], srid=SRID, extended=False),
            }
        )
    if not collect:
        problems.raise_any()
    return rows


# The zone of each new building by the database's own rule (`zone_holding`, grid_0006),
# derived set-wise in the INSERT itself: with BULK_ZONES on, the per-row trigger is skipped
# for that statement, and a statement trigger re-derives every inserted row and corrects any
# that differs (none, when this is right). 20,000 buildings: ~0.3 s of CPU less than per
# row (bench/README.md, geometry_import.py).
BUILDING_ZONE = {"zone_id": "(SELECT h FROM grid.zone_holding(s.community_code, s.footprint) h)"}


async def write_buildings(
    conn: AsyncConnection, rows: list[dict], *, progress: Progress | None = None
) -> ImportOutcome:
    """Insert new buildings, update changed ones; the zone is the database's (derived
    set-wise for the new ones, per row for moved ones)."""
    return await _upsert(conn, _BUILDINGS, rows, progress)


@dataclass(frozen=True)
class _Written:
    """A table an import writes: its plain columns, its geometry column and `derived`,
    columns of new rows computed in SQL from the staged row `s` (buildings: the zone)."""

    table: Table
    plain: tuple[str, ...]
    geometry: str
    derived: dict[str, str] = field(default_factory=dict)


_BUILDINGS = _Written(building, ("name", "address", "households"), "footprint", BUILDING_ZONE)
_ZONES = _Written(zone, ("name",), "boundary")


async def _upsert(
    conn: AsyncConnection, target: _Written, rows: list[dict], progress: Progress | None
) -> ImportOutcome:
    """Insert rows, update those whose plain columns changed or whose geometry moved more
    than SAME_PLACE (a re-import changes nothing), never across communities. Derived
    columns are written with BULK_ZONES on for those statements."""
    table, plain, geometry, derived = target.table, target.plain, target.geometry, target.derived
    outcome = ImportOutcome(ids=[r["id"] for r in rows])
    columns = ("id", "community_code", *plain)
    # Rows go in by COPY into a temporary table, then one INSERT ... SELECT per chunk: a
    # multi-row VALUES statement of 500 rows cost ~0.4 s to bind and plan (20,000 buildings:
    # 15 s), COPY and a set-wise upsert a fraction of that (bench/geometry_import.py).
    staged = f"import_{table.name}"
    await conn.execute(
        text(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staged} ON COMMIT DROP AS "
            f"SELECT {', '.join(columns)}, ST_AsBinary({geometry}) AS wkb, 0 AS ordinal "
            f"FROM {table.fullname} WITH NO DATA"
        )
    )
    # Counted in the database: one row back per chunk, not one per building.
    upsert = text(
        "WITH written AS ("
        f"INSERT INTO {table.fullname} ({', '.join((*columns, geometry, *derived))}) "
        f"SELECT {', '.join((*columns, geometry, *derived.values()))} FROM ("
        f"SELECT {', '.join(columns)}, ST_GeomFromWKB(wkb, {SRID}) AS {geometry} FROM {staged} "
        "WHERE ordinal >= :start AND ordinal < :stop) s "
        f"ON CONFLICT (id) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in (*plain, geometry))
        + f", version = {table.name}.version + 1, updated_at = now() "
        f"WHERE {table.name}.community_code = EXCLUDED.community_code AND ("
        + " OR ".join(f"{table.name}.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in plain)
        + f" OR ST_HausdorffDistance({table.name}.{geometry}, EXCLUDED.{geometry}) > {SAME_PLACE}"
        ") RETURNING xmax <> 0 AS existed) "
        "SELECT count(*), count(*) FILTER (WHERE existed) FROM written"
    )
    raw = await driver_connection(conn)
    await conn.execute(text(f"TRUNCATE {staged}"))
    plain_values = operator.itemgetter(*columns)
    with gc_paused():
        values = [
            (*plain_values(row), bytes(row[geometry].data), ordinal)
            for ordinal, row in enumerate(rows)
        ]
    async with raw.cursor() as cursor:
        names = ", ".join((*columns, "wkb", "ordinal"))
        async with cursor.copy(f"COPY {staged} ({names}) FROM STDIN") as copy:
            for value in values:
                await copy.write_row(value)
    # Ids that already name a row of another community are refused (never moved across).
    taken = (
        await conn.execute(
            text(
                f"SELECT s.id, t.community_code FROM {staged} s JOIN {table.fullname} t "
                "USING (id) WHERE t.community_code <> s.community_code LIMIT 1"
            )
        )
    ).first()
    if taken is not None:
        raise DomainError(  # naming no community: it may lie outside the caller's scope
            UserErrorCode.CONFLICT,
            f"编号 {taken[0]} 已被其他社区的数据占用",
            f"Id {taken[0]} is already in use in another community",
            ["data"],
        )
    if derived:
        # Transaction-local, off again below (an error rolls the whole write back with it).
        # JIT off: the inlined PostGIS calls cost a chunk's plan over JIT's threshold, and
        # compiling it took longer (~0.4 s) than running it.
        jit = await conn.scalar(select(func.current_setting("jit")))
        await conn.execute(
            select(func.set_config(BULK_ZONES, "on", True), func.set_config("jit", "off", True))
        )
    step = BATCH * 10  # rows per progress step
    for start in range(0, len(rows), step):
        chunk = len(rows[start : start + step])
        stop = start + chunk
        written, existed = (await conn.execute(upsert, {"start": start, "stop": stop})).one()
        outcome.updated += existed
        outcome.imported += written
        outcome.skipped += chunk - written
        if progress:
            progress(chunk)
    if derived:
        await conn.execute(
            select(func.set_config(BULK_ZONES, "off", True), func.set_config("jit", jit, True))
        )
    return outcome


async def existing_zones(conn: AsyncConnection, code: str) -> list[tuple[uuid.UUID, str, bytes]]:
    query = select(zone.c.id, zone.c.name, func.ST_AsBinary(zone.c.boundary)).where(
        zone.c.community_code == code
    )
    return [(r[0], r[1], bytes(r[2])) for r in (await conn.execute(query)).all()]


def _overlaps(shape: BaseGeometry, other: BaseGeometry) -> bool:
    return shape.intersects(other) and shape.intersection(other).area > AREA_TOLERANCE


async def prepare_zones(
    conn: AsyncConnection,
    records: Sequence[ZoneRecord],
    *,
    crs: Crs,
    code: str,
    boundary: BaseGeometry,
    problems: Problems | None = None,
) -> list[dict]:
    """Rows to write: converted, inside the community, overlapping no other zone (refusals
    raise, or are collected in `problems`)."""
    stored = await existing_zones(conn, code)
    return zone_rows(
        records, crs=crs, code=code, boundary=boundary, stored=stored, problems=problems
    )


def zone_rows(
    records: Sequence[ZoneRecord],
    *,
    crs: Crs,
    code: str,
    boundary: BaseGeometry,
    stored: list[tuple[uuid.UUID, str, bytes]],
    problems: Problems | None = None,
) -> list[dict]:
    """prepare_zones' checks against the community's `stored` zones (existing_zones), with
    no database: CPU work a geometry worker can do."""
    collect = problems is not None
    problems, rows = problems or Problems(), []
    placed: list[tuple[uuid.UUID, str, BaseGeometry]] = []
    others = {zid: (name, shapely.from_wkb(wkb)) for zid, name, wkb in stored}
    for record in records:
        try:
            shape = to_wgs84(crs, record.boundary, record.field)
            if shape.difference(boundary).area > AREA_TOLERANCE:
                raise outside_community(("片区", "zone"), code, record.field)
            key = stable_id(code, record.source_key, record.name)
            if any(key == k for k, _, _ in placed):
                raise duplicate_source(key, record.field)
            clash = [n for zid, (n, s) in others.items() if zid != key and _overlaps(shape, s)]
            clash += [n for k, n, s in placed if _overlaps(shape, s)]
            if clash:
                raise DomainError(
                    UserErrorCode.CONFLICT,
                    f"片区与片区“{clash[0]}”重叠",
                    f"The zone overlaps zone '{clash[0]}'",
                    record.field,
                    rule="zone_no_overlap",
                )
        except DomainError as refused:
            problems.add(refused)
            continue
        placed.append((key, record.name, shape))
        rows.append(
            {
                "id": key,
                "community_code": code,
                "name": record.name,
                "boundary": from_shape(shape, srid=SRID),
            }
        )
    if not collect:
        problems.raise_any()
    return rows


async def write_zones(
    conn: AsyncConnection, rows: list[dict], *, progress: Progress | None = None
) -> ImportOutcome:
    """Insert new zones, update changed ones; the database re-derives buildings' zones."""
    return await _upsert(conn, _ZONES, rows, progress)


# A zone written concurrently by someone else can still trip the database's own checks.
CONSTRAINT_ERRORS: ConstraintErrors = {
    "zone_no_overlap": DomainError(
        UserErrorCode.CONFLICT,
        "片区与同社区的其他片区重叠",
        "A zone overlaps another zone of its community",
        ["data"],
        rule="zone_no_overlap",
    ),
    "zone_within_community": DomainError(
        UserErrorCode.RULE_VIOLATION,
        "片区超出社区范围",
        "A zone lies outside its community",
        ["data"],
        rule="inside_community",
    ),
}
