"""Party members: who they are, where they live, how they are managed (plan 三、五)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.pagination import Page, fetch_page
from services.org.models import (
    committee_membership,
    member,
    member_category,
    member_office,
    post,
)


def whole_years(start: dt.date, end: dt.date) -> int:
    """Completed years from `start` to `end` (birthdays and Party anniversaries)."""
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


async def members_by_id(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[dict | None]:
    rows = (await conn.execute(select(member).where(member.c.id.in_(ids)))).mappings()
    found = {row["id"]: dict(row) for row in rows}
    return [found.get(i) for i in ids]


async def _by_member(
    conn: AsyncConnection, query: Select, ids: Sequence[uuid.UUID]
) -> list[list[dict]]:
    grouped: dict[uuid.UUID, list[dict]] = {i: [] for i in ids}
    for row in (await conn.execute(query)).mappings():
        grouped[row["member_id"]].append(dict(row))
    return [grouped[i] for i in ids]


async def posts_of(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[list[dict]]:
    """Posts currently held (released ones are history)."""
    query = (
        select(post)
        .where(post.c.member_id.in_(ids), post.c.released_on.is_(None))
        .order_by(post.c.claimed_on, post.c.id)
    )
    return await _by_member(conn, query, ids)


async def categories_of(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[list[dict]]:
    query = (
        select(member_category)
        .where(member_category.c.member_id.in_(ids))
        .order_by(member_category.c.category)
    )
    return await _by_member(conn, query, ids)


async def seats_of(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[list[dict]]:
    """Committee seats currently held."""
    query = (
        select(committee_membership)
        .where(committee_membership.c.member_id.in_(ids), committee_membership.c.ended_on.is_(None))
        .order_by(committee_membership.c.role)
    )
    return await _by_member(conn, query, ids)


async def offices_of(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[list[dict]]:
    query = (
        select(member_office)
        .where(member_office.c.member_id.in_(ids))
        .order_by(member_office.c.office)
    )
    return await _by_member(conn, query, ids)


async def seats_of_organizations(
    conn: AsyncConnection, ids: Sequence[uuid.UUID]
) -> list[list[dict]]:
    """The current committee of each organization, secretary first."""
    order = {"secretary": 0, "fulltime_deputy": 1, "parttime_deputy": 2, "member": 3}
    rows = (
        await conn.execute(
            select(committee_membership).where(
                committee_membership.c.organization_id.in_(ids),
                committee_membership.c.ended_on.is_(None),
            )
        )
    ).mappings()
    grouped: dict[uuid.UUID, list[dict]] = {i: [] for i in ids}
    for row in rows:
        grouped[row["organization_id"]].append(dict(row))
    for seats in grouped.values():
        seats.sort(key=lambda s: (order.get(s["role"], 9), str(s["member_id"])))
    return [grouped[i] for i in ids]


@dataclass(frozen=True)
class MemberFilter:
    """Which members to list; every given condition must hold."""

    community_codes: Sequence[str] | None = None  # None: no limit by community
    organization_id: uuid.UUID | None = None
    building_id: uuid.UUID | None = None
    category: str | None = None
    management: str | None = None
    reporting: str | None = None  # a reporting-in status (non-self-managed members only)
    name_contains: str | None = None
    include_left: bool = False


def _filtered(f: MemberFilter) -> Select:
    query = select(member)
    if f.community_codes is not None:
        query = query.where(member.c.community_code.in_(f.community_codes))
    if f.organization_id is not None:
        query = query.where(member.c.organization_id == f.organization_id)
    if f.building_id is not None:
        query = query.where(member.c.home_building_id == f.building_id)
    if f.management is not None:
        query = query.where(member.c.management == f.management)
    if f.reporting is not None:
        query = query.where(member.c.reporting_status == f.reporting)
    if f.category is not None:
        query = query.where(
            exists().where(
                member_category.c.member_id == member.c.id, member_category.c.category == f.category
            )
        )
    if f.name_contains:
        query = query.where(member.c.name.contains(f.name_contains, autoescape=True))
    if not f.include_left:
        query = query.where(member.c.left_on.is_(None))
    return query


async def list_members(
    conn: AsyncConnection, f: MemberFilter, *, first: int | None, after: str | None
) -> Page:
    """Members matching the filter, ordered by community, name and id (stable for paging)."""
    return await fetch_page(
        conn,
        _filtered(f),
        keys=[member.c.community_code, member.c.name, member.c.id],
        first=first,
        after=after,
    )


@dataclass(frozen=True)
class PostHolding:
    """An organization's able members (有活动能力, not left) and how many hold a post."""

    organization_id: uuid.UUID
    able: int
    with_posts: int


async def post_holdings(conn: AsyncConnection, community_codes: Sequence[str]) -> list[PostHolding]:
    """Per organization, the able members living in these communities and those holding a
    current post, counted in one query (star ratings' 明岗定责 share, without member pages)."""
    held = exists().where(post.c.member_id == member.c.id, post.c.released_on.is_(None))
    query = (
        select(
            member.c.organization_id,
            func.count().label("able"),
            func.count().filter(held).label("with_posts"),
        )
        .where(
            member.c.community_code.in_(community_codes),
            member.c.left_on.is_(None),
            member.c.is_able,
            member.c.organization_id.is_not(None),
        )
        .group_by(member.c.organization_id)
        .order_by(member.c.organization_id)
    )
    rows = (await conn.execute(query)).mappings()
    return [PostHolding(r["organization_id"], r["able"], r["with_posts"]) for r in rows]
