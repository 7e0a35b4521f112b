"""Party organizations and the members they hold (queries; rules come with their issue)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.org.models import member, party_organization

# plan (二): 社区党委、社区党总支、社区党支部 — the three kinds of community organization.
COMMUNITY_KINDS = ("community_committee", "general_branch", "branch")

_live = party_organization.c.dissolved_at.is_(None)


async def organizations_by_id(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[dict | None]:
    rows = (
        await conn.execute(select(party_organization).where(party_organization.c.id.in_(ids)))
    ).mappings()
    found = {row["id"]: dict(row) for row in rows}
    return [found.get(i) for i in ids]


async def community_organization_of(
    conn: AsyncConnection, community_codes: Sequence[str]
) -> list[dict | None]:
    """The one live community Party organization of each community."""
    rows = (
        await conn.execute(
            select(party_organization).where(
                party_organization.c.community_code.in_(community_codes),
                party_organization.c.kind.in_(COMMUNITY_KINDS),
                _live,
            )
        )
    ).mappings()
    found = {row["community_code"]: dict(row) for row in rows}
    return [found.get(code) for code in community_codes]


async def children_of(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[list[dict]]:
    rows = (
        await conn.execute(
            select(party_organization)
            .where(party_organization.c.parent_id.in_(ids), _live)
            .order_by(party_organization.c.kind, party_organization.c.name)
        )
    ).mappings()
    grouped: dict[uuid.UUID, list[dict]] = {i: [] for i in ids}
    for row in rows:
        grouped[row["parent_id"]].append(dict(row))
    return [grouped[i] for i in ids]


async def resident_member_counts(
    conn: AsyncConnection, building_ids: Sequence[uuid.UUID]
) -> list[int]:
    """How many Party members live in each building (all management types)."""
    rows = await conn.execute(
        select(member.c.home_building_id, func.count())
        .where(member.c.home_building_id.in_(building_ids), member.c.left_on.is_(None))
        .group_by(member.c.home_building_id)
    )
    counts = dict(rows.all())
    return [counts.get(i, 0) for i in building_ids]


def _no_residents() -> dict[str, int]:
    return {"total": 0, "self": 0, "non_self": 0, "joint": 0, "pending": 0}


async def _count_residents(
    conn: AsyncConnection, which: ColumnElement[bool]
) -> dict[uuid.UUID, dict[str, int]]:
    """One GROUP BY over the members who have not left and match `which`: per home building,
    the total, each management type (self, non_self, joint) and those not yet reported in
    (pending). Buildings with no such member are absent."""
    rows = await conn.execute(
        select(
            member.c.home_building_id,
            member.c.management,
            member.c.reporting_status,
            func.count(),
        )
        .where(which, member.c.home_building_id.is_not(None), member.c.left_on.is_(None))
        .group_by(member.c.home_building_id, member.c.management, member.c.reporting_status)
    )
    counts: dict[uuid.UUID, dict[str, int]] = {}
    for building, management, status, n in rows:
        entry = counts.setdefault(building, _no_residents())
        entry["total"] += n
        entry[management] += n
        if status == "pending":
            entry["pending"] += n
    return counts


async def resident_counts(conn: AsyncConnection, building_ids: Sequence[uuid.UUID]) -> list[dict]:
    """Members living in each building, by management type, and those not yet reported in."""
    counts = await _count_residents(conn, member.c.home_building_id.in_(building_ids))
    return [counts.get(b) or _no_residents() for b in building_ids]


async def resident_counts_of_communities(
    conn: AsyncConnection, community_codes: Sequence[str]
) -> dict[uuid.UUID, dict[str, int]]:
    """The same counts for every building of some communities that has a resident member, in
    one query (grid's coverage asks for whole communities at once; buildings absent here have
    none). A member's home is a building of the member's own community: registering or
    moving a member checks that with grid."""
    return await _count_residents(conn, member.c.community_code.in_(community_codes))
