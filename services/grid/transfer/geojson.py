"""GeoJSON FeatureCollections in and out: zones and buildings as features.

Reading checks structure and coordinates strictly (finite, lon ±180, lat ±90, closed rings,
valid polygons: a self-intersecting shape is refused with a repair offered, never repaired
silently) through `services.grid.validation`, and leaves coordinates in the declared system.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from services.common.errors import DomainError
from services.grid.transfer.records import (
    MAX_ADDRESS,
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
from services.grid.validation import ZONE_TYPES, parse_shape, position

BUILDING_TYPES = ("Polygon", "MultiPolygon", "Point")
EXPORT_DIGITS = 7  # about a centimetre


def _features(data: str) -> list[Any]:
    check_size(data)
    try:
        collection = json.loads(data)
    except ValueError:
        raise invalid("不是有效的 JSON", "Not valid JSON", ["data"]) from None
    except RecursionError:  # thousands of nested arrays or objects
        raise invalid("JSON 嵌套过深", "The JSON is nested too deeply", ["data"]) from None
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise invalid(
            "应为 GeoJSON FeatureCollection", "Expected a GeoJSON FeatureCollection", ["data"]
        )
    features = collection.get("features")
    if not isinstance(features, list):
        raise invalid("features 应为数组", "features must be an array", ["data", "features"])
    check_count(len(features))
    return features


def _point(geometry: dict[str, Any], where: list[str]) -> BaseGeometry:
    return Point(*position(geometry.get("coordinates"), where))


def _feature(feature: Any, index: int, allowed: tuple[str, ...]) -> tuple[BaseGeometry, dict]:
    where = ["data", "features", str(index)]
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise invalid(f"第 {index} 项不是 Feature", f"Item {index} is not a Feature", where)
    geometry = feature.get("geometry")
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in allowed:
        raise invalid(
            f"第 {index} 项的几何类型应为 {'/'.join(allowed)}，而不是 {kind}",
            f"Feature {index}: geometry type must be {'/'.join(allowed)}, not {kind}",
            [*where, "geometry"],
        )
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        raise invalid("properties 应为对象", "properties must be an object", [*where, "properties"])
    if kind == "Point" and isinstance(geometry, dict):
        shape = _point(geometry, [*where, "geometry"])
    else:
        shape = parse_shape(geometry, ZONE_TYPES, [*where, "geometry"])
    key = feature.get("id", properties.get("id"))
    if key is not None and not isinstance(key, str | int):
        raise invalid("id 应为文本或整数", "id must be text or an integer", [*where, "id"])
    return shape, {**properties, "id": None if key is None else str(key)}


def read_buildings(data: str) -> list[BuildingRecord]:
    """Buildings of a FeatureCollection (properties name, address, households, id)."""
    problems, records = Problems(), []
    for index, feature in enumerate(_features(data)):
        where = ["data", "features", str(index)]
        try:
            shape, props = _feature(feature, index, BUILDING_TYPES)
            records.append(
                BuildingRecord(
                    name=check_name(props.get("name"), [*where, "properties", "name"]),
                    address=check_text(
                        props.get("address"),
                        ("地址", "address"),
                        MAX_ADDRESS,
                        [*where, "properties", "address"],
                    ),
                    households=check_households(
                        props.get("households"), [*where, "properties", "households"]
                    ),
                    footprint=shape,
                    field=where,
                    source_key=props["id"],
                )
            )
        except DomainError as refused:
            problems.add(refused)
    problems.raise_any()
    return records


def read_zones(data: str) -> list[ZoneRecord]:
    """Zones of a FeatureCollection (Polygon/MultiPolygon; properties name, id)."""
    problems, records = Problems(), []
    for index, feature in enumerate(_features(data)):
        where = ["data", "features", str(index)]
        try:
            shape, props = _feature(feature, index, ZONE_TYPES)
            name = check_name(props.get("name"), [*where, "properties", "name"])
            records.append(ZoneRecord(name, shape, where, props["id"]))
        except DomainError as refused:
            problems.add(refused)
    problems.raise_any()
    return records


def rounded(geometry: BaseGeometry) -> BaseGeometry:
    """Coordinates rounded to EXPORT_DIGITS decimals."""
    return shapely.transform(geometry, lambda xy: np.round(xy, EXPORT_DIGITS))


def feature(id: str, geometry: BaseGeometry, properties: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON Feature (RFC 7946)."""
    return {
        "type": "Feature",
        "id": id,
        "geometry": json.loads(shapely.to_geojson(rounded(geometry))),
        "properties": properties,
    }


def collection(features: list[dict[str, Any]]) -> str:
    """A FeatureCollection as text."""
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
