"""Import of zones and buildings into one community: checks, coordinate conversion, upsert.

Readers (`transfer_geojson`, `transfer_csv`, `transfer_osm`) turn a source into records in
the coordinate system the caller declared; this module converts them to WGS-84 (the stored
system), checks them against the community, and writes them all in the caller's transaction:
one refusal (a typed DomainError carrying every problem found, up to `MAX_ERRORS`) and
nothing is written.

Identity (so that importing the same source twice never duplicates):
- a record with a source key (GeoJSON feature `id`, CSV `id` column, OSM `way/123`) gets
  `uuid5(community + key)`; a key that already is a UUID (e.g. from our own export) is the id;
- a record without one gets `uuid5(community + name + address)` (zones: name).
A re-import updates rows that changed (bumping `version`) and skips identical ones; an id that
belongs to another community is refused. Buildings must lie in the community (their interior
point, the point the database assigns zones by); the OSM reader skips those outside instead.
"""

from __future__ import annotations

import hashlib
import operator
import re
import struct
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import psycopg
import shapely
from geoalchemy2.elements import WKBElement
from geoalchemy2.shape import from_shape
from psycopg import errors as pg_errors
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import ConstraintErrors, DomainError, UserErrorCode
from services.common.text import clean_text
from services.grid.gc_paused import gc_paused
from services.grid.models import SRID, building, community, zone
from services.grid.sql import BULK_ZONES
from services.grid.transfer.coordinates import Crs, geometry_to_wgs84

# Limits of one import: past them it is refused before anything is parsed further.
MAX_BYTES = 20 * 1024 * 1024  # text sources (GeoJSON, CSV); a 50 MB upload is refused
MAX_RECORDS = 50_000  # features or rows
MAX_ERRORS = 50  # problems reported in one refusal
MAX_NAME = 200
MAX_ADDRESS = 500
MAX_HOUSEHOLDS = 100_000
# Zones may stick out of the community or overlap each other by float slivers only (the
# database's own tolerance, about 0.1 m²).
AREA_TOLERANCE = 1e-11
# A stored footprint closer than this (degrees, ~10 cm) to the imported one is unchanged.
SAME_PLACE = 1e-6
BATCH = 500  # rows per INSERT statement (and per progress step)

ID_NAMESPACE = uuid.UUID("6f1d4c52-6a7e-4f0e-9a53-7d0a2b1c9e11")

Progress = Callable[[int], None]


@dataclass(frozen=True)
class BuildingRecord:
    """One building as read from a source, in the source's coordinate system."""

    name: str
    address: str
    households: int
    footprint: BaseGeometry  # Polygon, MultiPolygon or Point
    field: list[str]  # where in the input it came from, for errors
    source_key: str | None = None


@dataclass(frozen=True)
class ZoneRecord:
    """One zone as read from a source, in the source's coordinate system."""

    name: str
    boundary: BaseGeometry  # Polygon or MultiPolygon
    field: list[str]
    source_key: str | None = None


@dataclass
class ImportOutcome:
    """What an import did: rows written (new or changed), rows left as they were."""

    imported: int = 0  # rows written: new or changed
    skipped: int = 0
    updated: int = 0  # of `imported`, rows that existed before
    ids: list[uuid.UUID] = field(default_factory=list)  # every id the source maps to
    notes: list[str] = field(default_factory=list)  # why records were skipped (OSM)


def invalid(message: str, message_en: str, where: list[str]) -> DomainError:
    """A refusal of one input value."""
    return DomainError(UserErrorCode.INVALID, message, message_en, where)


def group_of(error: DomainError) -> str:
    """The kind of a refusal, to count alike ones together: its rule, else its English words
    with the numbers taken out ("Feature 12: ..." and "Feature 40: ..." are one kind)."""
    return error.rule or re.sub(r"\d+(\.\d+)?", "N", error.message_en)


@dataclass
class Refusals:
    """Refusals of one kind: how many, and the first as the example."""

    example: DomainError
    count: int = 1


class Problems:
    """Collects refusals of many records so that one answer names them all: the first
    MAX_ERRORS in full, and every one counted by kind (`groups`)."""

    def __init__(self) -> None:
        self.found: list[DomainError] = []
        self.groups: dict[str, Refusals] = {}

    def add(self, error: DomainError) -> None:
        if len(self.found) < MAX_ERRORS:
            self.found.append(error)
        group = self.groups.get(group_of(error))
        if group is None:
            self.groups[group_of(error)] = Refusals(error)
        else:
            group.count += 1

    # Refusals cross from geometry workers in a FileRead: pickle each error as its type and
    # fields (DomainError's own pickling drops keyword fields such as the offered repair).
    def __getstate__(self) -> dict:
        def flat(e: DomainError) -> tuple:
            return type(e), dict(vars(e))

        return {
            "found": [flat(e) for e in self.found],
            "groups": {k: (flat(g.example), g.count) for k, g in self.groups.items()},
        }

    def __setstate__(self, state: dict) -> None:
        def rebuilt(flat: tuple) -> DomainError:
            kind, fields = flat
            error = kind.__new__(kind)
            error.__dict__.update(fields)
            return error

        self.found = [rebuilt(e) for e in state["found"]]
        self.groups = {k: Refusals(rebuilt(e), c) for k, (e, c) in state["groups"].items()}

    def extend(self, other: Problems) -> None:
        for error in other.found:
            if len(self.found) < MAX_ERRORS:
                self.found.append(error)
        for key, group in other.groups.items():
            mine = self.groups.setdefault(key, Refusals(group.example, 0))
            mine.count += group.count

    def raise_any(self) -> None:
        if self.found:
            first, *more = self.found
            raise DomainError(
                first.code, first.message, first.message_en, first.field, first.rule, more
            )


def check_size(data: str | bytes) -> None:
    """Refuse a source over MAX_BYTES (checked before parsing anything)."""
    size = len(data)  # characters <= UTF-8 bytes: a cheap first look
    if size <= MAX_BYTES and isinstance(data, str):
        size = len(data.encode())
    if size > MAX_BYTES:
        mb = MAX_BYTES // (1024 * 1024)
        raise invalid(
            f"导入数据过大（{size / 1048576:.1f} MB，上限 {mb} MB），请分批导入",
            f"Import too large ({size / 1048576:.1f} MB, limit {mb} MB); split it",
            ["data"],
        )


def check_count(count: int) -> None:
    """Refuse a source with more than MAX_RECORDS records."""
    if count > MAX_RECORDS:
        raise invalid(
            f"记录过多（{count} 条，上限 {MAX_RECORDS} 条），请分批导入",
            f"Too many records ({count}, limit {MAX_RECORDS}); split the import",
            ["data"],
        )


def check_text(value: object, what: tuple[str, str], limit: int, where: list[str]) -> str:
    """A trimmed string property of at most `limit` characters ('' for a missing one)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise invalid(f"{what[0]}应为文本", f"The {what[1]} must be text", where)
    # The one text rule (services/common/text.py): trimmed, capped, no control characters.
    return clean_text(value, where, limit, what_zh=what[0]) or ""


def check_name(value: object, where: list[str]) -> str:
    """A non-empty name."""
    name = check_text(value, ("名称", "name"), MAX_NAME, where)
    if not name:
        raise invalid("缺少名称", "The name is missing", where)
    return name


def check_households(value: object, where: list[str]) -> int:
    """A household count: a whole number from 0 to MAX_HOUSEHOLDS (missing: 0)."""
    if value is None or value == "":
        return 0
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise invalid("户数应为整数", "households must be a whole number", where) from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid("户数应为整数", "households must be a whole number", where)
    if not 0 <= value <= MAX_HOUSEHOLDS:
        raise invalid(
            f"户数超出范围（0–{MAX_HOUSEHOLDS}）",
            f"households out of range (0–{MAX_HOUSEHOLDS})",
            where,
        )
    return value


def stable_id(community_code: str, source_key: str | None, *fallback: str) -> uuid.UUID:
    """The row id a source record maps to (see the module docstring)."""
    if source_key is not None:
        try:
            return uuid.UUID(source_key)
        except ValueError:
            return _uuid5(f"{community_code}\x1fkey\x1f{source_key}")
    return _uuid5("\x1f".join((community_code, "natural", *fallback)))


_NAMESPACE_HASH = hashlib.sha1(ID_NAMESPACE.bytes, usedforsecurity=False)


def _uuid5(name: str) -> uuid.UUID:
    """uuid.uuid5(ID_NAMESPACE, name), with the namespace hashed once and the version bits
    set on the integer (uuid5's own argument checks were a tenth of an import's rows)."""
    digest = _NAMESPACE_HASH.copy()
    digest.update(name.encode())
    value = int.from_bytes(digest.digest()[:16], "big")
    value = (value & ~(0xF000 << 64) & ~(0xC000 << 48)) | (5 << 76) | (0x8000 << 48)
    return uuid.UUID(int=value)


async def community_boundary(conn: AsyncConnection, code: str) -> BaseGeometry:
    """The community's boundary, or NOT_FOUND."""
    row = (
        await conn.execute(
            select(func.ST_AsBinary(community.c.boundary)).where(community.c.code == code)
        )
    ).first()
    if row is None:
        raise DomainError(
            UserErrorCode.NOT_FOUND,
            f"未找到社区：{code}",
            f"No community {code}",
            ["communityCode"],
        )
    return shapely.from_wkb(bytes(row[0]))


def _invalid_converted(where: list[str]) -> DomainError:
    return invalid(
        "坐标转换后形状无效，请检查坐标系",
        "The shape is invalid once converted to WGS-84; check the declared system",
        where,
    )


def _to_wgs84(crs: Crs, shape: BaseGeometry, where: list[str]) -> BaseGeometry:
    converted = geometry_to_wgs84(crs, shape)
    if not converted.is_valid:
        raise _invalid_converted(where)
    return converted


def _outside(what: tuple[str, str], code: str, where: list[str]) -> DomainError:
    return DomainError(
        UserErrorCode.RULE_VIOLATION,
        f"{what[0]}不在社区 {code} 范围内（坐标系是否声明正确？）",
        f"The {what[1]} lies outside community {code} (is the coordinate system right?)",
        where,
        rule="inside_community",
    )


def _duplicate(key: uuid.UUID, where: list[str]) -> DomainError:
    return DomainError(
        UserErrorCode.CONFLICT,
        f"同一来源记录重复出现（编号 {key}）",
        f"The same source record appears twice (id {key})",
        where,
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
                raise _invalid_converted(record.field)
            if not inside[index]:
                raise _outside(("楼栋", "building"), code, record.field)
            key = stable_id(code, record.source_key, record.name, record.address)
            if key in seen:
                raise _duplicate(key, record.field)
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


@dataclass
class NewBuildings:
    """Buildings of one community whose ids it does not hold yet, as one binary COPY stream
    (`new_buildings`, built in a geometry worker): one bytes object crosses to grid instead
    of a row object each, and grid's loop turns nothing into rows (`copy_buildings`)."""

    count: int
    # PGCOPY binary (header, rows in COPY_COLUMNS, trailer) in pieces of (bytes, rows in
    # it), one progress step each.
    pieces: list[tuple[bytes, int]]


COPY_COLUMNS = ("id", "community_code", "name", "address", "households", "footprint", "zone_id")
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, no flags, no extension
_FIELD = struct.Struct(">i").pack
_ROW_START = struct.Struct(">hi").pack(len(COPY_COLUMNS), 16)  # field count, the id's length
_NULL = _FIELD(-1)
_ZONE = _FIELD(16)
_HOUSEHOLDS = struct.Struct(">iii").pack  # its length, households; the footprint's length


_SRID_FLAG = 0x20000000  # EWKB: an SRID follows the type
_SRID = struct.pack("<I", SRID)


def _extended(wkb: bytes) -> bytes:
    """WKB as EWKB with the stored SRID (what the geometry column's binary input takes): the
    SRID flag set in the type and the SRID after it."""
    if wkb[0] == 1:  # little-endian, as shapely writes it here
        kind = int.from_bytes(wkb[1:5], "little") | _SRID_FLAG
        return b"\x01" + kind.to_bytes(4, "little") + _SRID + wkb[5:]
    kind = int.from_bytes(wkb[1:5], "big") | _SRID_FLAG
    return b"\x00" + kind.to_bytes(4, "big") + SRID.to_bytes(4, "big") + wkb[5:]


def zones_holding(shapes: np.ndarray, zones: list[tuple[uuid.UUID, str, bytes]]) -> list:
    """Each footprint's zone by the database's rule (`grid.zone_holding`: the community's
    zone covering its interior point, the lowest id when several do), as the writer's guess
    for `copy_buildings`: the database re-derives every inserted row and corrects any that
    differs, so the rule stays the database's; a right guess spares rewriting the row."""
    found: list = [None] * len(shapes)
    if not zones or not len(shapes):
        return found
    ordered = sorted(zones, key=operator.itemgetter(0))  # uuid order is the database's
    tree = shapely.STRtree(shapely.from_wkb([wkb for _, _, wkb in ordered]))
    points, holders = tree.query(shapely.point_on_surface(shapes), predicate="covered_by")
    for point, holder in sorted(zip(points.tolist(), holders.tolist(), strict=True)):
        if found[point] is None:  # the lowest index of an id-ordered list: the lowest id
            found[point] = ordered[holder][0]
    return found


@gc_paused()
def new_buildings(
    rows: list[dict], zones: list[tuple[uuid.UUID, str, bytes]], step: int = BATCH * 10
) -> NewBuildings:
    """`rows` (prepare_buildings', ids new to their community) as a COPY stream for
    `copy_buildings`, each with its zone guessed by `zones_holding` from the community's
    `zones` (existing_zones)."""
    if not rows:
        return NewBuildings(0, [])
    wkbs = [bytes(r["footprint"].data) for r in rows]
    ewkbs = [_extended(wkb) for wkb in wkbs]
    held = zones_holding(shapely.from_wkb(wkbs), zones) if zones else [None] * len(rows)
    pieces: list[tuple[bytes, int]] = []
    parts = [_COPY_HEADER]
    codes: dict[str, bytes] = {}
    for index, (row, ewkb, zone_id) in enumerate(zip(rows, ewkbs, held, strict=True)):
        code = row["community_code"]
        if code not in codes:
            codes[code] = _FIELD(len(code.encode())) + code.encode()
        name, address = row["name"].encode(), row["address"].encode()
        parts += (
            _ROW_START,
            row["id"].bytes,
            codes[code],
            _FIELD(len(name)),
            name,
            _FIELD(len(address)),
            address,
            _HOUSEHOLDS(4, row["households"], len(ewkb)),
            ewkb,
            _NULL if zone_id is None else _ZONE + zone_id.bytes,
        )
        if (index + 1) % step == 0:
            pieces.append((b"".join(parts), step))
            parts = []
    parts.append(b"\xff\xff")  # the trailer
    pieces.append((b"".join(parts), len(rows) % step))
    return NewBuildings(len(rows), pieces)


async def _driver(conn: AsyncConnection) -> psycopg.AsyncConnection:
    """psycopg's own connection under `conn`, for COPY (which SQLAlchemy does not speak)."""
    raw = (await conn.get_raw_connection()).driver_connection
    assert isinstance(raw, psycopg.AsyncConnection)
    return raw


async def copy_buildings(
    conn: AsyncConnection, new: NewBuildings, *, progress: Progress | None = None
) -> ImportOutcome:
    """Insert buildings whose ids their community did not hold when the import read it
    (`new_buildings`) by one binary COPY in the caller's transaction: every row trigger,
    check and foreign key runs as for an INSERT, and with BULK_ZONES on the statement
    trigger re-derives each row's zone (grid_0006). An id found taken after all (another
    community's, or written meanwhile) refuses the import."""
    if not new.count:
        return ImportOutcome()
    raw = await _driver(conn)
    await conn.execute(select(func.set_config(BULK_ZONES, "on", True)))
    savepoint = await conn.begin_nested()
    try:
        async with raw.cursor() as cursor:
            names = ", ".join(COPY_COLUMNS)
            async with cursor.copy(
                f"COPY {building.fullname} ({names}) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                for piece, rows in new.pieces:
                    await copy.write(piece)
                    if progress and rows:
                        progress(rows)
    except pg_errors.UniqueViolation as clash:
        await savepoint.rollback()
        taken = re.search(r"\(id\)=\(([0-9a-f-]{36})\)", clash.diag.message_detail or "")
        raise DomainError(  # naming no community: it may lie outside the caller's scope
            UserErrorCode.CONFLICT,
            f"编号 {taken[1] if taken else ''} 已被占用（其他社区的数据，或导入期间新写入的楼栋）",
            f"Id {taken[1] if taken else ''} is already in use (in another community, or "
            "written while this import ran): import again",
            ["data"],
        ) from None
    await savepoint.commit()
    await conn.execute(select(func.set_config(BULK_ZONES, "off", True)))
    return ImportOutcome(imported=new.count)


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
    raw = await _driver(conn)
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
            shape = _to_wgs84(crs, record.boundary, record.field)
            if shape.difference(boundary).area > AREA_TOLERANCE:
                raise _outside(("片区", "zone"), code, record.field)
            key = stable_id(code, record.source_key, record.name)
            if any(key == k for k, _, _ in placed):
                raise _duplicate(key, record.field)
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
