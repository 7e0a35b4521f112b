"""CSV of buildings (and zones) in and out.

Buildings: columns `name,address,households,lon,lat` (a Point per row) plus optional `id` and
`wkt` (a Polygon/MultiPolygon footprint, which then wins over lon/lat); zones: `name,wkt` plus
an optional `id`. Other columns are ignored, so an export imports back unchanged.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator, Sequence

import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from services.common.errors import DomainError
from services.grid.transfer.records import (
    MAX_ADDRESS,
    MAX_BYTES,
    BuildingRecord,
    Problems,
    ZoneRecord,
    check_count,
    check_households,
    check_name,
    check_size,
    check_text,
    invalid,
)
from services.grid.validation import ZONE_TYPES, parse_shape

# csv's default cap of one field is 128 KiB, short of the WKT of a 6,000-vertex zone; the
# whole input is capped instead (MAX_BYTES, checked before reading), so one field
# may be as long as the input may be.
csv.field_size_limit(MAX_BYTES)

BUILDING_COLUMNS = ("name", "lon", "lat")
ZONE_COLUMNS = ("name", "wkt")


def _rows(data: str, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    check_size(data)
    reader = csv.DictReader(io.StringIO(data.lstrip("\ufeff")))  # Excel writes a BOM
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise invalid(
            f"CSV 缺少列：{', '.join(missing)}",
            f"The CSV lacks column(s): {', '.join(missing)}",
            ["data"],
        )
    for number, row in enumerate(reader, start=1):
        check_count(number)
        yield number, row


def _coordinate(text: str | None, name: str, limit: float, where: list[str]) -> float:
    try:
        value = float((text or "").strip())
    except ValueError:
        raise invalid(f"{name} 应为数字", f"{name} must be a number", where) from None
    if not math.isfinite(value):
        raise invalid("坐标不能为 NaN 或无穷大", "A coordinate is NaN or infinite", where)
    if abs(value) > limit:
        raise invalid(f"{name} 超出范围（±{limit:g}）", f"{name} out of range (±{limit:g})", where)
    return value


def _wkt(text: str | None, where: list[str]) -> BaseGeometry:
    """A checked Polygon/MultiPolygon (or Point) from WKT."""
    try:
        shape = shapely.from_wkt((text or "").strip() or None)
    except shapely.errors.GEOSException:
        raise invalid("WKT 无法解析", "Unreadable WKT", where) from None
    if shape is None:
        raise invalid("缺少 WKT", "The WKT is missing", where)
    if isinstance(shape, Point) and not shape.is_empty:
        lon = _coordinate(str(shape.x), "lon", 180, where)
        return Point(lon, _coordinate(str(shape.y), "lat", 90, where))
    return parse_shape(shapely.to_geojson(shape), ZONE_TYPES, where)


def read_buildings(data: str) -> list[BuildingRecord]:
    """Buildings of a CSV, one Point each."""
    problems, records = Problems(), []
    for number, row in _rows(data, BUILDING_COLUMNS):
        where = ["data", "rows", str(number)]
        try:
            if (row.get("wkt") or "").strip():
                footprint = _wkt(row.get("wkt"), [*where, "wkt"])
            else:
                lon = _coordinate(row.get("lon"), "lon", 180, [*where, "lon"])
                lat = _coordinate(row.get("lat"), "lat", 90, [*where, "lat"])
                footprint = Point(lon, lat)
            records.append(
                BuildingRecord(
                    name=check_name(row.get("name"), [*where, "name"]),
                    address=check_text(row.get("address"), ("地址", "address"), MAX_ADDRESS, where),
                    households=check_households(row.get("households"), [*where, "households"]),
                    footprint=footprint,
                    field=where,
                    source_key=(row.get("id") or "").strip() or None,
                )
            )
        except DomainError as refused:
            problems.add(refused)
    problems.raise_any()
    return records


def read_zones(data: str) -> list[ZoneRecord]:
    """Zones of a CSV, boundaries as WKT Polygon/MultiPolygon."""
    problems, records = Problems(), []
    for number, row in _rows(data, ZONE_COLUMNS):
        where = ["data", "rows", str(number)]
        try:
            boundary = _wkt(row.get("wkt"), [*where, "wkt"])
            if boundary.geom_type not in ZONE_TYPES:
                raise invalid("片区应为多边形", "A zone must be a polygon", [*where, "wkt"])
            name = check_name(row.get("name"), [*where, "name"])
            records.append(ZoneRecord(name, boundary, where, (row.get("id") or "").strip() or None))
        except DomainError as refused:
            problems.add(refused)
    problems.raise_any()
    return records


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text with a header line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return out.getvalue()
