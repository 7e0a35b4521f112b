"""Lookups shared by org's writes: each returns the row or refuses with a typed error."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import DomainError, UserErrorCode, not_found
from services.org.models import member, party_organization, region
from services.org.regions.tree import retired_refusal

# plan (二): the one community organization is of one of three kinds.
COMMUNITY_KINDS = ("community_committee", "general_branch", "branch")


def parse_id(value: str, field: str) -> uuid.UUID:
    """An id from the client; a malformed one names nothing."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise not_found("对象", "object", value, field) from None


def not_in_future(value: dt.date | None, field: str, *, today: dt.date | None = None) -> None:
    if value is not None and value > (today or dt.date.today()):
        raise DomainError(
            UserErrorCode.INVALID,
            f"日期不能晚于今天：{value}",
            f"The date {value} is in the future",
            [field],
        )


async def community_or_refuse(conn: AsyncConnection, code: str, field: str) -> dict:
    row = (
        (
            await conn.execute(
                select(region).where(region.c.code == code, region.c.level == "community")
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise not_found("社区", "community", code, field)
    if row["retired_at"] is not None:  # merged or split away: keeps its data, takes no more
        raise retired_refusal(code, field)
    return dict(row)


async def organization_or_refuse(
    conn: AsyncConnection, organization_id: uuid.UUID, field: str, *, lock: bool = False
) -> dict:
    """A live organization; `lock` holds its row until the transaction ends (serialises
    writes that count its committee or children)."""
    query = select(party_organization).where(
        party_organization.c.id == organization_id, party_organization.c.dissolved_at.is_(None)
    )
    if lock:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        raise not_found("党组织", "Party organization", organization_id, field)
    return dict(row)


async def member_or_refuse(
    conn: AsyncConnection, member_id: uuid.UUID, field: str, *, lock: bool = False
) -> dict:
    """A member who has not left."""
    query = select(member).where(member.c.id == member_id, member.c.left_on.is_(None))
    if lock:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        raise not_found("党员", "member", member_id, field)
    return dict(row)


def same_community(row: dict, community_code: str, field: str, what_zh: str, what_en: str) -> None:
    if row["community_code"] != community_code:
        raise DomainError(
            UserErrorCode.INVALID,
            f"{what_zh}不属于社区 {community_code}",
            f"The {what_en} does not belong to community {community_code}",
            [field],
        )


def expect_version(row: dict, expected: int | None, field: str = "expectedVersion") -> None:
    """Optimistic concurrency: an edit made against an old version is refused."""
    if expected is not None and row["version"] != expected:
        raise DomainError(
            UserErrorCode.STALE,
            f"数据已被他人修改（当前版本 {row['version']}），请刷新后重试",
            f"Changed by someone else (current version {row['version']}); reload and retry",
            [field],
        )
