"""Registering members and keeping their records: details, reporting in, leaving.

plan (三): self-managed members belong to the community's own organization; non-self-managed
members hold their membership elsewhere (their employer) and report in (党员报到) where they
live; jointly managed members are non-self-managed members who reported and joined a
building group and the volunteer team.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import DomainError, UserErrorCode, not_found
from services.common.text import MAX_LINE, MAX_NAME, clean_text
from services.org.lookups import (
    community_or_refuse,
    expect_version,
    member_or_refuse,
    not_in_future,
    same_community,
)
from services.org.members import whole_years
from services.org.models import EDUCATION_LEVELS, MANAGEMENT_TYPES, member, party_organization

MIN_JOINING_AGE = 18  # 党章: 年满十八岁的中国工人、农民、军人、知识分子和其他社会阶层的先进分子
# No one joined before the Party was founded (1921-07-01); a birth year before 1900 is a typo
# (0001-01-01 is what an empty date picker sends), not a living member.
FOUNDED = dt.date(1921, 7, 1)
EARLIEST_BIRTH = dt.date(1900, 1, 1)
MAX_PHONE = 40

# Refuses a home building that grid does not know in the community (raises DomainError).
BuildingCheck = Callable[[uuid.UUID, str], Awaitable[None]]


@dataclass(frozen=True)
class MemberDetails:
    community_code: str
    name: str
    gender: str
    birth_date: dt.date
    education: str
    joined_on: dt.date
    is_probationary: bool
    management: str
    organization_id: uuid.UUID | None = None
    home_building_id: uuid.UUID | None = None
    employer_unit: str | None = None
    phone: str | None = None
    is_able: bool = True
    is_sent_down_cadre: bool = False


def _invalid(message: str, message_en: str, field: str) -> DomainError:
    return DomainError(UserErrorCode.INVALID, message, message_en, ["input", field])


def _not_before(value: dt.date, earliest: dt.date, field: str, zh: str, en: str) -> None:
    if value < earliest:
        raise _invalid(
            f"{zh}不能早于 {earliest}：{value}", f"The {en} {value} is before {earliest}", field
        )


def _left_after_joining(left_on: dt.date, joined_on: dt.date) -> None:
    if left_on < joined_on:
        raise _invalid(
            f"离开日期 {left_on} 早于入党日期 {joined_on}",
            f"Left on {left_on}, before joining on {joined_on}",
            "leftOn",
        )


def clean_details(d: MemberDetails) -> MemberDetails:
    """The details with their text under the one text rule (services/common/text.py)."""
    return replace(
        d,
        name=clean_text(d.name, ["input", "name"], MAX_NAME, required=True, what_zh="姓名"),
        employer_unit=clean_text(
            d.employer_unit, ["input", "employerUnit"], MAX_NAME, what_zh="所在单位"
        ),
        phone=clean_text(d.phone, ["input", "phone"], MAX_PHONE, what_zh="电话"),
    )


def check_details(d: MemberDetails, organization: dict | None) -> None:
    """Every rule a member's details obey, given the live organization `d.organization_id`
    names (None: none, or not found). Imports check thousands of rows with this, no query."""
    if d.gender not in ("M", "F"):
        raise _invalid("性别应为男（M）或女（F）", "Gender is M or F", "gender")
    if d.education not in EDUCATION_LEVELS:
        raise _invalid(
            f"学历不在列表中：{d.education}", f"Unknown education {d.education}", "education"
        )
    if d.management not in MANAGEMENT_TYPES:
        raise _invalid(
            f"管理方式不在列表中：{d.management}",
            f"Unknown management {d.management}",
            "management",
        )
    not_in_future(d.birth_date, "birthDate")
    not_in_future(d.joined_on, "joinedOn")
    _not_before(d.birth_date, EARLIEST_BIRTH, "birthDate", "出生日期", "birth date")
    _not_before(d.joined_on, FOUNDED, "joinedOn", "入党日期", "joining date")
    if whole_years(d.birth_date, d.joined_on) < MIN_JOINING_AGE:
        raise _invalid("入党时应年满十八岁", "Members join the Party at 18 or older", "joinedOn")
    if d.management == "self":
        if d.organization_id is None:
            raise _invalid(
                "自管党员须隶属本社区党组织",
                "A self-managed member belongs to an organization here",
                "organizationId",
            )
        if organization is None:
            raise not_found("党组织", "Party organization", d.organization_id, "organizationId")
        same_community(organization, d.community_code, "organizationId", "党组织", "organization")
    else:
        if d.organization_id is not None:
            raise _invalid(
                "非自管党员的组织关系在原单位，不属本社区党组织",
                "A non-self-managed member's membership is with their employer, not here",
                "organizationId",
            )
        if not (d.employer_unit or "").strip():
            raise _invalid(
                "非自管党员须填写所在单位",
                "A non-self-managed member needs an employer unit",
                "employerUnit",
            )


async def _validate(conn: AsyncConnection, d: MemberDetails) -> None:
    organization = None
    if d.management == "self" and d.organization_id is not None:
        query = select(party_organization).where(
            party_organization.c.id == d.organization_id,
            party_organization.c.dissolved_at.is_(None),
        )
        found = (await conn.execute(query)).mappings().first()
        organization = dict(found) if found else None
    check_details(d, organization)


async def register(
    conn: AsyncConnection, *, details: MemberDetails, check_building: BuildingCheck | None = None
) -> dict:
    """Register a member; `check_building(building_id, community_code)` refuses unknown homes."""
    await community_or_refuse(conn, details.community_code, "communityCode")
    details = clean_details(details)
    await _validate(conn, details)
    if details.home_building_id is not None and check_building is not None:
        await check_building(details.home_building_id, details.community_code)
    values = {
        "id": uuid.uuid4(),
        **asdict(details),
        "reporting_status": None if details.management == "self" else "pending",
        "reporting_unit": None if details.management == "self" else details.employer_unit,
    }
    row = (await conn.execute(insert(member).values(**values).returning(member))).mappings().one()
    return dict(row)


async def record_reporting_in(
    conn: AsyncConnection,
    *,
    member_id: uuid.UUID,
    reported_on: dt.date,
    unit: str,
    status: str = "reported",
) -> dict:
    """党员报到: a non-self-managed member reports in where they live."""
    row = await member_or_refuse(conn, member_id, "memberId", lock=True)
    if row["management"] == "self":
        raise DomainError(
            UserErrorCode.INVALID,
            "自管党员无需报到",
            "Self-managed members do not report in",
            ["memberId"],
        )
    not_in_future(reported_on, "reportedOn")
    if reported_on < row["joined_on"]:
        raise _invalid("报到日期早于入党日期", "Reported before joining the Party", "reportedOn")
    unit = clean_text(unit, ["input", "unit"], MAX_LINE, required=True, what_zh="报到来自的单位")
    if status not in ("pending", "reported", "left"):
        raise _invalid(f"报到状态不在列表中：{status}", f"Unknown status {status}", "status")
    values = {
        "reported_in_on": reported_on if status == "reported" else row["reported_in_on"],
        "reporting_unit": unit,
        "reporting_status": status,
        "version": row["version"] + 1,
    }
    return await _update(conn, member_id, values)


async def mark_left(conn: AsyncConnection, *, member_id: uuid.UUID, left_on: dt.date) -> dict:
    row = await member_or_refuse(conn, member_id, "memberId", lock=True)
    not_in_future(left_on, "leftOn")
    _left_after_joining(left_on, row["joined_on"])
    return await _update(conn, member_id, {"left_on": left_on, "version": row["version"] + 1})


async def change(
    conn: AsyncConnection,
    *,
    member_id: uuid.UUID,
    expected_version: int | None,
    changes: dict,
    check_building: BuildingCheck | None = None,
) -> dict:
    """Change details; the result must still pass every check a registration passes."""
    row = await member_or_refuse(conn, member_id, "id", lock=True)
    expect_version(row, expected_version)
    merged = {k: row[k] for k in MemberDetails.__dataclass_fields__} | changes
    if merged["management"] != "self":
        # Membership moves to the employer's organization: none of ours holds it any more.
        changes = changes | {"organization_id": None}
        merged["organization_id"] = None
    details = clean_details(MemberDetails(**merged))
    await _validate(conn, details)
    if row["left_on"] is not None:
        _left_after_joining(row["left_on"], details.joined_on)
    # Store the cleaned text of what changed.
    changes = changes | {
        k: getattr(details, k) for k in ("name", "employer_unit", "phone") if k in changes
    }
    if changes.get("home_building_id") is not None and check_building is not None:
        await check_building(changes["home_building_id"], details.community_code)
    values = dict(changes)
    if "management" in changes and changes["management"] != row["management"]:
        values["reporting_status"] = None if details.management == "self" else "pending"
    return await _update(conn, member_id, values | {"version": row["version"] + 1})


async def _update(conn: AsyncConnection, member_id: uuid.UUID, values: dict) -> dict:
    row = (
        (
            await conn.execute(
                update(member).where(member.c.id == member_id).values(**values).returning(member)
            )
        )
        .mappings()
        .one()
    )
    return dict(row)
