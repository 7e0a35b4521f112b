"""Zones and buildings as history keeps them: the "before" and "after" of a change item.

Zone geometry is kept as GeoJSON to read and as EWKB to restore exactly; a building's
footprint as EWKB only (its zone is derived, not kept).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.grid.models import building, zone

State = dict[str, Any]
States = dict[uuid.UUID, State | None]


def _ewkb_hex(column: Any) -> Any:
    return func.encode(func.ST_AsEWKB(column), "hex")


async def zone_states(conn: AsyncConnection, ids: list[uuid.UUID]) -> States:
    """Each zone's state as history keeps it, None when it does not exist."""
    states: States = dict.fromkeys(ids)
    if not ids:
        return states
    rows = await conn.execute(
        select(
            zone.c.id,
            zone.c.name,
            zone.c.organization_id,
            zone.c.version,
            func.ST_AsGeoJSON(zone.c.boundary, 9).label("geojson"),
            _ewkb_hex(zone.c.boundary).label("wkb"),
        ).where(zone.c.id.in_(ids))
    )
    for r in rows.mappings():
        states[r["id"]] = {
            "name": r["name"],
            "organizationId": str(r["organization_id"]) if r["organization_id"] else None,
            "version": r["version"],
            "boundary": json.loads(r["geojson"]),
            "wkb": r["wkb"],
        }
    return states


async def building_states(conn: AsyncConnection, ids: list[uuid.UUID]) -> States:
    """Each building's state as history keeps it, None when it does not exist."""
    states: States = dict.fromkeys(ids)
    if not ids:
        return states
    rows = await conn.execute(
        select(
            building.c.id,
            building.c.name,
            building.c.address,
            building.c.households,
            building.c.party_group_id,
            building.c.version,
            _ewkb_hex(building.c.footprint).label("wkb"),
        ).where(building.c.id.in_(ids))
    )
    for r in rows.mappings():
        group = r["party_group_id"]
        states[r["id"]] = {
            "name": r["name"],
            "address": r["address"],
            "households": r["households"],
            "partyGroupId": str(group) if group else None,
            "version": r["version"],
            "wkb": r["wkb"],
        }
    return states
