"""GeoJSON in and out of the graph: a scalar plus conversions to and from PostGIS values."""

from __future__ import annotations

import json
from typing import Any, NewType

import shapely
import strawberry
from shapely.geometry.base import BaseGeometry

GeoJSON = NewType("GeoJSON", object)

# Register with StrawberryConfig(scalar_map=SCALARS) in each schema that uses GeoJSON.
SCALARS = {
    GeoJSON: strawberry.scalar(
        name="GeoJSON",
        description="A GeoJSON geometry object (RFC 7946), WGS-84 longitude/latitude.",
        serialize=lambda value: value,
        parse_value=lambda value: value,
    )
}


def geometry_from_geojson(value: dict[str, Any] | str) -> BaseGeometry:
    """Parse a GeoJSON geometry (dict or text) into shapely; raises ValueError when malformed."""
    text = value if isinstance(value, str) else json.dumps(value)
    try:
        return shapely.from_geojson(text)
    except shapely.errors.GEOSException as exc:
        raise ValueError(f"not a GeoJSON geometry: {exc}") from exc


def geojson_from_text(value: str | None) -> dict[str, Any] | None:
    """PostGIS `ST_AsGeoJSON` text to a dict for the GeoJSON scalar."""
    return None if value is None else json.loads(value)
