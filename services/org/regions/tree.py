"""The region tree: district -> street office or township -> community (区划代码 keyed)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import is_region_code
from services.common.errors import DomainError, UserErrorCode, invalid, not_found
from services.common.text import MAX_NAME, clean_text
from services.org.models import region


async def regions_by_code(conn: AsyncConnection, codes: Sequence[str]) -> list[dict | None]:
    rows = (await conn.execute(select(region).where(region.c.code.in_(codes)))).mappings()
    found = {row["code"]: dict(row) for row in rows}
    return [found.get(code) for code in codes]


async def children_of(conn: AsyncConnection, codes: Sequence[str]) -> list[list[dict]]:
    """Each region's children still in use (not retired), ordered by code."""
    query = select(region).where(region.c.parent_code.in_(codes), region.c.retired_at.is_(None))
    rows = (await conn.execute(query.order_by(region.c.code))).mappings()
    grouped: dict[str, list[dict]] = {code: [] for code in codes}
    for row in rows:
        grouped[row["parent_code"]].append(dict(row))
    return [grouped[code] for code in codes]


async def list_regions(
    conn: AsyncConnection,
    *,
    level: str | None = None,
    parent_code: str | None = None,
    include_retired: bool = False,
) -> list[dict]:
    query = select(region).order_by(region.c.code)
    if not include_retired:
        query = query.where(region.c.retired_at.is_(None))
    if level is not None:
        query = query.where(region.c.level == level)
    if parent_code is not None:
        query = query.where(region.c.parent_code == parent_code)
    return [dict(row) for row in (await conn.execute(query)).mappings()]


def prefixes(codes: Sequence[str]) -> list[str]:
    """LIKE patterns (`:prefixes`) for the communities at or below these regions; a code that is not 6, 9 or 12
    digits is refused (so no code carries a LIKE wildcard)."""
    bad = [code for code in codes if not is_region_code(code)]
    if bad:
        raise ValueError(
            f"regionCodes {bad!r}: expected 6 (district), 9 (street) or 12 (community) digits"
        )
    return [f"{code}%" for code in codes]


async def communities_under(
    conn: AsyncConnection, code: str, *, include_retired: bool = True
) -> list[dict]:
    """Every community at or below a region, ordered by code (codes nest by prefix); the
    retired ones too unless told (their data stays readable under the region)."""
    query = (
        select(region)
        .where(region.c.level == "community", region.c.code.startswith(code, autoescape=True))
        .order_by(region.c.code)
    )
    if not include_retired:
        query = query.where(region.c.retired_at.is_(None))
    return [dict(row) for row in (await conn.execute(query)).mappings()]


# --- Writing the tree -------------------------------------------------------------------------
# Digits 7-9 and 10-12 of a 统计用区划代码 carry the unit's class (REAL_DATA.md): 001-099 街道,
# 100-199 镇, 200-399 乡, 400-599 similar units; 001-599 at village level. 000 and 600-999
# name no unit.
_CLASS_RANGE = range(1, 600)


def level_of(code: str) -> str | None:
    """The tree level a well-formed code names, or None when its digits are no valid code."""
    if not is_region_code(code):
        return None
    if len(code) == 6:
        return "district" if code[4:] != "00" else None  # xx xx 00 is a prefecture, not a district
    if int(code[6:9]) not in _CLASS_RANGE:
        return None
    if len(code) == 9:
        return "street" if int(code[6:9]) < 100 else "township"
    return "community" if int(code[9:]) in _CLASS_RANGE else None


def code_problem(code: str, parent_code: str | None, field: str = "code") -> DomainError | None:
    """Why `code` cannot be a place under `parent_code` (None: it can). The parent of a
    district is none; every other place nests by prefix under the level just above."""
    level = level_of(code)
    if level is None:
        return invalid(
            f"区划代码无效：{code}（应为6位区县、9位乡镇街道或12位村居代码，类别位001–599）",
            f"Invalid region code {code!r}: expected 6 (district), 9 (street office or "
            "township) or 12 (community) digits, class digits 001-599",
            field,
        )
    expected = code[: len(code) - 3] if level != "district" else None
    if (parent_code or None) != expected:
        want_zh = f"上级代码应为{expected}" if expected else "区县没有上级代码"
        want_en = f"its parent code must be {expected}" if expected else "a district has no parent"
        return invalid(
            f"{code}不在上级{parent_code or '（空）'}之下：{want_zh}",
            f"{code} does not nest under {parent_code or '(none)'}: {want_en}",
            "parentCode",
        )
    return None


def clean_name(name: str | None, field: str = "name") -> str:
    # str.strip() also trims full-width spaces (U+3000), common in pasted Excel names.
    return clean_text(name, field, MAX_NAME, required=True, what_zh="名称")


async def region_or_refuse(conn: AsyncConnection, code: str, field: str = "code") -> dict:
    row = (
        (await conn.execute(select(region).where(region.c.code == code).with_for_update()))
        .mappings()
        .first()
    )
    if row is None:
        raise not_found("区划", "region", code, field)
    return dict(row)


def retired_refusal(code: str, field: str) -> DomainError:
    return DomainError(
        UserErrorCode.RULE_VIOLATION,
        f"区划{code}已撤销，不再接收新数据",
        f"Region {code} is retired and takes no new data",
        [field],
        rule="region_retired",
    )


async def create_region(
    conn: AsyncConnection, *, code: str, name: str, parent_code: str | None
) -> dict:
    """A new place under an existing, active parent (a district: parent None)."""
    problem = code_problem(code, parent_code)
    if problem:
        raise problem
    name = clean_name(name)
    if parent_code is not None:
        parent = await region_or_refuse(conn, parent_code, "parentCode")
        if parent["retired_at"] is not None:
            raise retired_refusal(parent_code, "parentCode")
    exists = await conn.scalar(select(region.c.code).where(region.c.code == code))
    if exists:
        raise DomainError(
            UserErrorCode.CONFLICT, f"区划代码已存在：{code}", f"Region {code} exists", ["code"]
        )
    values = {
        "code": code,
        "name": name,
        "name_en": name,  # no English name in a 区划 list; the Chinese one stands in
        "level": level_of(code),
        "parent_code": parent_code,
    }
    row = (await conn.execute(insert(region).values(values).returning(region))).mappings().one()
    return dict(row)


async def rename_region(conn: AsyncConnection, *, code: str, name: str) -> dict:
    await region_or_refuse(conn, code)
    query = update(region).where(region.c.code == code).values(name=clean_name(name))
    row = (await conn.execute(query.returning(region))).mappings().one()
    return dict(row)


async def retire_region(conn: AsyncConnection, *, code: str) -> dict:
    """Retire a place: kept with everything attached, listed only when asked, refusing new
    data. Its active children are retired first (a merged street's communities move or go)."""
    row = await region_or_refuse(conn, code)
    if row["retired_at"] is not None:
        return row
    active_children = await conn.scalar(
        select(func.count())
        .select_from(region)
        .where(region.c.parent_code == code, region.c.retired_at.is_(None))
    )
    if active_children:
        raise DomainError(
            UserErrorCode.IN_USE,
            f"区划{code}下还有{active_children}个未撤销的下级区划，请先撤销或调整它们",
            f"Region {code} still has {active_children} active child regions; retire them first",
            ["code"],
            rule="region_has_children",
        )
    query = update(region).where(region.c.code == code).values(retired_at=func.now())
    return dict((await conn.execute(query.returning(region))).mappings().one())


# Asked of grid before a community is deleted: whether it holds anything of it (a boundary,
# zones, buildings).
GridDataOf = Callable[[str], Awaitable[bool]]


def _in_use(code: str, what_zh: str, what_en: str) -> DomainError:
    return DomainError(
        UserErrorCode.IN_USE,
        f"区划{code}已有{what_zh}，不能删除；请改为撤销",
        f"Region {code} has {what_en} attached: it cannot be deleted; retire it instead",
        ["code"],
        rule="region_has_data",
    )


async def delete_region(conn: AsyncConnection, *, code: str, grid_data_of: GridDataOf) -> dict:
    """Delete a place entered by mistake: only when nothing hangs from it (no child places,
    no org rows — the database's foreign keys say — and no boundary, zones or buildings in
    grid)."""
    row = await region_or_refuse(conn, code)
    if await conn.scalar(select(func.count()).where(region.c.parent_code == code)):
        raise _in_use(code, "下级区划", "child regions")
    if row["level"] == "community" and await grid_data_of(code):
        raise _in_use(code, "社区边界、片区或楼栋", "a boundary, zones or buildings")
    try:
        async with conn.begin_nested():
            await conn.execute(delete(region).where(region.c.code == code))
    except IntegrityError:
        raise _in_use(code, "组织、党员等数据", "organizations, members or other data") from None
    return row
