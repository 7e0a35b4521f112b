"""The grading workflow (分类定级) of one community and year, and the goals its gaps become.

plan 方法步骤（一）: 按照社区党组织自查自评、党员群众民意测评、办事处党工委认定等级的方法程序，
对照《标准》搞好社区党组织分类定级 … 找出差距和问题 … 研究制定创新和加强社区党组织建设的目标和措施.

States move one way:

    (open) → self_assessment ──self-assess──▶ opinion_survey ──determine──▶ determined
                                               (survey recorded, may be corrected)

- An assessment is opened under the standard current at that moment and keeps it.
- Self-scores: one per indicator of that standard, each from 0 to the indicator's weight
  (so their sum is on the standard's total weight, like the computed score before scaling).
- The opinion survey counts 满意 / 基本满意 / 不满意 per group (members, residents); the
  satisfaction rate is (满意 + 基本满意) / all ratings.
- The street office (or the district) determines a grade of the standard, always with a reason;
  the computed score and grade at that moment are stored beside it.
- At each step the computed score (assessing.assess) is stored as a snapshot.
- At determination every failed indicator becomes an improvement goal (owner, due date,
  open → done).
- Years and dates (services/assess/shared/dates.py): an assessment's year runs from 2000 to the
  current one; the survey was held (not in the future) in that year or in January–June of
  the next; a goal is done on a day not in the future; a due date is a plan and may lie ahead.

Who may take each step is `MAY` (role × step); callers check role and scope before calling here.
Reads of what the steps store: services/assess/grading/reads.py.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.assess.grading.scoring import Score
from services.assess.grading.tables import (
    assessment,
    grading_snapshot,
    improvement_goal,
    self_score,
    survey_count,
)
from services.assess.shared import dates
from services.common.auth import Role
from services.common.errors import DomainError, UserErrorCode, invalid, not_found, refuse_all

STATES = ("self_assessment", "opinion_survey", "determined")
STATE_NAMES = {
    "self_assessment": ("自查自评", "self-assessment"),
    "opinion_survey": ("党员群众民意测评", "opinion survey"),
    "determined": ("已认定等级", "grade determined"),
}
RESPONDENTS = {"members": ("党员", "members"), "residents": ("群众", "residents")}
DEFAULT_GOAL_OWNER_ROLE = "secretary"  # 社区党组织书记: the community acts on its own gaps


class Step(Enum):
    OPEN = "open"
    SELF_ASSESS = "self_assess"
    SURVEY = "survey"
    DETERMINE = "determine"
    EDIT_GOAL = "edit_goal"


@dataclass(frozen=True)
class Transition:
    step: Step
    name: str  # zh-CN
    name_en: str
    before: str | None  # the state it needs (None: no assessment yet)
    after: str | None  # the state it leaves (None: unchanged)
    roles: frozenset[Role]


_SECRETARY_UP = frozenset({Role.DISTRICT, Role.STREET, Role.SECRETARY})
_STREET_UP = frozenset({Role.DISTRICT, Role.STREET})
# Who may move each state (role × step), always within the caller's scope: a secretary its own
# community, a street office user its street's communities, the district all of them.
# DOMAIN "Who uses the system": secretaries do the self-assessment; the street office
# determines grades (办事处党工委认定等级). The survey is the street office's to record: the
# community does not report the verdict on itself.
TRANSITIONS = (
    Transition(Step.OPEN, "开始分类定级", "open the assessment", None, "self_assessment", _SECRETARY_UP),
    Transition(Step.SELF_ASSESS, "自查自评", "record the self-assessment", "self_assessment", "opinion_survey", _SECRETARY_UP),
    Transition(Step.SURVEY, "党员群众民意测评", "record the opinion survey", "opinion_survey", None, _STREET_UP),
    Transition(Step.DETERMINE, "办事处党工委认定等级", "determine the grade", "opinion_survey", "determined", _STREET_UP),
    Transition(Step.EDIT_GOAL, "编辑整改目标", "edit an improvement goal", "determined", None, _SECRETARY_UP),
)  # fmt: skip
MAY: dict[Step, Transition] = {t.step: t for t in TRANSITIONS}

CONSTRAINT_ERRORS = {
    "assessment_once_a_year": DomainError(
        UserErrorCode.CONFLICT,
        "该社区本年度已开始分类定级",
        "This community's assessment for the year is already open",
        ["communityCode"],
    ),
}


# -- snapshots of the computed score ----------------------------------------------------------


def snapshot_values(result: Score, as_of: dt.date) -> dict[str, Any]:
    """A Score as stored with a step."""
    return {
        "as_of": as_of,
        "score": result.score,
        "grade_id": result.grade["id"],
        "meets_standard": result.meets_standard,
        "results": [
            {
                "code": r.code,
                "value": r.measured.value,
                "credit": r.credit,
                "passed": r.passed,
                "detail": r.measured.detail,
                "detail_en": r.measured.detail_en,
                "refs": list(r.measured.refs),
            }
            for r in result.results
        ],
    }


async def _snapshot(
    conn: AsyncConnection, assessment_id: uuid.UUID, step: str, values: Mapping[str, Any]
) -> None:
    # A step taken again (a corrected survey) replaces its snapshot.
    await conn.execute(
        delete(grading_snapshot).where(
            grading_snapshot.c.assessment_id == assessment_id, grading_snapshot.c.step == step
        )
    )
    await conn.execute(
        insert(grading_snapshot).values(assessment_id=assessment_id, step=step, **values)
    )


# -- the steps --------------------------------------------------------------------------------


async def assessment_or_refuse(
    conn: AsyncConnection, assessment_id: uuid.UUID | None, field: str = "assessmentId"
) -> dict[str, Any]:
    """The assessment, locked until the transaction ends (steps are serialised)."""
    row = None
    if assessment_id is not None:
        query = select(assessment).where(assessment.c.id == assessment_id).with_for_update()
        row = (await conn.execute(query)).mappings().first()
    if row is None:
        raise not_found("分类定级", "assessment", assessment_id, field)
    return dict(row)


def expect_step(row: Mapping[str, Any], step: Step) -> None:
    """RULE_VIOLATION unless the assessment is in the state `step` needs (plan order:
    自查自评 → 民意测评 → 认定等级)."""
    need = MAY[step].before
    if row["state"] == need:
        return
    now_zh, now_en = STATE_NAMES[row["state"]]
    need_zh, need_en = STATE_NAMES[need or "self_assessment"]
    raise DomainError(
        UserErrorCode.RULE_VIOLATION,
        f"分类定级处于「{now_zh}」阶段，须在「{need_zh}」阶段才能{MAY[step].name}",
        f"The assessment is at the {now_en} stage; to {MAY[step].name_en} it must be at "
        f"the {need_en} stage",
        ["assessmentId"],
        rule="grading.order",
    )


async def open_assessment(
    conn: AsyncConnection,
    *,
    community_code: str,
    year: int,
    standard_id: str,
    by: str,
    snapshot: Mapping[str, Any],
) -> dict[str, Any]:
    key = uuid.uuid4()
    await conn.execute(
        insert(assessment).values(
            id=key,
            community_code=community_code,
            year=year,
            standard_id=standard_id,
            state="self_assessment",
            opened_by=by,
        )
    )
    await _snapshot(conn, key, "opened", snapshot)
    return await _reread(conn, key)


@dataclass(frozen=True)
class SelfScoreInput:
    indicator_code: str
    score: float
    note: str = ""


def check_self_scores(
    indicators: Sequence[Mapping[str, Any]], scores: Sequence[SelfScoreInput]
) -> None:
    """Every indicator of the standard scored once, each within 0..its weight; INVALID naming
    every problem otherwise."""
    weights = {row["code"]: float(row["weight"]) for row in indicators}
    problems: list[DomainError] = []
    seen: set[str] = set()
    for i, item in enumerate(scores):
        code = item.indicator_code
        if code not in weights:
            problems.append(
                invalid(
                    f"标准中没有指标{code}",
                    f"The standard has no indicator {code}",
                    ["scores", i, "indicatorCode"],
                )
            )
            continue
        if code in seen:
            problems.append(
                invalid(
                    f"指标{code}重复自评",
                    f"Indicator {code} is scored twice",
                    ["scores", i, "indicatorCode"],
                )
            )
        seen.add(code)
        if not math.isfinite(item.score) or not 0 <= item.score <= weights[code]:
            problems.append(
                invalid(
                    f"指标{code}的自评分应在0至{weights[code]:g}分之间：{item.score:g}",
                    f"The self-score of {code} must be from 0 to {weights[code]:g}: {item.score:g}",
                    ["scores", i, "score"],
                )
            )
    missing = [code for code in weights if code not in seen]
    if missing:
        problems.append(
            invalid(
                f"以下指标未自评：{'、'.join(missing)}",
                f"Indicators not self-scored: {', '.join(missing)}",
                ["scores"],
            )
        )
    refuse_all(problems)


async def record_self_assessment(
    conn: AsyncConnection,
    row: Mapping[str, Any],
    scores: Sequence[SelfScoreInput],
    *,
    note: str,
    by: str,
    snapshot: Mapping[str, Any],
) -> dict[str, Any]:
    """自查自评 recorded: the assessment moves on to the opinion survey."""
    key = row["id"]
    await conn.execute(
        insert(self_score),
        [
            {
                "assessment_id": key,
                "indicator_code": s.indicator_code,
                "score": s.score,
                "note": s.note,
            }
            for s in scores
        ],
    )
    await conn.execute(
        update(assessment)
        .where(assessment.c.id == key)
        .values(
            state="opinion_survey",
            self_note=note,
            self_assessed_by=by,
            self_assessed_at=_now(),
        )
    )
    await _snapshot(conn, key, "self_assessed", snapshot)
    return await _reread(conn, key)


@dataclass(frozen=True)
class SurveyInput:
    respondents: str  # members | residents
    satisfied: int
    basically_satisfied: int
    dissatisfied: int

    @property
    def total(self) -> int:
        return self.satisfied + self.basically_satisfied + self.dissatisfied


def satisfaction_rate(satisfied: int, basically: int, dissatisfied: int) -> float | None:
    """(满意 + 基本满意) / all ratings; None without ratings."""
    total = satisfied + basically + dissatisfied
    return (satisfied + basically) / total if total else None


def check_survey(
    counts: Sequence[SurveyInput], *, held_on: dt.date, year: int, today: dt.date
) -> None:
    """The counts (at least one group, each once, none negative, some ratings) and the date:
    not in the future, and in the assessment's year or the first half of the next — the plan
    grades by mid-May (分类定级 … 5月中旬以前完成), and a year's grading may be finished early
    the next year, but not later than June."""
    problems: list[DomainError] = []
    try:
        dates.past_date(held_on, "heldOn", today)
        dates.date_within(held_on, dt.date(year, 1, 1), dt.date(year + 1, 6, 30), "heldOn")
    except DomainError as wrong:
        problems.append(wrong)
    if not counts:
        problems.append(
            invalid(
                "民意测评至少需一组测评结果",
                "The survey needs at least one group's counts",
                ["counts"],
            )
        )
    seen: set[str] = set()
    for i, c in enumerate(counts):
        zh, en = RESPONDENTS[c.respondents]
        if c.respondents in seen:
            problems.append(
                invalid(f"{zh}测评结果重复", f"The {en}' counts are given twice", ["counts", i])
            )
        seen.add(c.respondents)
        for name, value in (
            ("satisfied", c.satisfied),
            ("basicallySatisfied", c.basically_satisfied),
            ("dissatisfied", c.dissatisfied),
        ):
            if value < 0:
                problems.append(
                    invalid(
                        f"{zh}测评票数不能为负：{value}",
                        f"The {en}' count {name} cannot be negative: {value}",
                        ["counts", i, name],
                    )
                )
        if (
            all(v >= 0 for v in (c.satisfied, c.basically_satisfied, c.dissatisfied))
            and not c.total
        ):
            problems.append(
                invalid(f"{zh}测评没有票数", f"The {en}' survey has no ratings", ["counts", i])
            )
    refuse_all(problems)


async def record_survey(  # noqa: PLR0913 -- one write's inputs, keyword-only (who, when, what); a parameter object would only rename them
    conn: AsyncConnection,
    row: Mapping[str, Any],
    counts: Sequence[SurveyInput],
    *,
    held_on: dt.date,
    note: str,
    by: str,
    snapshot: Mapping[str, Any],
) -> dict[str, Any]:
    """党员群众民意测评 recorded (again: a correction replaces it until the determination)."""
    key = row["id"]
    await conn.execute(delete(survey_count).where(survey_count.c.assessment_id == key))
    await conn.execute(
        insert(survey_count),
        [
            {
                "assessment_id": key,
                "respondents": c.respondents,
                "satisfied": c.satisfied,
                "basically_satisfied": c.basically_satisfied,
                "dissatisfied": c.dissatisfied,
            }
            for c in counts
        ],
    )
    await conn.execute(
        update(assessment)
        .where(assessment.c.id == key)
        .values(survey_held_on=held_on, survey_note=note, surveyed_by=by, surveyed_at=_now())
    )
    await _snapshot(conn, key, "surveyed", snapshot)
    return await _reread(conn, key)


def expect_surveyed(row: Mapping[str, Any]) -> None:
    """A grade is determined only after the opinion survey (plan order)."""
    if row["surveyed_at"] is None:
        raise DomainError(
            UserErrorCode.RULE_VIOLATION,
            "尚未进行党员群众民意测评，不能认定等级",
            "The opinion survey is not recorded yet; the grade cannot be determined",
            ["assessmentId"],
            rule="grading.order",
        )


@dataclass(frozen=True)
class GoalOwner:
    user: str | None = None
    role: str | None = None


def check_owner(owner: GoalOwner, field: str) -> None:
    if (owner.user is None) == (owner.role is None) or (
        owner.user is not None and not owner.user.strip()
    ):
        raise invalid(
            "整改目标的责任人须为一个用户名或一个角色",
            "A goal's owner is either one user name or one role",
            [field],
        )


def check_determination(
    standard_row: Mapping[str, Any], grade_id: str, reason: str, owner: GoalOwner
) -> None:
    problems: list[DomainError] = []
    grades = [g["id"] for g in standard_row["grades"]]
    if grade_id not in grades:
        names = "、".join(g["name"] for g in standard_row["grades"])  # the grades by name
        problems.append(
            invalid(
                f"等级{grade_id}不在标准{standard_row['id']}中（可选：{names}）",
                f"Grade {grade_id} is not one of standard {standard_row['id']}: {', '.join(grades)}",
                ["gradeId"],
            )
        )
    if not reason.strip():
        problems.append(
            invalid("认定等级须写明理由", "A determination needs its reason", ["reason"])
        )
    try:
        check_owner(owner, "goalsOwner")
    except DomainError as wrong:
        problems.append(wrong)
    refuse_all(problems)


async def determine(  # noqa: PLR0913 -- one write's inputs, keyword-only (who, when, what); a parameter object would only rename them
    conn: AsyncConnection,
    row: Mapping[str, Any],
    *,
    grade_id: str,
    reason: str,
    by: str,
    snapshot: Mapping[str, Any],
    indicators: Sequence[Mapping[str, Any]],
    goals_due_on: dt.date,
    goals_owner: GoalOwner,
) -> dict[str, Any]:
    """办事处党工委认定等级; every indicator failed at this moment becomes a goal."""
    key = row["id"]
    await conn.execute(
        update(assessment)
        .where(assessment.c.id == key)
        .values(
            state="determined",
            grade_id=grade_id,
            reason=reason.strip(),
            determined_by=by,
            determined_at=_now(),
        )
    )
    await _snapshot(conn, key, "determined", snapshot)
    names = {i["code"]: i["name"] for i in indicators}
    failed = [r for r in snapshot["results"] if not r["passed"]]
    if failed:
        await conn.execute(
            insert(improvement_goal),
            [
                {
                    "id": uuid.uuid4(),
                    "assessment_id": key,
                    "community_code": row["community_code"],
                    "year": row["year"],
                    "indicator_code": r["code"],
                    "text": f"整改：{names.get(r['code'], r['code'])}（现状：{r['detail']}）",
                    "owner_user": goals_owner.user,
                    "owner_role": goals_owner.role,
                    "due_on": goals_due_on,
                    "status": "open",
                    "updated_by": by,
                }
                for r in failed
            ],
        )
    return await _reread(conn, key)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _reread(conn: AsyncConnection, key: uuid.UUID) -> dict[str, Any]:
    return dict(
        (await conn.execute(select(assessment).where(assessment.c.id == key))).mappings().one()
    )
