"""Assignments on the grid: buildings to a Party group in bulk, a zone to its organization.

Each is an `Operation` for services/grid/planner/runner.py; which organizations may be
assigned is decided by services/grid/planner/organizations.py.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select, update

from services.common.errors import DomainError, UserErrorCode, not_found
from services.grid.models import building, community, zone
from services.grid.org_client import OrgClient
from services.grid.planner.organizations import check_group, check_zone_organization
from services.grid.planner.plan import Plan
from services.grid.planner.zones import zone_for_edit
from services.grid.validation import stale


async def require_community(plan: Plan, code: str) -> None:
    """NOT_FOUND unless grid holds the community (a boundary)."""
    exists = (
        await plan.conn.execute(select(community.c.code).where(community.c.code == code))
    ).scalar_one_or_none()
    if exists is None:
        raise not_found("社区", "community", code, "communityCode")


async def _buildings_by_ids(plan: Plan, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    rows = await plan.conn.execute(
        select(building.c.id, building.c.community_code, building.c.version)
        .where(building.c.id.in_(ids))
        .with_for_update()
    )
    found = {r["id"]: dict(r) for r in rows.mappings()}
    for i in ids:
        if i not in found:
            raise not_found("楼栋", "building", i, "buildingIds")
        if found[i]["community_code"] != plan.community_code:
            raise DomainError(
                UserErrorCode.RULE_VIOLATION,
                f"楼栋 {i} 不属于社区 {plan.community_code}",
                f"Building {i} is not of community {plan.community_code}",
                ["buildingIds"],
            )
    return found


async def _buildings_in(plan: Plan, area: BaseGeometry) -> list[uuid.UUID]:
    """Buildings whose interior point lies in the drawn area (DOMAIN "Places")."""
    shape = func.ST_GeomFromWKB(shapely.to_wkb(area), 4326)
    rows = await plan.conn.execute(
        select(building.c.id)
        .where(
            building.c.community_code == plan.community_code,
            building.c.footprint.op("&&")(shape),
            func.ST_Covers(shape, func.ST_PointOnSurface(building.c.footprint)),
        )
        .order_by(building.c.id)
        .with_for_update()
    )
    return [r[0] for r in rows]


def _check_versions(
    found: dict[uuid.UUID, dict[str, Any]], ids: list[uuid.UUID], versions: list[int] | None
) -> None:
    if versions is None:
        return
    if len(versions) != len(ids):
        raise DomainError(
            UserErrorCode.INVALID,
            "版本数与楼栋数不一致",
            "Give one expected version per building id",
            ["expectedVersions"],
        )
    for building_id, version in zip(ids, versions, strict=True):
        current = found[building_id]["version"]
        if current != version:
            raise stale(
                f"楼栋 {building_id} ", f"building {building_id}", current, ["expectedVersions"]
            )


@dataclass(frozen=True)
class BuildingSelection:
    """Buildings named by id (with optional expected versions) or lying in a drawn area."""

    ids: list[uuid.UUID] | None
    area: BaseGeometry | None
    versions: list[int] | None

    def check(self) -> None:
        if (self.ids is None) == (self.area is None):
            raise DomainError(
                UserErrorCode.INVALID,
                "请给出楼栋编号或圈选范围（二选一）",
                "Give either building ids or an area, not both",
                ["buildingIds"],
            )
        if self.ids is not None and not self.ids:
            raise DomainError(
                UserErrorCode.INVALID,
                "楼栋编号列表为空",
                "The list of building ids is empty",
                ["buildingIds"],
            )

    async def lock(self, plan: Plan) -> list[uuid.UUID]:
        """The buildings selected, locked; versions, when given, checked per id."""
        if self.ids is not None:
            ids = list(dict.fromkeys(self.ids))
            found = await _buildings_by_ids(plan, ids)
            _check_versions(found, self.ids, self.versions)
            return ids
        assert self.area is not None  # check() holds one of the two
        return await _buildings_in(plan, self.area)


@dataclass(frozen=True)
class AssignBuildings:
    """Set (or, with no group, clear) the Party group of the selected buildings."""

    community_code: str
    group_id: uuid.UUID | None
    buildings: BuildingSelection
    org: OrgClient

    async def apply(self, plan: Plan) -> None:
        self.buildings.check()
        await require_community(plan, self.community_code)
        await plan.begin(self.community_code)
        ids = await self.buildings.lock(plan)
        if self.group_id is not None:
            await check_group(self.org, self.group_id, self.community_code)
        await plan.track_buildings(ids)
        if ids:
            await plan.conn.execute(
                update(building)
                .where(
                    building.c.id.in_(ids),
                    building.c.party_group_id.is_distinct_from(self.group_id),
                )
                .values(
                    party_group_id=self.group_id,
                    version=building.c.version + 1,
                    updated_at=func.now(),
                )
            )


@dataclass(frozen=True)
class AssignZone:
    """Set (or, with none, clear) the organization covering a zone."""

    zone_id: uuid.UUID
    organization_id: uuid.UUID | None
    expected_version: int
    org: OrgClient

    async def apply(self, plan: Plan) -> None:
        row = await zone_for_edit(plan, self.zone_id, self.expected_version, ["zoneId"])
        if self.organization_id is not None:
            await check_zone_organization(self.org, self.organization_id, row["community_code"])
        await plan.conn.execute(
            update(zone)
            .where(zone.c.id == self.zone_id)
            .values(
                organization_id=self.organization_id,
                version=zone.c.version + 1,
                updated_at=func.now(),
            )
        )
