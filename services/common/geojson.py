"""GeoJSON in and out of the graph: the scalar, and PostGIS output to it."""

from __future__ import annotations

import json
from typing import Any, NewType

import strawberry

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


def geojson_from_text(value: str | None) -> dict[str, Any] | None:
    """PostGIS `ST_AsGeoJSON` text to a dict for the GeoJSON scalar."""
    return None if value is None else json.loads(value)
