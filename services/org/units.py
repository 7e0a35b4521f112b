"""The regional pattern (区域化格局, plan 三): resident units, the big committee, volunteer teams.

plan (三): 把驻社区单位党组织负责人或党员负责人、社区居民中有影响力的非自管党员，吸纳为社区党委
（总支、支部）委员会兼职委员，组成社区"大党委"……社区党组织与驻社区党组织签订协议……联合组建社区
党员志愿者服务队.

- Resident units (驻社区单位) are kept per community, and may sign a co-building agreement.
- Part-time members (兼职委员) sit on the community organization's committee with the role
  `parttime_member`; they do not count towards its 5-7 / 3-5 seats (see `committees`).
- Volunteer teams gather self-managed, non-self-managed and jointly managed members; a team
  with all three kinds is the plan's joint team.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Executable, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import DomainError, UserErrorCode, not_found
from services.common.text import MAX_NOTE, clean_text
from services.org.lookups import (
    COMMUNITY_KINDS,
    community_or_refuse,
    member_or_refuse,
    not_in_future,
    organization_or_refuse,
    same_community,
)
from services.org.models import (
    committee_membership,
    member,
    resident_unit,
    volunteer_team,
    volunteer_team_member,
)

PARTTIME = "parttime_member"

CONSTRAINT_ERRORS = {
    "committee_one_seat_per_member": DomainError(
        UserErrorCode.CONFLICT,
        "该党员已在本委员会任职，一人不能兼任两个职务",
        "This member already holds a seat on this committee",
        ["memberId"],
        rule="committee.one_seat",
    ),
    "volunteer_team_member_pkey": DomainError(
        UserErrorCode.CONFLICT,
        "该党员已是本服务队队员",
        "This member is already in the team",
        ["memberId"],
    ),
}


async def _one(conn: AsyncConnection, statement: Executable) -> dict[str, Any]:
    return dict((await conn.execute(statement)).mappings().one())


def _text(value: str, field: list[str], what_zh: str, what_en: str) -> str:
    """A required name or summary under the one text rule (services/common/text.py)."""
    return clean_text(value, field, MAX_NOTE, required=True, what_zh=what_zh)


async def _name_free(
    conn: AsyncConnection,
    table: Any,
    community_code: str,
    name: str,
    field: list[str],
    *,
    except_id: uuid.UUID | None = None,
) -> None:
    """Refuse a second unit (or team) of one name in a community: feedback finds units by name.

    An advisory lock on (table, community, name) makes two concurrent registrations queue."""
    key = f"{table.name}:{community_code}:{name}"
    await conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))
    query = select(table.c.id).where(table.c.community_code == community_code, table.c.name == name)
    if except_id is not None:
        query = query.where(table.c.id != except_id)
    if (await conn.execute(query)).first() is not None:
        raise DomainError(
            UserErrorCode.CONFLICT,
            f"本社区已有同名记录：{name}",
            f"Community {community_code} already has one named {name}",
            field,
        )


async def _locked(
    conn: AsyncConnection, table: Any, row_id: uuid.UUID, field: str, what: tuple[str, str]
) -> dict[str, Any]:
    """A resident unit or team by id, locked until the transaction ends; unknown is refused."""
    query = select(table).where(table.c.id == row_id).with_for_update()
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        raise not_found(*what, row_id, field)
    return dict(row)


UNIT = ("驻社区单位", "resident unit")
TEAM = ("志愿者服务队", "volunteer team")


# --- resident units (驻社区单位) -------------------------------------------------------------


async def list_resident_units(conn: AsyncConnection, *, community_code: str) -> list[dict]:
    """A community's resident units, by name."""
    query = (
        select(resident_unit)
        .where(resident_unit.c.community_code == community_code)
        .order_by(resident_unit.c.name, resident_unit.c.id)
    )
    return [dict(row) for row in (await conn.execute(query)).mappings()]


async def register_unit(
    conn: AsyncConnection,
    *,
    community_code: str,
    name: str,
    address: str = "",
    party_organization_name: str | None = None,
) -> dict[str, Any]:
    """Register a unit located in the community (驻社区单位) and its own Party organization."""
    await community_or_refuse(conn, community_code, "communityCode")
    name = _text(name, ["input", "name"], "单位名称", "unit name")
    await _name_free(conn, resident_unit, community_code, name, ["input", "name"])
    values = {
        "id": uuid.uuid4(),
        "community_code": community_code,
        "name": name,
        "address": address.strip(),
        "party_organization_name": (party_organization_name or "").strip() or None,
    }
    return await _one(conn, insert(resident_unit).values(**values).returning(resident_unit))


async def update_unit(
    conn: AsyncConnection,
    *,
    unit_id: uuid.UUID,
    name: str | None = None,
    address: str | None = None,
    party_organization_name: str | None = None,
) -> dict[str, Any]:
    """Change a unit's name, address or Party organization; omitted values stay."""
    row = await _locked(conn, resident_unit, unit_id, "id", UNIT)
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = _text(name, ["input", "name"], "单位名称", "unit name")
        await _name_free(
            conn,
            resident_unit,
            row["community_code"],
            values["name"],
            ["input", "name"],
            except_id=unit_id,
        )
    if address is not None:
        values["address"] = address.strip()
    if party_organization_name is not None:
        values["party_organization_name"] = party_organization_name.strip() or None
    if not values:
        return row
    return await _one(
        conn,
        update(resident_unit)
        .where(resident_unit.c.id == unit_id)
        .values(**values)
        .returning(resident_unit),
    )


async def sign_agreement(
    conn: AsyncConnection, *, unit_id: uuid.UUID, signed_on: dt.date, summary: str
) -> dict[str, Any]:
    """plan (三): 社区党组织与驻社区党组织签订协议 — record (or renew) the co-building agreement."""
    await _locked(conn, resident_unit, unit_id, "id", UNIT)
    not_in_future(signed_on, "signedOn")
    summary = _text(summary, ["summary"], "协议内容摘要", "agreement summary")
    return await _one(
        conn,
        update(resident_unit)
        .where(resident_unit.c.id == unit_id)
        .values(agreement_signed_on=signed_on, agreement_summary=summary)
        .returning(resident_unit),
    )


# --- part-time members of the big committee (大党委兼职委员) -----------------------------------


async def add_parttime_member(
    conn: AsyncConnection,
    *,
    organization_id: uuid.UUID,
    member_id: uuid.UUID,
    resident_unit_id: uuid.UUID | None,
    term_start: dt.date,
) -> dict[str, Any]:
    """Seat a part-time member (兼职委员) on the community organization's committee.

    plan (三): the Party head of a resident unit (give its unit), or an influential
    non-self-managed resident member."""
    org = await organization_or_refuse(conn, organization_id, "organizationId", lock=True)
    if org["kind"] not in COMMUNITY_KINDS:
        raise DomainError(
            UserErrorCode.RULE_VIOLATION,
            "兼职委员只能进入社区党委（总支、支部）委员会",
            "Part-time members sit only on the community committee, general branch or branch",
            ["organizationId"],
            rule="big_committee.community_organization",
        )
    person = await member_or_refuse(conn, member_id, "memberId")
    same_community(person, org["community_code"], "memberId", "党员", "member")
    if resident_unit_id is not None:
        unit = await _locked(conn, resident_unit, resident_unit_id, "residentUnitId", UNIT)
        same_community(unit, org["community_code"], "residentUnitId", "驻社区单位", "resident unit")
    elif person["management"] == "self":
        raise DomainError(
            UserErrorCode.RULE_VIOLATION,
            "兼职委员应为驻社区单位党组织负责人或非自管党员；自管党员请填写所在驻社区单位",
            "A part-time member heads a resident unit's Party organization or is a "
            "non-self-managed member; name the unit for a self-managed member",
            ["residentUnitId"],
            rule="big_committee.source",
        )
    not_in_future(term_start, "termStart")
    values = {
        "id": uuid.uuid4(),
        "community_code": org["community_code"],
        "organization_id": organization_id,
        "member_id": member_id,
        "role": PARTTIME,
        "term_start": term_start,
        "resident_unit_id": resident_unit_id,
    }
    return await _one(
        conn, insert(committee_membership).values(**values).returning(committee_membership)
    )


async def end_parttime_member(
    conn: AsyncConnection, *, seat_id: uuid.UUID, ended_on: dt.date
) -> dict[str, Any]:
    """End a part-time member's seat; it stays as history with its end date."""
    query = (
        select(committee_membership)
        .where(
            committee_membership.c.id == seat_id,
            committee_membership.c.role == PARTTIME,
            committee_membership.c.ended_on.is_(None),
        )
        .with_for_update()
    )
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        raise not_found("在任兼职委员", "current part-time seat", seat_id, "seatId")
    not_in_future(ended_on, "endedOn")
    if row["term_start"] and ended_on < row["term_start"]:
        raise DomainError(
            UserErrorCode.INVALID,
            "离任日期早于任期开始",
            "Ended before the term began",
            ["endedOn"],
        )
    return await _one(
        conn,
        update(committee_membership)
        .where(committee_membership.c.id == seat_id)
        .values(ended_on=ended_on)
        .returning(committee_membership),
    )


async def parttime_seats_of_units(
    conn: AsyncConnection, unit_ids: Sequence[uuid.UUID]
) -> list[list[dict]]:
    """Current part-time seats held from each resident unit."""
    rows = (
        await conn.execute(
            select(committee_membership)
            .where(
                committee_membership.c.resident_unit_id.in_(unit_ids),
                committee_membership.c.role == PARTTIME,
                committee_membership.c.ended_on.is_(None),
            )
            .order_by(committee_membership.c.term_start, committee_membership.c.id)
        )
    ).mappings()
    grouped: dict[uuid.UUID, list[dict]] = {i: [] for i in unit_ids}
    for row in rows:
        grouped[row["resident_unit_id"]].append(dict(row))
    return [grouped[i] for i in unit_ids]


# --- volunteer teams (党员志愿者服务队) --------------------------------------------------------


async def list_teams(conn: AsyncConnection, *, community_code: str) -> list[dict]:
    query = (
        select(volunteer_team)
        .where(volunteer_team.c.community_code == community_code)
        .order_by(volunteer_team.c.name, volunteer_team.c.id)
    )
    return [dict(row) for row in (await conn.execute(query)).mappings()]


async def create_team(
    conn: AsyncConnection,
    *,
    community_code: str,
    name: str,
    organization_id: uuid.UUID | None = None,
    founded_on: dt.date | None = None,
) -> dict[str, Any]:
    """Found a volunteer team, optionally led by one of the community's organizations."""
    await community_or_refuse(conn, community_code, "communityCode")
    name = _text(name, ["name"], "服务队名称", "team name")
    if organization_id is not None:
        org = await organization_or_refuse(conn, organization_id, "organizationId")
        same_community(org, community_code, "organizationId", "党组织", "organization")
    not_in_future(founded_on, "foundedOn")
    await _name_free(conn, volunteer_team, community_code, name, ["name"])
    values = {
        "id": uuid.uuid4(),
        "community_code": community_code,
        "name": name,
        "organization_id": organization_id,
        "founded_on": founded_on,
    }
    return await _one(conn, insert(volunteer_team).values(**values).returning(volunteer_team))


async def add_volunteer(
    conn: AsyncConnection,
    *,
    team_id: uuid.UUID,
    member_id: uuid.UUID,
    joined_on: dt.date | None = None,
) -> dict[str, Any]:
    """Add a member living in the team's community (any management type); returns the team."""
    team = await _locked(conn, volunteer_team, team_id, "teamId", TEAM)
    person = await member_or_refuse(conn, member_id, "memberId")
    same_community(person, team["community_code"], "memberId", "党员", "member")
    not_in_future(joined_on, "joinedOn")
    await conn.execute(
        insert(volunteer_team_member).values(
            team_id=team_id,
            member_id=member_id,
            community_code=team["community_code"],
            joined_on=joined_on,
        )
    )
    return team


async def remove_volunteer(
    conn: AsyncConnection, *, team_id: uuid.UUID, member_id: uuid.UUID
) -> dict[str, Any]:
    """Take a member off a team; returns the team."""
    team = await _locked(conn, volunteer_team, team_id, "teamId", TEAM)
    removed = await conn.execute(
        delete(volunteer_team_member).where(
            volunteer_team_member.c.team_id == team_id,
            volunteer_team_member.c.member_id == member_id,
        )
    )
    if removed.rowcount == 0:
        raise not_found("服务队队员", "team member", member_id, "memberId")
    return team


def team_members_query(team_id: uuid.UUID) -> Any:
    """Members (who have not left) of one team, for paging by name."""
    return (
        select(member)
        .join(volunteer_team_member, volunteer_team_member.c.member_id == member.c.id)
        .where(volunteer_team_member.c.team_id == team_id, member.c.left_on.is_(None))
    )


async def management_mix(
    conn: AsyncConnection, team_ids: Sequence[uuid.UUID]
) -> list[dict[str, int]]:
    """How many self-, non-self- and jointly managed members each team has (plan 三: 联合组建)."""
    rows = await conn.execute(
        select(volunteer_team_member.c.team_id, member.c.management, func.count())
        .join(member, member.c.id == volunteer_team_member.c.member_id)
        .where(volunteer_team_member.c.team_id.in_(team_ids), member.c.left_on.is_(None))
        .group_by(volunteer_team_member.c.team_id, member.c.management)
    )
    mix = {t: {"self": 0, "non_self": 0, "joint": 0} for t in team_ids}
    for team, management, n in rows:
        mix[team][management] = n
    return [mix[t] for t in team_ids]
