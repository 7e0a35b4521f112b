"""双争 excellent-member evaluation (plan 三、五): nominate → publicize → choose, then feed back.

plan (三): 开展以争当社区管理先锋、争做服务群众模范为主要内容的"双争"活动。统一组织评选优秀社区
党员，评选结果在社区公示并向党员所在单位党组织反馈.

Stages move one way: nominated → publicized (a 公示 period) → chosen or not_chosen. A decision
waits until the publicity period is over; feedback is sent only for a chosen member, to the
Party organization of the member's own unit (self-managed members: the community's own).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Executable, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import DomainError, UserErrorCode, not_found
from services.common.pagination import Page, fetch_page
from services.org.lookups import COMMUNITY_KINDS, member_or_refuse, not_in_future
from services.org.models import (
    EVALUATION_TITLES,
    evaluation,
    evaluation_feedback,
    member,
    party_organization,
    region,
    resident_unit,
)

STAGE_NAMES = {
    "nominated": ("已提名", "nominated"),
    "publicized": ("公示中", "publicized"),
    "chosen": ("已评选", "chosen"),
    "not_chosen": ("未评选", "not chosen"),
}

CONSTRAINT_ERRORS = {
    "evaluation_once_per_year": DomainError(
        UserErrorCode.CONFLICT,
        "该党员本年度已有同一称号的评选",
        "This member is already nominated for this title this year",
        ["memberId"],
        rule="evaluation.once_per_year",
    ),
}


def _invalid(zh: str, en: str, field: str) -> DomainError:
    return DomainError(UserErrorCode.INVALID, zh, en, [field])


async def _one(conn: AsyncConnection, statement: Executable) -> dict[str, Any]:
    return dict((await conn.execute(statement)).mappings().one())


async def evaluation_or_refuse(
    conn: AsyncConnection, evaluation_id: uuid.UUID, field: str = "id"
) -> dict[str, Any]:
    """The evaluation, locked until the transaction ends (stage changes are serialised)."""
    query = select(evaluation).where(evaluation.c.id == evaluation_id).with_for_update()
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        raise not_found("评选", "evaluation", evaluation_id, field)
    return dict(row)


def _expect_stage(row: dict[str, Any], stage: str, step_zh: str, step_en: str) -> None:
    if row["stage"] != stage:
        now_zh, now_en = STAGE_NAMES[row["stage"]]
        need_zh, need_en = STAGE_NAMES[stage]
        raise DomainError(
            UserErrorCode.RULE_VIOLATION,
            f"评选处于「{now_zh}」阶段，须为「{need_zh}」才能{step_zh}",
            f"The evaluation is {now_en}; it must be {need_en} to {step_en}",
            ["id"],
            rule="evaluation.stage_order",
        )


async def nominate(  # noqa: PLR0913 -- keyword-only: the nomination's fields, as the mutation takes them
    conn: AsyncConnection,
    *,
    member_id: uuid.UUID,
    year: int,
    title: str,
    nominated_by: str,
    reason: str,
    nominated_on: dt.date,
) -> dict[str, Any]:
    """Nominate a member of the community for one of the two titles of a year."""
    person = await member_or_refuse(conn, member_id, "memberId")
    if title not in EVALUATION_TITLES:
        raise _invalid(f"未知的称号：{title}", f"Unknown title {title}", "title")
    not_in_future(nominated_on, "nominatedOn")
    if not nominated_on.year - 1 <= year <= nominated_on.year:
        raise _invalid(
            f"评选年度应为提名当年或上一年（提名日期 {nominated_on}）",
            f"The year is that of the nomination or the one before ({nominated_on})",
            "year",
        )
    if not nominated_by.strip():
        raise _invalid("须填写提名单位或提名人", "Say who nominated", "nominatedBy")
    values = {
        "id": uuid.uuid4(),
        "community_code": person["community_code"],
        "year": year,
        "title": title,
        "member_id": member_id,
        "stage": "nominated",
        "nominated_on": nominated_on,
        "nominated_by": nominated_by.strip(),
        "reason": reason.strip(),
    }
    return await _one(conn, insert(evaluation).values(**values).returning(evaluation))


async def publicize(
    conn: AsyncConnection,
    *,
    evaluation_id: uuid.UUID,
    publicized_from: dt.date,
    publicized_until: dt.date,
) -> dict[str, Any]:
    """plan (三): 评选结果在社区公示 — open the publicity period of a nomination.

    The period may still be running, so its end may lie after today; its start may not."""
    row = await evaluation_or_refuse(conn, evaluation_id)
    _expect_stage(row, "nominated", "公示", "publicize")
    not_in_future(publicized_from, "from")
    if publicized_from < row["nominated_on"]:
        raise _invalid("公示开始早于提名日期", "Publicity starts before the nomination", "from")
    if publicized_until < publicized_from:
        raise _invalid("公示结束早于开始", "Publicity ends before it starts", "until")
    return await _set(
        conn,
        evaluation_id,
        stage="publicized",
        publicized_from=publicized_from,
        publicized_until=publicized_until,
    )


async def decide(
    conn: AsyncConnection, *, evaluation_id: uuid.UUID, chosen: bool, decided_on: dt.date
) -> dict[str, Any]:
    """Choose the member or not, once the publicity period is over."""
    row = await evaluation_or_refuse(conn, evaluation_id)
    _expect_stage(row, "publicized", "评定", "decide")
    not_in_future(decided_on, "decidedOn")
    if decided_on <= row["publicized_until"]:
        raise DomainError(
            UserErrorCode.RULE_VIOLATION,
            f"公示期至 {row['publicized_until']} 结束，期满后才能评定",
            f"Publicity runs until {row['publicized_until']}; decide after it ends",
            ["decidedOn"],
            rule="evaluation.publicity_period",
        )
    stage = "chosen" if chosen else "not_chosen"
    return await _set(conn, evaluation_id, stage=stage, decided_on=decided_on)


async def _set(conn: AsyncConnection, evaluation_id: uuid.UUID, **values: Any) -> dict[str, Any]:
    return await _one(
        conn,
        update(evaluation)
        .where(evaluation.c.id == evaluation_id)
        .values(**values)
        .returning(evaluation),
    )


async def _community_organization_name(conn: AsyncConnection, community_code: str) -> str | None:
    query = select(party_organization.c.name).where(
        party_organization.c.community_code == community_code,
        party_organization.c.kind.in_(COMMUNITY_KINDS),
        party_organization.c.dissolved_at.is_(None),
    )
    return (await conn.execute(query)).scalar_one_or_none()


async def _default_recipient(
    conn: AsyncConnection, person: dict[str, Any], unit_name: str | None
) -> tuple[str | None, str | None]:
    """The member's own unit and its Party organization, as far as the records tell.

    Self-managed: the community itself and its own organization. Others: the employer unit,
    and the Party organization of a resident unit of that name in the community, if known."""
    code = person["community_code"]
    if person["management"] == "self":
        community = (
            await conn.execute(select(region.c.name).where(region.c.code == code))
        ).scalar_one()
        return unit_name or community, await _community_organization_name(conn, code)
    unit_name = unit_name or person["employer_unit"] or person["reporting_unit"]
    if not unit_name:
        return None, None
    known = await conn.execute(
        select(resident_unit.c.party_organization_name).where(
            resident_unit.c.community_code == code, resident_unit.c.name == unit_name
        )
    )
    return unit_name, known.scalar_one_or_none()


async def record_feedback(
    conn: AsyncConnection,
    *,
    evaluation_id: uuid.UUID,
    sent_on: dt.date,
    content: str,
    unit_name: str | None = None,
    unit_party_organization: str | None = None,
) -> dict[str, Any]:
    """plan (三): 向党员所在单位党组织反馈 — record the feedback on a chosen member.

    The unit and its Party organization default from the member's records; given values win."""
    row = await evaluation_or_refuse(conn, evaluation_id)
    _expect_stage(row, "chosen", "反馈", "send feedback")
    not_in_future(sent_on, "sentOn")
    if sent_on < row["decided_on"]:
        raise _invalid("反馈日期早于评定日期", "Feedback sent before the decision", "sentOn")
    if not content.strip():
        raise _invalid("反馈内容不能为空", "The feedback is empty", "content")
    person = (
        (await conn.execute(select(member).where(member.c.id == row["member_id"]))).mappings().one()
    )
    given_unit = (unit_name or "").strip() or None
    default_unit, default_org = await _default_recipient(conn, dict(person), given_unit)
    unit = given_unit or default_unit
    organization = (unit_party_organization or "").strip() or default_org
    if not unit:
        raise _invalid(
            "未知党员所在单位，请填写", "The member's unit is unknown; give it", "unitName"
        )
    if not organization:
        raise _invalid(
            f"未知「{unit}」的党组织名称，请填写",
            f"The Party organization of {unit} is unknown; give it",
            "unitPartyOrganization",
        )
    values = {
        "id": uuid.uuid4(),
        "community_code": row["community_code"],
        "evaluation_id": evaluation_id,
        "unit_name": unit,
        "unit_party_organization": organization,
        "sent_on": sent_on,
        "content": content.strip(),
    }
    return await _one(
        conn, insert(evaluation_feedback).values(**values).returning(evaluation_feedback)
    )


@dataclass(frozen=True)
class EvaluationFilter:
    """Which evaluations to list; every given condition must hold."""

    community_codes: Sequence[str]
    year: int | None = None
    stage: str | None = None
    title: str | None = None


async def list_evaluations(
    conn: AsyncConnection, f: EvaluationFilter, *, first: int | None, after: str | None
) -> Page:
    """Evaluations in some communities, ordered by year, community and id (stable for paging)."""
    query = select(evaluation).where(evaluation.c.community_code.in_(f.community_codes))
    if f.year is not None:
        query = query.where(evaluation.c.year == f.year)
    if f.stage is not None:
        query = query.where(evaluation.c.stage == f.stage)
    if f.title is not None:
        query = query.where(evaluation.c.title == f.title)
    return await fetch_page(
        conn,
        query,
        keys=[evaluation.c.year, evaluation.c.community_code, evaluation.c.id],
        first=first,
        after=after,
    )


async def evaluations_by_id(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[dict | None]:
    rows = (await conn.execute(select(evaluation).where(evaluation.c.id.in_(ids)))).mappings()
    found = {row["id"]: dict(row) for row in rows}
    return [found.get(i) for i in ids]


async def feedback_of(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[list[dict]]:
    """Feedback records of each evaluation, oldest first."""
    rows = (
        await conn.execute(
            select(evaluation_feedback)
            .where(evaluation_feedback.c.evaluation_id.in_(ids))
            .order_by(evaluation_feedback.c.sent_on, evaluation_feedback.c.id)
        )
    ).mappings()
    grouped: dict[uuid.UUID, list[dict]] = {i: [] for i in ids}
    for row in rows:
        grouped[row["evaluation_id"]].append(dict(row))
    return [grouped[i] for i in ids]
