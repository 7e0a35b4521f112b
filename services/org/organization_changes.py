"""Creating, renaming, moving and dissolving Party organizations (what a secretary keeps).

Hard rules refuse the write (plan 二): one community organization per community, of the
three kinds and at the top; grid branches, groups, functional and special ones sit under an
organization of the same community; no organization under its own descendant; nothing
dissolved while it still has live children, members, or zones/buildings assigned by grid.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import DomainError, UserErrorCode
from services.common.text import MAX_NAME, clean_text
from services.org.grid_client import Assignments
from services.org.lookups import (
    COMMUNITY_KINDS,
    community_or_refuse,
    expect_version,
    organization_or_refuse,
    same_community,
)
from services.org.models import UNITS, member, party_organization

# Units make sense only for functional and special ones (单独或联合: one or more).
UNIT_KINDS = ("functional_branch", "functional_group", "special_branch", "special_group")

AssignmentsOf = Callable[[list[uuid.UUID]], Awaitable[dict[uuid.UUID, Assignments]]]

CONSTRAINT_ERRORS = {
    "party_organization_one_per_community": DomainError(
        UserErrorCode.CONFLICT,
        "该社区已有社区党组织（党委、党总支或党支部只能有一个）",
        "This community already has its community Party organization",
        ["input", "kind"],
        rule="organization.one_per_community",
    ),
}


@dataclass(frozen=True)
class NewOrganization:
    community_code: str
    name: str
    kind: str
    parent_id: uuid.UUID | None = None
    units: Sequence[str] = ()


def _check_name(name: str) -> str:
    return clean_text(name, ["input", "name"], MAX_NAME, required=True, what_zh="名称")


def _check_units(kind: str, units: Sequence[str]) -> list[str]:
    unknown = [u for u in units if u not in UNITS]
    if unknown:
        raise DomainError(
            UserErrorCode.INVALID,
            f"未知的单位：{unknown}",
            f"Unknown units: {unknown}",
            ["input", "units"],
        )
    if units and kind not in UNIT_KINDS:
        raise DomainError(
            UserErrorCode.INVALID,
            "只有功能型、特色党支部（党小组）设在单位中",
            "Only functional and special branches or groups sit in units",
            ["input", "units"],
        )
    return sorted(set(units))


async def _check_parent(
    conn: AsyncConnection, kind: str, community: str, parent_id: uuid.UUID | None
) -> None:
    if kind in COMMUNITY_KINDS:
        if parent_id is not None:
            raise DomainError(
                UserErrorCode.RULE_VIOLATION,
                "社区党组织是社区的最高一级党组织，不能有上级",
                "A community organization is the top of its community: it has no parent",
                ["input", "parentId"],
                rule="organization.placement",
            )
        return
    if parent_id is None:
        raise DomainError(
            UserErrorCode.INVALID,
            "网格党支部、党小组和功能型、特色组织须隶属本社区的党组织",
            "Grid branches, groups, functional and special ones need a parent organization",
            ["input", "parentId"],
        )
    parent = await organization_or_refuse(conn, parent_id, "parentId")
    same_community(parent, community, "parentId", "上级党组织", "parent organization")
    if parent["kind"] == "party_group":
        raise DomainError(
            UserErrorCode.RULE_VIOLATION,
            "党小组下不能再设党组织",
            "Nothing sits under a Party group",
            ["input", "parentId"],
            rule="organization.placement",
        )


async def create(conn: AsyncConnection, *, new: NewOrganization) -> dict:
    await community_or_refuse(conn, new.community_code, "communityCode")
    name = _check_name(new.name)
    units = _check_units(new.kind, new.units)
    await _check_parent(conn, new.kind, new.community_code, new.parent_id)
    row = (
        (
            await conn.execute(
                insert(party_organization)
                .values(
                    id=uuid.uuid4(),
                    community_code=new.community_code,
                    name=name,
                    kind=new.kind,
                    parent_id=new.parent_id,
                    units=units,
                )
                .returning(party_organization)
            )
        )
        .mappings()
        .one()
    )
    return dict(row)


async def rename(
    conn: AsyncConnection,
    *,
    organization_id: uuid.UUID,
    name: str | None,
    units: Sequence[str] | None,
    expected_version: int | None,
) -> dict:
    row = await organization_or_refuse(conn, organization_id, "id", lock=True)
    expect_version(row, expected_version)
    values: dict = {"version": row["version"] + 1}
    if name is not None:
        values["name"] = _check_name(name)
    if units is not None:
        values["units"] = _check_units(row["kind"], units)
    return await _update(conn, organization_id, values)


async def _update(conn: AsyncConnection, organization_id: uuid.UUID, values: dict) -> dict:
    row = (
        (
            await conn.execute(
                update(party_organization)
                .where(party_organization.c.id == organization_id)
                .values(**values)
                .returning(party_organization)
            )
        )
        .mappings()
        .one()
    )
    return dict(row)


async def _descendants(conn: AsyncConnection, organization_id: uuid.UUID) -> set[uuid.UUID]:
    tree = (
        select(party_organization.c.id)
        .where(party_organization.c.parent_id == organization_id)
        .cte(recursive=True)
    )
    tree = tree.union_all(
        select(party_organization.c.id).where(party_organization.c.parent_id == tree.c.id)
    )
    return set((await conn.execute(select(tree.c.id))).scalars())


async def move(
    conn: AsyncConnection,
    *,
    organization_id: uuid.UUID,
    new_parent_id: uuid.UUID,
    expected_version: int | None,
) -> dict:
    row = await organization_or_refuse(conn, organization_id, "id", lock=True)
    expect_version(row, expected_version)
    if new_parent_id == organization_id or new_parent_id in await _descendants(
        conn, organization_id
    ):
        raise DomainError(
            UserErrorCode.RULE_VIOLATION,
            "不能把党组织移到它自己或其下级组织之下",
            "An organization cannot move under itself or its own descendant",
            ["newParentId"],
            rule="organization.no_cycle",
        )
    await _check_parent(conn, row["kind"], row["community_code"], new_parent_id)
    return await _update(
        conn, organization_id, {"parent_id": new_parent_id, "version": row["version"] + 1}
    )


async def dissolve(
    conn: AsyncConnection,
    *,
    organization_id: uuid.UUID,
    expected_version: int | None,
    assignments_of: AssignmentsOf,
    when: dt.datetime | None = None,
) -> dict:
    """Dissolve, refusing while live children, members or grid assignments remain."""
    row = await organization_or_refuse(conn, organization_id, "id", lock=True)
    expect_version(row, expected_version)
    children = (
        (
            await conn.execute(
                select(party_organization.c.name).where(
                    party_organization.c.parent_id == organization_id,
                    party_organization.c.dissolved_at.is_(None),
                )
            )
        )
        .scalars()
        .all()
    )
    if children:
        raise _in_use("下级党组织", "child organizations", children)
    holding = (
        await conn.execute(
            select(func.count()).where(
                member.c.organization_id == organization_id, member.c.left_on.is_(None)
            )
        )
    ).scalar_one()
    if holding:
        raise DomainError(
            UserErrorCode.IN_USE,
            f"仍有 {holding} 名党员的组织关系在该组织，请先转接后再撤销",
            f"{holding} members still belong to it; transfer them before dissolving",
            ["id"],
        )
    assigned = (await assignments_of([organization_id])).get(organization_id)
    if assigned:
        # Grid still maps zones or buildings to it: reassign them first (issue: name them).
        raise _in_use("片区和楼栋", "zones and buildings", [*assigned.zones, *assigned.buildings])
    return await _update(
        conn,
        organization_id,
        {"dissolved_at": when or func.now(), "version": row["version"] + 1},
    )


def _in_use(what_zh: str, what_en: str, names: Sequence[str]) -> DomainError:
    shown = "、".join(names[:20]) + ("……" if len(names) > 20 else "")
    return DomainError(
        UserErrorCode.IN_USE,
        f"仍有{what_zh}：{shown}，请先调整后再撤销",
        f"Still has {what_en}: {', '.join(names[:20])}; reassign them before dissolving",
        ["id"],
    )
