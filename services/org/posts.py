"""明岗定责 and 分类管理 (plan 五): posts members claim, and helpers of members in need.

- in-service members: their job is their post (本职岗位);
- branch secretaries and group leaders: a grid-management post (网格化管理岗位);
- members without office (无职党员): at least one volunteer post (义务奉献岗位);
- mobile, elderly/frail and hardship members each have a helper or contact.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import DomainError, UserErrorCode, not_found
from services.org.lookups import (
    member_or_refuse,
    not_in_future,
    organization_or_refuse,
    same_community,
)
from services.org.models import POST_KINDS, SPECIAL_CATEGORIES, member_category, post


async def claim(
    conn: AsyncConnection,
    *,
    member_id: uuid.UUID,
    kind: str,
    title: str,
    claimed_on: dt.date,
    organization_id: uuid.UUID | None = None,
) -> dict:
    holder = await member_or_refuse(conn, member_id, "memberId")
    if kind not in POST_KINDS:
        raise DomainError(
            UserErrorCode.INVALID, f"未知的岗位类型：{kind}", f"Unknown post kind {kind}", ["kind"]
        )
    if not title.strip():
        raise DomainError(
            UserErrorCode.INVALID, "岗位名称不能为空", "The post title is empty", ["title"]
        )
    not_in_future(claimed_on, "claimedOn")
    if organization_id is not None:
        org = await organization_or_refuse(conn, organization_id, "organizationId")
        same_community(org, holder["community_code"], "organizationId", "党组织", "organization")
    row = (
        (
            await conn.execute(
                insert(post)
                .values(
                    id=uuid.uuid4(),
                    community_code=holder["community_code"],
                    member_id=member_id,
                    kind=kind,
                    title=title.strip(),
                    organization_id=organization_id,
                    claimed_on=claimed_on,
                )
                .returning(post)
            )
        )
        .mappings()
        .one()
    )
    return dict(row)


async def release(conn: AsyncConnection, *, post_id: uuid.UUID, released_on: dt.date) -> dict:
    row = (
        (
            await conn.execute(
                select(post)
                .where(post.c.id == post_id, post.c.released_on.is_(None))
                .with_for_update()
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise not_found("在岗岗位", "held post", post_id, "postId")
    not_in_future(released_on, "releasedOn")
    if released_on < row["claimed_on"]:
        raise DomainError(
            UserErrorCode.INVALID,
            "释放日期早于认领日期",
            "Released before it was claimed",
            ["releasedOn"],
        )
    updated = (
        (
            await conn.execute(
                update(post)
                .where(post.c.id == post_id)
                .values(released_on=released_on)
                .returning(post)
            )
        )
        .mappings()
        .one()
    )
    return dict(updated)


async def set_category(
    conn: AsyncConnection,
    *,
    member_id: uuid.UUID,
    category: str,
    helper_member_id: uuid.UUID | None,
    helper_contact: str | None,
    since: dt.date | None,
) -> dict:
    """Record a special category with its helper (a member of the community or a contact)."""
    subject = await member_or_refuse(conn, member_id, "memberId")
    if category not in SPECIAL_CATEGORIES:
        raise DomainError(
            UserErrorCode.INVALID,
            f"未知的类别：{category}",
            f"Unknown category {category}",
            ["category"],
        )
    not_in_future(since, "since")
    if helper_member_id is not None:
        if helper_member_id == member_id:
            raise DomainError(
                UserErrorCode.INVALID,
                "党员不能作为自己的帮扶人",
                "A member cannot help themself",
                ["helperMemberId"],
            )
        helper = await member_or_refuse(conn, helper_member_id, "helperMemberId")
        same_community(helper, subject["community_code"], "helperMemberId", "帮扶人", "helper")
    contact = (helper_contact or "").strip() or None
    values = pg_insert(member_category).values(
        id=uuid.uuid4(),
        community_code=subject["community_code"],
        member_id=member_id,
        category=category,
        helper_member_id=helper_member_id,
        helper_contact=contact,
        since=since,
    )
    statement = values.on_conflict_do_update(
        index_elements=[member_category.c.member_id, member_category.c.category],
        set_={"helper_member_id": helper_member_id, "helper_contact": contact, "since": since},
    ).returning(member_category)
    return dict((await conn.execute(statement)).mappings().one())


async def clear_category(conn: AsyncConnection, *, member_id: uuid.UUID, category: str) -> None:
    done = await conn.execute(
        delete(member_category).where(
            member_category.c.member_id == member_id, member_category.c.category == category
        )
    )
    if done.rowcount == 0:
        raise not_found("类别记录", "category record", f"{member_id}/{category}", "category")
