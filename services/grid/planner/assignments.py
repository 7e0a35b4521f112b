"""Assignments on the grid: buildings to a Party group in bulk, a zone to its organization.

DOMAIN coverage graph: building -> Party group, zone -> grid branch (or, in a branch
community, the zone's Party group). An assignment points only at a live organization of the
building's or zone's own community, as org says; when org does not answer the write is
refused (UNAVAILABLE), never guessed.
"""

from __future__ import annotations

import uuid

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import bindparam, text

from services.common.errors import DomainError, UserErrorCode, not_found
from services.grid.org_client import OrganizationFact, OrgClient, OrgUnavailableError
from services.grid.planner.runner import Operation, Plan
from services.grid.planner.zones import zone_for_edit
from services.grid.validation import stale


def _unavailable(field: str) -> DomainError:
    return DomainError(
        UserErrorCode.UNAVAILABLE,
        "组织服务暂不可用，无法确认该组织，请稍后重试",
        "The org service did not answer; cannot check the organization; retry later",
        [field],
    )


async def _organization(org: OrgClient, org_id: uuid.UUID, field: str) -> OrganizationFact:
    try:
        fact = (await org.organizations([org_id])).get(org_id)
    except OrgUnavailableError:
        raise _unavailable(field) from None
    if fact is None:
        raise not_found("党组织", "organization", org_id, field)
    return fact


def _refuse(
    fact: OrganizationFact, community_code: str, kinds: tuple[str, ...]
) -> tuple[str, str] | None:
    """Why an organization cannot take the assignment (Chinese, English), or None."""
    if not fact.is_live:
        return "已撤销", "is dissolved"
    if fact.community_code != community_code:
        return f"不属于社区 {community_code}", f"is not of community {community_code}"
    if fact.kind not in kinds:
        return f"类型为 {fact.kind}，应为 {'/'.join(kinds)}", f"is a {fact.kind}, not {kinds}"
    return None


async def _check(
    org: OrgClient, org_id: uuid.UUID, community_code: str, kinds: tuple[str, ...], field: str
) -> None:
    fact = await _organization(org, org_id, field)
    why = _refuse(fact, community_code, kinds)
    if why is not None:
        raise DomainError(
            UserErrorCode.RULE_VIOLATION,
            f"党组织 {fact.name} {why[0]}",
            f"Organization {fact.name} {why[1]}",
            [field],
            rule="assignment.live_organization_of_community",
        )


async def check_group(org: OrgClient, group_id: uuid.UUID, community_code: str) -> None:
    """A building's Party group: a live party_group of its community."""
    await _check(org, group_id, community_code, ("party_group",), "partyGroupId")


async def check_zone_organization(
    org: OrgClient, org_id: uuid.UUID, community_code: str, field: str = "organizationId"
) -> None:
    """A zone's organization: a live grid branch of its community, or in a branch (党支部)
    community, where there are no grid branches, a Party group."""
    kinds: tuple[str, ...] = ("grid_branch",)
    fact = await _organization(org, org_id, field)
    if fact.kind == "party_group":
        try:
            community_kind = (await org.community_kinds([community_code])).get(community_code)
        except OrgUnavailableError:
            raise _unavailable(field) from None
        if community_kind == "branch":
            kinds = ("party_group",)
    await _check(org, org_id, community_code, kinds, field)


async def check_restorable(
    org: OrgClient,
    community_code: str,
    zone_organizations: list[uuid.UUID],
    groups: list[uuid.UUID],
    field: str = "communityCode",
) -> None:
    """Undo re-points zones and buildings at organizations they had before; each must still be
    one they could be assigned to now (live, of this community, of the right kind), checked
    through org in one request. Undo is refused otherwise, naming them."""
    ids = list(dict.fromkeys([*zone_organizations, *groups]))
    if not ids:
        return
    try:
        facts = await org.organizations(ids)
        branch = False
        if any(f.kind == "party_group" for i, f in facts.items() if i in zone_organizations):
            kinds = await org.community_kinds([community_code])
            branch = kinds.get(community_code) == "branch"
    except OrgUnavailableError:
        raise _unavailable(field) from None
    zone_kinds = ("party_group",) if branch else ("grid_branch",)
    refused: list[tuple[str, str]] = []
    for ids_of, kinds in ((zone_organizations, zone_kinds), (groups, ("party_group",))):
        for org_id in dict.fromkeys(ids_of):
            fact = facts.get(org_id)
            if fact is None:
                refused.append((f"党组织 {org_id} 不存在", f"organization {org_id} does not exist"))
                continue
            why = _refuse(fact, community_code, kinds)
            if why is not None:
                refused.append((f"{fact.name} {why[0]}", f"{fact.name} {why[1]}"))
    if refused:
        raise DomainError(
            UserErrorCode.RULE_VIOLATION,
            "无法撤销：原党组织已不可用（" + "；".join(zh for zh, _ in refused) + "）",
            "Cannot undo: organizations it would restore are no longer valid ("
            + "; ".join(en for _, en in refused)
            + ")",
            [field],
            rule="assignment.live_organization_of_community",
        )


async def _buildings_by_ids(plan: Plan, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict]:
    rows = await plan.conn.execute(
        text(
            "SELECT id, community_code, version FROM grid.building WHERE id IN :ids FOR UPDATE"
        ).bindparams(bindparam("ids", value=ids, expanding=True))
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
    rows = await plan.conn.execute(
        text(
            "SELECT id FROM grid.building WHERE community_code = :c "
            "AND footprint && ST_GeomFromWKB(:w, 4326) "
            "AND ST_Covers(ST_GeomFromWKB(:w, 4326), ST_PointOnSurface(footprint)) "
            "ORDER BY id FOR UPDATE"
        ),
        {"c": plan.community_code, "w": shapely.to_wkb(area)},
    )
    return [r[0] for r in rows]


def assign_buildings(
    community_code: str,
    group_id: uuid.UUID | None,
    building_ids: list[uuid.UUID] | None,
    area: BaseGeometry | None,
    expected_versions: list[int] | None,
    org: OrgClient,
) -> Operation:
    """Set (or, with no group, clear) the Party group of buildings named by id or lying in a
    drawn area. Versions, when given, are checked per building id."""

    async def assign(plan: Plan) -> None:
        if (building_ids is None) == (area is None):
            raise DomainError(
                UserErrorCode.INVALID,
                "请给出楼栋编号或圈选范围（二选一）",
                "Give either building ids or an area, not both",
                ["buildingIds"],
            )
        if building_ids is not None and not building_ids:
            raise DomainError(
                UserErrorCode.INVALID,
                "楼栋编号列表为空",
                "The list of building ids is empty",
                ["buildingIds"],
            )
        exists = (
            await plan.conn.execute(
                text("SELECT 1 FROM grid.community WHERE code = :c"), {"c": community_code}
            )
        ).scalar_one_or_none()
        if exists is None:
            raise not_found("社区", "community", community_code, "communityCode")
        await plan.begin(community_code)
        if building_ids is not None:
            ids = list(dict.fromkeys(building_ids))
            found = await _buildings_by_ids(plan, ids)
            _check_versions(found, building_ids, expected_versions)
        else:
            ids = await _buildings_in(plan, area)
        if group_id is not None:
            await check_group(org, group_id, community_code)
        await plan.track_buildings(ids)
        if ids:
            await plan.conn.execute(
                text(
                    "UPDATE grid.building SET party_group_id = :g, version = version + 1, "
                    "updated_at = now() WHERE id IN :ids "
                    "AND party_group_id IS DISTINCT FROM :g"
                ).bindparams(bindparam("ids", value=ids, expanding=True)),
                {"g": group_id},
            )

    return assign


def _check_versions(
    found: dict[uuid.UUID, dict], ids: list[uuid.UUID], versions: list[int] | None
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


def assign_zone(
    zone_id: uuid.UUID, organization_id: uuid.UUID | None, expected_version: int, org: OrgClient
) -> Operation:
    """Set (or, with none, clear) the organization covering a zone."""

    async def assign(plan: Plan) -> None:
        row = await zone_for_edit(plan, zone_id, expected_version, ["zoneId"])
        if organization_id is not None:
            await check_zone_organization(org, organization_id, row["community_code"])
        await plan.conn.execute(
            text(
                "UPDATE grid.zone SET organization_id = :o, version = version + 1, "
                "updated_at = now() WHERE id = :i"
            ),
            {"o": organization_id, "i": zone_id},
        )

    return assign
