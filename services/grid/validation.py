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
from enum import Enum
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from services.common.errors import DomainError, UserErrorCode

# A zone drawn by hand has tens of vertices, an imported survey a few thousand; anything
# past this is a mistake or an attack, and would hold the community's edit lock for long.
MAX_VERTICES = 100_000

ZONE_TYPES = ("Polygon", "MultiPolygon")
LINE_TYPES = ("LineString",)


class Severity(Enum):
    """How much a finding matters: ERROR explains a refusal (nothing written); WARNING a plan
    that may go ahead but makes coverage worse, for the planner to confirm by committing;
    INFO what the grid did quietly (e.g. snapped a drawing to the community boundary)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """Something the planner should know about a plan: a refusal's detail or a warning."""

    code: str  # INVALID_SHAPE, OUTSIDE_COMMUNITY, OVERLAP, ORPHANS_CREATED, ...
    message: str
    message_en: str
    repaired: dict[str, Any] | None = None  # a valid shape offered in place of the drawn one
    zone_id: str | None = None  # the other zone, for OVERLAP
    severity: Severity = Severity.ERROR  # refusals' details, unless a warning says otherwise


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


# --- a zone against its community's boundary -------------------------------------------

# How far (metres) a drawn zone may stick out of its community and still be taken as meant to
# end on the boundary: a corner placed "on" the boundary by hand lands a few pixels off it,
# and at the planner's usual zoom (17–18) a pixel is 0.6–1.2 m, while the demo's and real
# communities' zones are tens of metres across; half a metre is below what a planner can see
# and point at, so clipping that much changes no intent (and no building's interior point).
SNAP_TOLERANCE_M = 0.5
# The zone shape trigger's tolerance (services/grid/sql/functions/zone_check_shape.sql,
# square degrees, about 0.1 m²): a shape outside by no more than this is inside as stored.
STORED_AREA_TOLERANCE = 1e-11
_M_PER_DEG_LAT = 110_574.0  # WGS-84 at mid latitudes; a local frame for a 0.5 m test is ample
_M_PER_DEG_LON_EQUATOR = 111_320.0
_SLIVER_M2 = 1e-4  # a polygonal buffer's corners fall short of the true one by millimetres


class Fit(Enum):
    """How a drawn zone sits against its community's boundary."""

    INSIDE = "inside"  # as drawn (within the stored tolerance)
    SNAPPED = "snapped"  # a hair outside: clipped to the community
    OUTSIDE = "outside"  # beyond the tolerance: refused, the clipped shape offered


def _areal(shape: BaseGeometry) -> BaseGeometry:
    """The polygons of an overlay's result (an intersection may leave lines and points)."""
    valid = shapely.make_valid(shape) if not shape.is_valid else shape
    parts = [p for p in shapely.get_parts(valid) if p.geom_type.endswith("Polygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _metres(shape: BaseGeometry, origin: tuple[float, float]) -> BaseGeometry:
    """The shape in a local metric frame around `origin` (longitude, latitude)."""
    lon0, lat0 = origin
    scale = _M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))

    def local(coords: Any) -> Any:
        return (coords - (lon0, lat0)) * (scale, _M_PER_DEG_LAT)

    return shapely.transform(shape, local)


def fit_to_community(shape: BaseGeometry, community: BaseGeometry) -> tuple[Fit, BaseGeometry]:
    """Whether a zone drawn as `shape` lies in its community, and the shape to keep: the
    drawing itself (INSIDE), or the drawing clipped to the community (SNAPPED when no part of
    it lies more than SNAP_TOLERANCE_M outside and a one-polygon drawing stays one polygon;
    OUTSIDE otherwise, the clip to offer)."""
    outside = shape.difference(community)
    if outside.area <= STORED_AREA_TOLERANCE:
        return Fit.INSIDE, shape
    clipped = _areal(shape.intersection(community))
    centre = community.centroid
    origin = (centre.x, centre.y)
    reach = _metres(community, origin).buffer(SNAP_TOLERANCE_M, quad_segs=16)
    beyond = _metres(outside, origin).difference(reach)
    if beyond.area <= _SLIVER_M2 and not clipped.is_empty:
        kept = _one_piece(clipped, origin) if shape.geom_type == "Polygon" else clipped
        if kept is not None:
            return Fit.SNAPPED, kept
    return Fit.OUTSIDE, clipped


def _one_piece(clipped: BaseGeometry, origin: tuple[float, float]) -> BaseGeometry | None:
    """A one-polygon drawing's clip as one polygon, less the slivers a clip along the
    boundary may leave (below SNAP_TOLERANCE_M squared); None when it falls apart (drawn
    across a thin slot of land outside the community): no silent multi-part zone, it is
    refused as outside, the clip offered for the planner to confirm."""
    parts = [
        p
        for p in shapely.get_parts(clipped)
        if _metres(p, origin).area > SNAP_TOLERANCE_M * SNAP_TOLERANCE_M
    ]
    return parts[0] if len(parts) == 1 else None


def offered_clip(clipped: BaseGeometry, others: list[BaseGeometry]) -> dict[str, Any] | None:
    """The shape offered for a drawing beyond its community (clip-to-community): the part in
    the community, less the community's other zones, as GeoJSON; None when nothing is left."""
    rest = _areal(clipped.difference(shapely.union_all(others))) if others else clipped
    if rest.is_empty or rest.area <= STORED_AREA_TOLERANCE:
        return None
    return json.loads(shapely.to_geojson(rest))


def outside_community(offered: dict[str, Any] | None, field: list[str]) -> PlanRefusedError:
    """The refusal of a zone beyond its community, the clipped shape offered when there is one
    (the same words and rule as the zone shape trigger's refusal)."""
    message, message_en = "片区超出社区范围", "The zone lies outside its community"
    if offered is not None:
        message += "，可采用裁剪到社区范围内的形状"
        message_en += "; the shape clipped to the community is offered"
    return PlanRefusedError(
        UserErrorCode.RULE_VIOLATION,
        message,
        message_en,
        field,
        rule="zone.outside_community",
        findings=[Finding("OUTSIDE_COMMUNITY", message, message_en, repaired=offered)],
    )


def snapped() -> Finding:
    """What a planner is told when a drawing was clipped to the community boundary."""
    return Finding(
        "SNAPPED_TO_COMMUNITY",
        f"片区超出社区边界不足 {SNAP_TOLERANCE_M:g} 米的部分已裁去，贴合社区边界",
        f"The parts of the zone less than {SNAP_TOLERANCE_M:g} m outside the community were "
        "clipped to its boundary",
        severity=Severity.INFO,
    )
