"""Who owns the documents a district edits (the grading standard, the commendation criteria),
and which version is current where.

Each district (6-digit region code) loads its own versions and chooses its own current one;
the shipped default (and whatever was loaded before documents had owners) is shared, owner
NULL, and its current version applies to every district that has chosen none of its own. A
district sees the shared versions and its own, never another district's: a foreign id reads
as unknown. Every read of "the current version" and every choice of one goes through here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, ColumnElement, Select, Table, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import ForbiddenError, Identity, Role, require_role
from services.common.errors import DomainError, UserErrorCode


def district_of(code: str) -> str:
    """The district of a region or community code (its first six digits)."""
    return code[:6]


def district_of_caller(identity: Identity) -> str | None:
    """The caller's district; None (the shared versions only) for a caller above districts."""
    return district_of(identity.region) if len(identity.region) >= 6 else None


def writer_district(identity: Identity, what: tuple[str, str]) -> str:
    """The district whose documents the caller may load and choose: a district user's own
    (DOMAIN: the district organization department sets the standard), nobody else's."""
    what_zh, what_en = what  # what the caller does, zh and en
    require_role(identity, frozenset({Role.DISTRICT}), what_zh=what_zh, what_en=what_en)
    if len(identity.region) != 6:
        raise ForbiddenError(
            "scope",
            "只有区级用户可以管理本区的文档",
            "Only a district's own users manage its documents",
        )
    return identity.region


def document_id(district: str | None, key: str) -> str:
    """A version's id: `<code>@<version>` when shared, `<district>/<code>@<version>` when a
    district's own (two districts may number their versions alike)."""
    return key if district is None else f"{district}/{key}"


def sees_id(district: str | None, row_id: str) -> bool:
    """Whether `district` may see the version of that id (shared, or its own)."""
    owner, slash, _ = row_id.partition("/")
    return not slash or owner == district


def not_followed(what_zh: str, what_en: str, row_id: str) -> DomainError:
    """A shared version other than the shared current one, chosen by a district."""
    return DomainError(
        UserErrorCode.RULE_VIOLATION,
        f"{what_zh}{row_id}是共享的旧版本：区只能选用本区载入的版本或现行默认版本",
        f"The {what_en} {row_id} is an old shared version: a district chooses one of its own "
        "versions or the current default",
        ["id"],
    )


def visible(table: Table, district: str | None) -> ColumnElement[bool]:
    """Versions `district` may read and grade with: the shared ones and its own."""
    shared = table.c.district_code.is_(None)
    return shared if district is None else or_(shared, table.c.district_code == district)


def current_query(table: Table, flag: Column, district: str | None) -> Select:
    """The current version for `district`: its own current one, else the shared one."""
    return (
        select(table)
        .where(flag, visible(table, district))
        .order_by(table.c.district_code.is_(None))  # the district's own first
        .limit(1)
    )


async def current(
    conn: AsyncConnection, table: Table, flag: Column, district: str | None
) -> dict | None:
    row = (await conn.execute(current_query(table, flag, district))).mappings().first()
    return dict(row) if row else None


async def find(
    conn: AsyncConnection, table: Table, row_id: str, district: str | None
) -> dict | None:
    """A version by id if `district` may see it; None otherwise (foreign reads as unknown)."""
    query = select(table).where(table.c.id == row_id, visible(table, district))
    row = (await conn.execute(query)).mappings().first()
    return dict(row) if row else None


async def clear_current(conn: AsyncConnection, table: Table, flag: Column, district: str) -> None:
    """`district` has no current version of its own any more (before it chooses another)."""
    await conn.execute(
        update(table).values({flag.name: False}).where(flag, table.c.district_code == district)
    )


async def choose(
    conn: AsyncConnection, table: Table, flag: Column, row_id: str, district: str
) -> dict[str, Any] | None:
    """Make a version current for `district`; None when `district` does not see it.

    Its own version becomes its current one. Choosing a shared version means following the
    shared default: allowed for the shared current version only (a district cannot change
    what other districts use), refused otherwise by the caller (returned with `flag` false).
    """
    row = await find(conn, table, row_id, district)
    if row is None:
        return None
    if row["district_code"] is None and not row[flag.name]:
        return row
    await clear_current(conn, table, flag, district)
    if row["district_code"] == district:
        await conn.execute(update(table).values({flag.name: True}).where(table.c.id == row_id))
        row[flag.name] = True
    return row
