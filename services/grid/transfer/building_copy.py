"""New buildings of a file import by one binary COPY: the PGCOPY stream built in a geometry
worker (`new_buildings`), written in the caller's transaction (`copy_buildings`)."""

from __future__ import annotations

import operator
import re
import struct
import uuid
from dataclasses import dataclass

import numpy as np
import psycopg
import shapely
from psycopg import errors as pg_errors
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import DomainError, UserErrorCode
from services.grid.gc_paused import gc_paused
from services.grid.models import SRID, building
from services.grid.sql import BULK_ZONES
from services.grid.transfer.records import BATCH, ImportOutcome, Progress


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


async def driver_connection(conn: AsyncConnection) -> psycopg.AsyncConnection:
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
    raw = await driver_connection(conn)
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
