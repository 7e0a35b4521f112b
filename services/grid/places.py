"""Communities, zones and buildings as stored: geometry comes out as GeoJSON text."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.grid.models import building, community, zone

# 7 decimals of a degree is about a centimetre: enough for any footprint.
GEOJSON_DIGITS = 7


def _as_geojson(column: Any) -> Any:
    return func.ST_AsGeoJSON(column, GEOJSON_DIGITS)


_community_columns = (
    community.c.code,
    community.c.street_code,
    community.c.district_code,
    community.c.version,
    _as_geojson(community.c.boundary).label("boundary"),
)
_zone_columns = (
    zone.c.id,
    zone.c.community_code,
    zone.c.name,
    zone.c.organization_id,
    zone.c.version,
    _as_geojson(zone.c.boundary).label("boundary"),
)
_building_columns = (
    building.c.id,
    building.c.community_code,
    building.c.name,
    building.c.address,
    building.c.households,
    building.c.zone_id,
    building.c.party_group_id,
    building.c.version,
    _as_geojson(building.c.footprint).label("footprint"),
)


async def _by_key(conn: AsyncConnection, query: Select, key: str, keys: Sequence[Any]) -> list:
    found = {row[key]: dict(row) for row in (await conn.execute(query)).mappings()}
    return [found.get(k) for k in keys]


async def _grouped(
    conn: AsyncConnection, query: Select, key: str, keys: Sequence[Any]
) -> list[list[dict]]:
    grouped: dict[Any, list[dict]] = {k: [] for k in keys}
    for row in (await conn.execute(query)).mappings():
        grouped[row[key]].append(dict(row))
    return [grouped[k] for k in keys]


async def communities_by_code(conn: AsyncConnection, codes: Sequence[str]) -> list[dict | None]:
    query = select(*_community_columns).where(community.c.code.in_(codes))
    return await _by_key(conn, query, "code", codes)


async def zones_by_id(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[dict | None]:
    return await _by_key(conn, select(*_zone_columns).where(zone.c.id.in_(ids)), "id", ids)


async def zones_of_communities(conn: AsyncConnection, codes: Sequence[str]) -> list[list[dict]]:
    query = (
        select(*_zone_columns)
        .where(zone.c.community_code.in_(codes))
        .order_by(zone.c.name_key, zone.c.id)
    )
    return await _grouped(conn, query, "community_code", codes)


async def buildings_by_id(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[dict | None]:
    query = select(*_building_columns).where(building.c.id.in_(ids))
    return await _by_key(conn, query, "id", ids)


async def buildings_of_zones(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[list[dict]]:
    query = (
        select(*_building_columns)
        .where(building.c.zone_id.in_(ids))
        .order_by(building.c.name_key, building.c.id)
    )
    return await _grouped(conn, query, "zone_id", ids)


async def orphan_buildings_of_communities(
    conn: AsyncConnection, codes: Sequence[str]
) -> list[list[dict]]:
    """DOMAIN "Places": a building no zone contains is an orphan and itself a gap."""
    query = (
        select(*_building_columns)
        .where(building.c.community_code.in_(codes), building.c.zone_id.is_(None))
        .order_by(building.c.name_key, building.c.id)
    )
    return await _grouped(conn, query, "community_code", codes)


async def building_counts_of_communities(conn: AsyncConnection, codes: Sequence[str]) -> list[int]:
    query = (
        select(building.c.community_code, func.count())
        .where(building.c.community_code.in_(codes))
        .group_by(building.c.community_code)
    )
    counts: dict[str, int] = dict((await conn.execute(query)).tuples().all())
    return [counts.get(code, 0) for code in codes]


async def zones_of_organizations(
    conn: AsyncConnection, ids: Sequence[uuid.UUID]
) -> list[list[dict]]:
    """Zones assigned to each organization (grid branch, or zone group)."""
    query = (
        select(*_zone_columns)
        .where(zone.c.organization_id.in_(ids))
        .order_by(zone.c.name_key, zone.c.id)
    )
    return await _grouped(conn, query, "organization_id", ids)


async def buildings_of_groups(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[list[dict]]:
    """Buildings assigned to each Party group."""
    query = (
        select(*_building_columns)
        .where(building.c.party_group_id.in_(ids))
        .order_by(building.c.name_key, building.c.id)
    )
    return await _grouped(conn, query, "party_group_id", ids)
