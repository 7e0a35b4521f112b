"""Import of zones and buildings into one community: the records, their checks, identity.

Readers (`geojson`, `csv`, `osm`, `files` of this package) turn a source into records in
the coordinate system the caller declared; `upsert` converts them to WGS-84 (the stored
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
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import DomainError, UserErrorCode
from services.common.text import clean_text
from services.grid.models import community
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


def invalid_converted(where: list[str]) -> DomainError:
    return invalid(
        "坐标转换后形状无效，请检查坐标系",
        "The shape is invalid once converted to WGS-84; check the declared system",
        where,
    )


def to_wgs84(crs: Crs, shape: BaseGeometry, where: list[str]) -> BaseGeometry:
    converted = geometry_to_wgs84(crs, shape)
    if not converted.is_valid:
        raise invalid_converted(where)
    return converted


def outside_community(what: tuple[str, str], code: str, where: list[str]) -> DomainError:
    return DomainError(
        UserErrorCode.RULE_VIOLATION,
        f"{what[0]}不在社区 {code} 范围内（坐标系是否声明正确？）",
        f"The {what[1]} lies outside community {code} (is the coordinate system right?)",
        where,
        rule="inside_community",
    )


def duplicate_source(key: uuid.UUID, where: list[str]) -> DomainError:
    return DomainError(
        UserErrorCode.CONFLICT,
        f"同一来源记录重复出现（编号 {key}）",
        f"The same source record appears twice (id {key})",
        where,
    )
