"""The shapes a planner draws, checked off the event loop (services/grid/validation.py's
rules, run in a geometry worker under its time budget: services/grid/geometry_pool.py)."""

from __future__ import annotations

from typing import Any

from shapely.geometry.base import BaseGeometry

from services.grid import geometry_pool
from services.grid.validation import LINE_TYPES, ZONE_TYPES, as_text, parse_shape


async def checked_shape(value: Any, allowed: tuple[str, ...], field: list[str]) -> BaseGeometry:
    """`parse_shape` in a geometry worker: validity and the offered repair can take GEOS
    minutes."""
    shape: BaseGeometry = await geometry_pool.run(
        parse_shape, as_text(value, field), allowed, field, field=field
    )
    return shape


async def zone_shape(value: Any, field: list[str]) -> BaseGeometry:
    """A zone boundary: a valid Polygon or MultiPolygon."""
    return await checked_shape(value, ZONE_TYPES, field)


async def split_line(value: Any, field: list[str]) -> BaseGeometry:
    """A split line: a LineString."""
    return await checked_shape(value, LINE_TYPES, field)
