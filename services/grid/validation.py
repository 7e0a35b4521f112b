"""Strict checks of the shapes a planner draws, before the database sees them.

A zone boundary must be a GeoJSON Polygon or MultiPolygon, a split line a LineString; every
position finite, longitude within ±180 and latitude within ±90 (WGS-84, RFC 7946); rings
closed with at least four positions; no more than `MAX_VERTICES`; and the shape valid (no
self-intersection). An invalid shape is refused with a repaired one *offered* (shapely's
`make_valid`), never applied silently.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from services.common.errors import DomainError, UserErrorCode

# A zone drawn by hand has tens of vertices, an imported survey a few thousand; anything
# past this is a mistake or an attack, and would hold the community's edit lock for long.
MAX_VERTICES = 100_000

ZONE_TYPES = ("Polygon", "MultiPolygon")
LINE_TYPES = ("LineString",)


@dataclass(frozen=True)
class Finding:
    """Something the planner should know about a plan: a refusal's detail or a warning."""

    code: str  # INVALID_SHAPE, OUTSIDE_COMMUNITY, OVERLAP, ORPHANS_CREATED, ...
    message: str
    message_en: str
    repaired: dict[str, Any] | None = None  # a valid shape offered in place of the drawn one
    zone_id: str | None = None  # the other zone, for OVERLAP


@dataclass
class PlanRefusedError(DomainError):
    """A refusal that also carries findings (e.g. the repaired shape offered)."""

    findings: list[Finding] = dc_field(default_factory=list)
    current_version: int | None = None  # for STALE: the version the edit should have named


def stale(what_zh: str, what_en: str, current: int, field: list[str]) -> PlanRefusedError:
    """Optimistic concurrency (ARCHITECTURE "Data"): an edit against an old version is a
    conflict carrying the current version, never a silent overwrite."""
    return PlanRefusedError(
        UserErrorCode.STALE,
        f"{what_zh}已被修改，当前版本为 {current}，请刷新后重试",
        f"The {what_en} was changed meanwhile; its current version is {current}",
        field,
        current_version=current,
    )


def _invalid(message: str, message_en: str, field: list[str]) -> DomainError:
    return PlanRefusedError(
        UserErrorCode.INVALID,
        message,
        message_en,
        field,
        findings=[Finding("INVALID_GEOJSON", message, message_en)],
    )


def _too_deep(field: list[str]) -> DomainError:
    return _invalid("GeoJSON 嵌套过深", "The GeoJSON is nested too deeply", field)


def _load(value: Any, field: list[str]) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise _invalid("不是 JSON", "Not JSON", field) from None
        except RecursionError:  # thousands of nested arrays: not a geometry
            raise _too_deep(field) from None
    if not isinstance(value, dict):
        raise _invalid("不是 GeoJSON 几何对象", "Not a GeoJSON geometry object", field)
    return value


def _position(value: Any, field: list[str]) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) not in (2, 3):
        raise _invalid("坐标应为 [经度, 纬度]", "A position must be [longitude, latitude]", field)
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        raise _invalid("坐标应为数字", "A coordinate is not a number", field)
    try:
        numbers = [float(v) for v in value]
    except OverflowError:  # an integer of hundreds of digits: no float holds it
        raise _invalid(
            "坐标超出范围（经度 ±180，纬度 ±90）",
            "Coordinate out of range (longitude ±180, latitude ±90)",
            field,
        ) from None
    lon, lat = numbers[0], numbers[1]
    if not all(math.isfinite(v) for v in numbers):
        raise _invalid("坐标不能为 NaN 或无穷大", "A coordinate is NaN or infinite", field)
    if abs(lon) > 180 or abs(lat) > 90:
        raise _invalid(
            f"坐标超出范围：[{lon}, {lat}]（经度 ±180，纬度 ±90）",
            f"Coordinate out of range: [{lon}, {lat}] (longitude ±180, latitude ±90)",
            field,
        )
    return lon, lat


def _positions(value: Any, field: list[str], budget: list[int]) -> list[tuple[float, float]]:
    if not isinstance(value, list):
        raise _invalid("坐标应为数组", "Coordinates must be an array", field)
    budget[0] -= len(value)
    if budget[0] < 0:  # counted before parsing a single position: cheap refusal
        raise _invalid(
            f"顶点过多（最多 {MAX_VERTICES} 个）",
            f"Too many vertices (at most {MAX_VERTICES})",
            field,
        )
    return [_position(p, field) for p in value]


def _ring(value: Any, field: list[str], budget: list[int]) -> None:
    points = _positions(value, field, budget)
    if len(points) < 4:
        raise _invalid(
            "多边形的环至少需要 4 个坐标", "A polygon ring needs at least 4 positions", field
        )
    if points[0] != points[-1]:
        raise _invalid("多边形的环未闭合", "A polygon ring is not closed", field)


def _polygon(value: Any, field: list[str], budget: list[int]) -> None:
    if not isinstance(value, list) or not value:
        raise _invalid("多边形至少需要一个环", "A polygon needs at least one ring", field)
    for ring in value:
        _ring(ring, field, budget)


def _check_structure(kind: str, coordinates: Any, field: list[str]) -> None:
    budget = [MAX_VERTICES]
    if kind == "Polygon":
        _polygon(coordinates, field, budget)
    elif kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise _invalid("多多边形为空", "The MultiPolygon is empty", field)
        for polygon in coordinates:
            _polygon(polygon, field, budget)
    elif kind == "LineString" and len(_positions(coordinates, field, budget)) < 2:
        raise _invalid("线至少需要 2 个坐标", "A line needs at least 2 positions", field)


def parse_shape(value: Any, allowed: tuple[str, ...], field: list[str]) -> BaseGeometry:
    """A checked shapely geometry of one of the `allowed` GeoJSON types, or a refusal."""
    data = _load(value, field)
    kind = data.get("type")
    if kind not in allowed:
        raise _invalid(
            f"几何类型应为 {'/'.join(allowed)}，而不是 {kind}",
            f"Geometry type must be {'/'.join(allowed)}, not {kind}",
            field,
        )
    _check_structure(kind, data.get("coordinates"), field)
    try:
        shape = shapely.from_geojson(json.dumps({"type": kind, "coordinates": data["coordinates"]}))
    except (shapely.errors.GEOSException, ValueError) as exc:
        raise _invalid("GeoJSON 无法解析", f"Unreadable GeoJSON: {exc}", field) from None
    shape = shapely.force_2d(shape)
    if shape.is_empty:
        raise _invalid("几何为空", "The geometry is empty", field)
    if kind in ZONE_TYPES:
        _check_valid_area(shape, field)
    return shape


def _check_valid_area(shape: BaseGeometry, field: list[str]) -> None:
    if not shape.is_valid:
        reason = shapely.is_valid_reason(shape)
        repaired = shapely.make_valid(shape)
        # Keep only the areal part of the repair: a zone is a polygon.
        polygons = shapely.get_parts(repaired)
        areal = shapely.union_all([p for p in polygons if p.geom_type.endswith("Polygon")])
        offered = json.loads(shapely.to_geojson(areal)) if not areal.is_empty else None
        message = f"多边形无效（{reason}），可采用修复后的形状"
        message_en = f"Invalid polygon ({reason}); a repaired shape is offered"
        raise PlanRefusedError(
            UserErrorCode.INVALID,
            message,
            message_en,
            field,
            findings=[Finding("INVALID_SHAPE", message, message_en, repaired=offered)],
        )
    if shape.area <= 0:
        raise _invalid("多边形面积为零", "The polygon has no area", field)


def position(value: Any, field: list[str]) -> tuple[float, float]:
    """One checked [longitude, latitude] (a Point's coordinates)."""
    return _position(value, field)


def as_text(value: Any, field: list[str]) -> str:
    """GeoJSON as text, to hand to a geometry worker (a string pickles flat, however deep
    the arrays it spells)."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, allow_nan=True)
    except RecursionError:
        raise _too_deep(field) from None
    except (TypeError, ValueError):
        raise _invalid("不是 GeoJSON 几何对象", "Not a GeoJSON geometry object", field) from None
