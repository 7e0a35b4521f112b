"""Export of a region's zones, buildings or gaps as GeoJSON or CSV, in a declared system.

A region is a district (6 digits), street (9) or community (12). Gaps are computed from grid
data alone: buildings with no Party group or in no zone (orphans), and zones with no
organization; each carries the reasons (`no_party_group`, `orphan`, `no_organization`).
Exports import back: GeoJSON features keep their ids (UUIDs, which an import takes as the
row id) and CSV has the columns the importers read.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import is_region_code
from services.grid.models import building, community, zone
from services.grid.transfer import csv as transfer_csv
from services.grid.transfer import geojson as transfer_geojson
from services.grid.transfer.coordinates import Crs, geometry_from_wgs84

BUILDING_HEADER = (
    "id",
    "community_code",
    "name",
    "address",
    "households",
    "lon",
    "lat",
    "zone_id",
    "party_group_id",
    "wkt",
)
ZONE_HEADER = ("id", "community_code", "name", "organization_id", "lon", "lat", "wkt")
GAP_HEADER = ("layer", "gap", "id", "community_code", "name", "address", "lon", "lat")


class ExportLayer(Enum):
    """What an export holds."""

    ZONES = "zones"
    BUILDINGS = "buildings"
    GAPS = "gaps"


class ExportFormat(Enum):
    """How an export is written."""

    GEOJSON = "geojson"
    CSV = "csv"


def region_filter(region_code: str) -> ColumnElement[bool]:
    """Communities under a district, street or community code; ValueError when malformed."""
    code = region_code  # exactly as scope-checked: never normalised after the check
    column = {6: community.c.district_code, 9: community.c.street_code, 12: community.c.code}
    if not is_region_code(code):
        raise ValueError("regionCode must be 6, 9 or 12 digits")
    return column[len(code)] == code


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


async def _buildings(conn: AsyncConnection, region_code: str, gaps_only: bool) -> list[dict]:
    query = (
        select(
            building.c.id,
            building.c.community_code,
            building.c.name,
            building.c.address,
            building.c.households,
            building.c.zone_id,
            building.c.party_group_id,
            func.ST_AsBinary(building.c.footprint).label("wkb"),
        )
        .join(community, community.c.code == building.c.community_code)
        .where(region_filter(region_code))
        .order_by(building.c.community_code, building.c.name_key, building.c.id)
    )
    if gaps_only:
        query = query.where(or_(building.c.party_group_id.is_(None), building.c.zone_id.is_(None)))
    return [dict(r) for r in (await conn.execute(query)).mappings()]


async def _zones(conn: AsyncConnection, region_code: str, gaps_only: bool) -> list[dict]:
    query = (
        select(
            zone.c.id,
            zone.c.community_code,
            zone.c.name,
            zone.c.organization_id,
            func.ST_AsBinary(zone.c.boundary).label("wkb"),
        )
        .join(community, community.c.code == zone.c.community_code)
        .where(region_filter(region_code))
        .order_by(zone.c.community_code, zone.c.name_key, zone.c.id)
    )
    if gaps_only:
        query = query.where(zone.c.organization_id.is_(None))
    return [dict(r) for r in (await conn.execute(query)).mappings()]


def _building_gaps(row: dict) -> list[str]:
    return [
        reason
        for reason, missing in (
            ("no_party_group", row["party_group_id"] is None),
            ("orphan", row["zone_id"] is None),
        )
        if missing
    ]


def _place(row: dict, crs: Crs) -> tuple[BaseGeometry, float, float]:
    shape = transfer_geojson.rounded(geometry_from_wgs84(crs, shapely.from_wkb(bytes(row["wkb"]))))
    point = shape.point_on_surface()
    return shape, round(point.x, transfer_geojson.EXPORT_DIGITS), round(point.y, 7)


def _building_feature(row: dict, crs: Crs, gaps: bool) -> dict:
    properties = {
        "layer": "building",
        "communityCode": row["community_code"],
        "name": row["name"],
        "address": row["address"],
        "households": row["households"],
        "zoneId": _text(row["zone_id"]),
        "partyGroupId": _text(row["party_group_id"]),
    }
    if gaps:
        properties["gaps"] = _building_gaps(row)
    shape, _, _ = _place(row, crs)
    return transfer_geojson.feature(str(row["id"]), shape, properties)


def _zone_feature(row: dict, crs: Crs, gaps: bool) -> dict:
    properties = {
        "layer": "zone",
        "communityCode": row["community_code"],
        "name": row["name"],
        "organizationId": _text(row["organization_id"]),
    }
    if gaps:
        properties["gaps"] = ["no_organization"]
    shape, _, _ = _place(row, crs)
    return transfer_geojson.feature(str(row["id"]), shape, properties)


def _building_line(row: dict, crs: Crs) -> list[object]:
    shape, lon, lat = _place(row, crs)
    return [
        row["id"],
        row["community_code"],
        row["name"],
        row["address"],
        row["households"],
        lon,
        lat,
        row["zone_id"],
        row["party_group_id"],
        shape.wkt,
    ]


def _zone_line(row: dict, crs: Crs) -> list[object]:
    shape, lon, lat = _place(row, crs)
    return [
        row["id"],
        row["community_code"],
        row["name"],
        row["organization_id"],
        lon,
        lat,
        shape.wkt,
    ]


def _gap_lines(buildings: list[dict], zones: list[dict], crs: Crs) -> list[list[object]]:
    lines: list[list[object]] = []
    for row in buildings:
        _, lon, lat = _place(row, crs)
        gaps = ";".join(_building_gaps(row))
        lines.append(
            [
                "building",
                gaps,
                row["id"],
                row["community_code"],
                row["name"],
                row["address"],
                lon,
                lat,
            ]
        )
    for row in zones:
        _, lon, lat = _place(row, crs)
        lines.append(
            ["zone", "no_organization", row["id"], row["community_code"], row["name"], "", lon, lat]
        )
    return lines


async def export(
    conn: AsyncConnection, *, region_code: str, layer: ExportLayer, fmt: ExportFormat, crs: Crs
) -> str:
    """The layer of a region as GeoJSON FeatureCollection text or CSV text."""
    gaps = layer is ExportLayer.GAPS
    buildings = await _buildings(conn, region_code, gaps) if layer is not ExportLayer.ZONES else []
    zones = await _zones(conn, region_code, gaps) if layer is not ExportLayer.BUILDINGS else []
    if fmt is ExportFormat.GEOJSON:
        features = [_zone_feature(r, crs, gaps) for r in zones]
        features += [_building_feature(r, crs, gaps) for r in buildings]
        return transfer_geojson.collection(features)
    if layer is ExportLayer.ZONES:
        return transfer_csv.table(ZONE_HEADER, (_zone_line(r, crs) for r in zones))
    if layer is ExportLayer.BUILDINGS:
        return transfer_csv.table(BUILDING_HEADER, (_building_line(r, crs) for r in buildings))
    return transfer_csv.table(GAP_HEADER, _gap_lines(buildings, zones, crs))
