"""The shapes a planner draws, checked off the event loop (services/grid/validation.py's
rules, run in a geometry worker under its time budget: services/grid/geometry_pool.py), and
a drawn zone fitted to its community's boundary."""

from __future__ import annotations

import uuid
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select

from services.grid import geometry_pool
from services.grid.models import SRID, community, zone
from services.grid.planner.plan import Plan
from services.grid.validation import (
    LINE_TYPES,
    STORED_AREA_TOLERANCE,
    ZONE_TYPES,
    Fit,
    as_text,
    fit_to_community,
    offered_clip,
    outside_community,
    parse_shape,
    snapped,
)


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


async def _community_boundary(plan: Plan, shape: BaseGeometry) -> BaseGeometry | None:
    """The community's boundary, or None when the shape lies inside it as the zone shape
    trigger tells (the common case, decided in the database without a geometry worker)."""
    drawn = func.ST_GeomFromWKB(shapely.to_wkb(shape), SRID)
    outside = func.ST_Area(func.ST_Difference(drawn, community.c.boundary))
    row = (
        await plan.conn.execute(
            select(outside <= STORED_AREA_TOLERANCE, func.ST_AsBinary(community.c.boundary)).where(
                community.c.code == plan.community
            )
        )
    ).one()
    return None if row[0] else shapely.from_wkb(bytes(row[1]))


async def _other_zones(plan: Plan, but: uuid.UUID | None) -> list[BaseGeometry]:
    query = select(func.ST_AsBinary(zone.c.boundary)).where(zone.c.community_code == plan.community)
    if but is not None:
        query = query.where(zone.c.id != but)
    return [shapely.from_wkb(bytes(w)) for (w,) in await plan.conn.execute(query)]


async def within_community(
    plan: Plan, shape: BaseGeometry, field: list[str], zone_id: uuid.UUID | None = None
) -> BaseGeometry:
    """The boundary a created or redrawn zone (`zone_id`) gets in the plan's community (begun,
    so locked): the drawing as is when it lies inside; clipped to the community, with an INFO
    finding, when it sticks out by less than the snapping tolerance; else refused as outside
    the community, offering the drawing clipped to the community less the other zones (the
    page previews it in one click). Overlaps with other zones stay the trigger's to refuse."""
    boundary = await _community_boundary(plan, shape)
    if boundary is None:
        return shape
    fit, kept = await geometry_pool.run(fit_to_community, shape, boundary, field=field)
    if fit is Fit.INSIDE:
        return shape
    if fit is Fit.SNAPPED:
        plan.findings.append(snapped())
        return kept
    others = await _other_zones(plan, zone_id)
    offered = await geometry_pool.run(offered_clip, kept, others, field=field)
    raise outside_community(offered, field)
