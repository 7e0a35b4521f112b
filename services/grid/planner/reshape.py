"""Reshaping several zones of one community at once, with no transient overlap.

The zone shape trigger checks each row as it is written, against its siblings as they are at
that moment: written one by one, a zone growing into a neighbour's old place is refused while
that neighbour has yet to move away, whatever order the zones come in. So the write has two
phases: first every zone whose old shape lies in another's way shrinks to what it keeps
(old ∩ new, an interim that is no version of its own), then every zone gets its final shape —
finals are disjoint, and each interim lies inside its own final, so no write overlaps.

The one chokepoint for every multi-zone reshape: redrawZones (services/grid/planner/zones.py)
and undo/redo of any change set (services/grid/planner/undo.py `reverse`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import DomainError, UserErrorCode
from services.grid import geometry_pool
from services.grid.models import SRID, zone
from services.grid.planner.contiguity import polygonal


@dataclass(frozen=True)
class Reshape:
    """One zone's final state: `shape`, its boundary (for the interims), and `values`, the
    columns its final write sets (the boundary among them, and its new version)."""

    zone_id: uuid.UUID
    shape: BaseGeometry
    values: Mapping[str, Any]


def interims(olds: list[BaseGeometry], news: list[BaseGeometry]) -> list[BaseGeometry | None]:
    """Per zone, the shape to shrink it to first (None: none needed): a zone whose old shape
    reaches into another's new one keeps only old ∩ new (possibly empty) until the finals."""
    found: list[BaseGeometry | None] = []
    for i, (old, new) in enumerate(zip(olds, news, strict=True)):
        in_the_way = any(
            j != i and old.intersects(other) and old.intersection(other).area > 0
            for j, other in enumerate(news)
        )
        found.append(polygonal(old.intersection(new)) if in_the_way else None)
    return found


def _overlaps(a: BaseGeometry, b: BaseGeometry) -> bool:
    return a.intersects(b) and a.intersection(b).area > 0


def write_order(
    olds: list[BaseGeometry], news: list[BaseGeometry], shrunk: list[BaseGeometry | None]
) -> list[int] | None:
    """The order of the final writes (None: there is none). A zone with nothing of its old
    shape left (an empty interim) could not shrink: until its own final is written it still
    holds its old shape, so each final waits until no such zone in its way is unwritten (a
    chain of zones each moving into the next one's place is written from its far end). Zones
    that would have to take each other's places at once (a swap) cannot be written."""
    holding = {i for i, interim in enumerate(shrunk) if interim is not None and interim.is_empty}
    left, order = list(range(len(news))), []
    while left:
        ready = [
            i
            for i in left
            if not any(j != i and j in holding and _overlaps(news[i], olds[j]) for j in left)
        ]
        if not ready:
            return None
        order += ready
        left = [i for i in left if i not in ready]
    return order


async def _current(conn: AsyncConnection, ids: list[uuid.UUID]) -> list[BaseGeometry]:
    rows = await conn.execute(
        select(zone.c.id, func.ST_AsBinary(zone.c.boundary)).where(zone.c.id.in_(ids))
    )
    shapes = {i: shapely.from_wkb(bytes(w)) for i, w in rows}
    return [shapes[i] for i in ids]


async def reshape_zones(conn: AsyncConnection, reshapes: list[Reshape], field: list[str]) -> None:
    """Give each zone its final state, interims first (see the module docstring). The caller
    has locked the community and checked the zones; `field` names the input for a refusal of
    the geometry work."""
    if not reshapes:
        return
    olds = await _current(conn, [r.zone_id for r in reshapes])
    news = [r.shape for r in reshapes]
    shrunk = await geometry_pool.run(interims, olds, news, field=field)
    for reshape, interim in zip(reshapes, shrunk, strict=True):
        if interim is not None and not interim.is_empty:
            boundary = func.ST_GeomFromWKB(shapely.to_wkb(interim), SRID)
            await conn.execute(
                update(zone).where(zone.c.id == reshape.zone_id).values(boundary=boundary)
            )
    order = await geometry_pool.run(write_order, olds, news, shrunk, field=field)
    if order is None:
        raise DomainError(
            UserErrorCode.RULE_VIOLATION,
            "这些片区要互换位置，无法一次完成；请分两步修改",
            "These zones would take each other's places at once; change them in two steps",
            field,
            rule="zone.swap",
        )
    for i in order:
        reshape = reshapes[i]
        await conn.execute(
            update(zone).where(zone.c.id == reshape.zone_id).values(**reshape.values)
        )
