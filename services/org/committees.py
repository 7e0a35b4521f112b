"""Committee seats (委员会): adding and removing members, refusing what breaks plan 二.

Hard rules (refused): a committee of more than 7 (社区党委) or 5 (党总支/党支部) members; a
second secretary, full-time deputy or part-time deputy; one member in two seats; a full-time
deputy of under 2 years' Party standing; a probationary part-time deputy. Soft rules (age
and education majorities, the minimum sizes) are the rule checker's findings, not refusals.
Big-committee part-time members (大党委兼职委员) are kept by `services.org.units`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import DomainError, UserErrorCode, not_found
from services.org.lookups import (
    COMMUNITY_KINDS,
    member_or_refuse,
    not_in_future,
    organization_or_refuse,
    same_community,
)
from services.org.members import whole_years
from services.org.models import committee_membership
from services.org.rules.checker import (
    committee_size_limit,
    may_be_parttime_deputy,
    meets_fulltime_deputy_standing,
)

LEADING_ROLES = ("secretary", "fulltime_deputy", "parttime_deputy")
# Grid branches, groups and functional/special ones have a secretary (组长) and members.
UNIT_ROLES = ("secretary", "member")

ROLE_NAMES = {
    "secretary": ("书记", "secretary"),
    "fulltime_deputy": ("专职副书记", "full-time deputy secretary"),
    "parttime_deputy": ("兼职副书记", "part-time deputy secretary"),
    "member": ("委员", "member"),
}


CONSTRAINT_ERRORS = {
    "committee_one_seat_per_member": DomainError(
        UserErrorCode.CONFLICT,
        "该党员已在本委员会任职，一人不能兼任两个职务",
        "This member already holds a seat on this committee",
        ["memberId"],
        rule="committee.one_seat",
    ),
    "committee_one_holder_per_leading_role": DomainError(
        UserErrorCode.RULE_VIOLATION,
        "该职务已有人担任",
        "Someone already holds this role",
        ["role"],
    ),
}


def _rule(rule: str, zh: str, en: str, field: str) -> DomainError:
    return DomainError(UserErrorCode.RULE_VIOLATION, zh, en, [field], rule=rule)


async def add_seat(  # noqa: PLR0913 -- keyword-only: the seat's fields, as the mutation takes them
    conn: AsyncConnection,
    *,
    organization_id: uuid.UUID,
    member_id: uuid.UUID,
    role: str,
    term_start: dt.date | None,
    term_end: dt.date | None,
    today: dt.date | None = None,
) -> dict:
    today = today or dt.date.today()
    # The lock on the organization serialises seat changes: two clerks cannot both add
    # the 8th member.
    org = await organization_or_refuse(conn, organization_id, "organizationId", lock=True)
    person = await member_or_refuse(conn, member_id, "memberId")
    same_community(person, org["community_code"], "memberId", "党员", "member")
    not_in_future(term_start, "termStart", today=today)
    if term_start and term_end and term_end < term_start:
        raise DomainError(
            UserErrorCode.INVALID, "任期结束早于开始", "The term ends before it starts", ["termEnd"]
        )
    allowed = (
        ROLE_NAMES if org["kind"] in COMMUNITY_KINDS else {r: ROLE_NAMES[r] for r in UNIT_ROLES}
    )
    if role not in allowed:
        named = ROLE_NAMES.get(role, (role, role))[0]  # a role by its label, not its value
        offered = "、".join(zh for zh, _ in allowed.values())
        raise DomainError(
            UserErrorCode.INVALID,
            f"该党组织不设此职务：{named}（可设：{offered}）",
            f"This organization has no role {role}",
            ["role"],
        )
    seats = (
        await conn.execute(
            select(committee_membership.c.member_id, committee_membership.c.role).where(
                committee_membership.c.organization_id == organization_id,
                committee_membership.c.ended_on.is_(None),
                committee_membership.c.role != "parttime_member",
            )
        )
    ).all()
    if any(seat.member_id == member_id for seat in seats):
        raise CONSTRAINT_ERRORS["committee_one_seat_per_member"]
    held = Counter(seat.role for seat in seats)
    if role in LEADING_ROLES and held[role]:
        zh, en = ROLE_NAMES[role]
        raise _rule(
            f"committee.{role}",
            f"委员会已有{zh}（只能设1名）",
            f"The committee already has its {en}",
            "role",
        )
    if org["kind"] in COMMUNITY_KINDS:
        low, high = committee_size_limit(org["kind"])
        if len(seats) + 1 > high:
            raise _rule(
                "committee.size",
                f"委员会已有 {len(seats)} 名委员，最多 {high} 名（{low}至{high}人）",
                f"The committee has {len(seats)} members; at most {high} ({low}-{high})",
                "organizationId",
            )
    if role == "fulltime_deputy" and not meets_fulltime_deputy_standing(person["joined_on"], today):
        standing = whole_years(person["joined_on"], today)
        raise _rule(
            "deputy.standing",
            f"专职副书记须党龄2年以上（{person['name']} 党龄 {standing} 年）",
            f"A full-time deputy needs 2 years' Party standing ({standing})",
            "memberId",
        )
    if role == "parttime_deputy" and not may_be_parttime_deputy(person["is_probationary"]):
        raise _rule(
            "deputy.full_member",
            f"兼职副书记须为正式党员（{person['name']} 为预备党员）",
            "A part-time deputy must be a full member, not probationary",
            "memberId",
        )
    row = (
        (
            await conn.execute(
                insert(committee_membership)
                .values(
                    id=uuid.uuid4(),
                    community_code=org["community_code"],
                    organization_id=organization_id,
                    member_id=member_id,
                    role=role,
                    term_start=term_start,
                    term_end=term_end,
                )
                .returning(committee_membership)
            )
        )
        .mappings()
        .one()
    )
    return dict(row)


async def end_seat(
    conn: AsyncConnection, *, seat_id: uuid.UUID, ended_on: dt.date, today: dt.date | None = None
) -> dict:
    """Remove a member from a committee; the seat stays as history with its end date."""
    row = (
        (
            await conn.execute(
                select(committee_membership)
                .where(
                    committee_membership.c.id == seat_id, committee_membership.c.ended_on.is_(None)
                )
                .with_for_update()
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise not_found("在任委员", "current seat", seat_id, "seatId")
    not_in_future(ended_on, "endedOn", today=today)
    if row["term_start"] and ended_on < row["term_start"]:
        raise DomainError(
            UserErrorCode.INVALID,
            "离任日期早于任期开始",
            "Ended before the term began",
            ["endedOn"],
        )
    updated = (
        (
            await conn.execute(
                update(committee_membership)
                .where(committee_membership.c.id == seat_id)
                .values(ended_on=ended_on)
                .returning(committee_membership)
            )
        )
        .mappings()
        .one()
    )
    return dict(updated)
