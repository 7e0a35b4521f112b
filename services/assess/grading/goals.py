"""Improvement goals after determination: edit a goal's text, owner or due date (never before
the day the goal was made: grading/goal_due.py), or mark it done (open → done, one way). The goals themselves are made by `workflow.determine` from the
gaps of the determined assessment.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.assess.grading import goal_due
from services.assess.grading.tables import assessment, improvement_goal
from services.assess.grading.workflow import GoalOwner, check_owner
from services.assess.shared import dates
from services.assess.shared.text import MAX_LINE, clean_text
from services.common.errors import DomainError, UserErrorCode, invalid, not_found, refuse_all


@dataclass(frozen=True)
class GoalChange:
    text: str | None = None
    owner: GoalOwner | None = None
    due_on: dt.date | None = None
    status: str | None = None  # "done": open → done
    done_on: dt.date | None = None


async def goal_or_refuse(conn: AsyncConnection, goal_id: uuid.UUID | None) -> dict[str, Any]:
    """The goal, locked, with `made_at`: when it was made (its assessment's determination)."""
    row = None
    if goal_id is not None:
        query = (
            select(improvement_goal, assessment.c.determined_at.label("made_at"))
            .join(assessment, assessment.c.id == improvement_goal.c.assessment_id)
            .where(improvement_goal.c.id == goal_id)
            .with_for_update(of=improvement_goal)
        )
        row = (await conn.execute(query)).mappings().first()
    if row is None:
        raise not_found("整改目标", "improvement goal", goal_id, "id")
    return dict(row)


def _goal_text(change: GoalChange, values: dict[str, Any], problems: list[DomainError]) -> None:
    if change.text is None:
        return
    try:
        text = clean_text(change.text, "text", MAX_LINE, what_zh="整改目标内容")
    except DomainError as wrong:
        problems.append(wrong)
    else:
        if text is None:
            problems.append(invalid("整改目标内容不能为空", "A goal needs its text", ["text"]))
        values["text"] = text


def _goal_owner(change: GoalChange, values: dict[str, Any], problems: list[DomainError]) -> None:
    if change.owner is None:
        return
    try:
        check_owner(change.owner, "owner")
    except DomainError as wrong:
        problems.append(wrong)
    values["owner_user"], values["owner_role"] = change.owner.user, change.owner.role


def _goal_due(
    goal: Mapping[str, Any], change: GoalChange, values: dict[str, Any], problems: list[DomainError]
) -> None:
    if change.due_on is None:
        return
    made_on = dates.local_day(goal["made_at"])
    problems.extend(goal_due.check_due(change.due_on, goal["year"], made_on, "dueOn"))
    values["due_on"] = change.due_on


def _goal_done(goal: Mapping[str, Any], done_on: dt.date, today: dt.date) -> list[DomainError]:
    """What is wrong with marking a goal done on `done_on`."""
    problems = []
    try:
        dates.past_date(done_on, "doneOn", today)  # done is what happened
    except DomainError as wrong:
        problems.append(wrong)
    if done_on.year < goal["year"]:
        problems.append(
            invalid(
                f"完成日期不能早于{goal['year']}年",
                f"The done date cannot be before {goal['year']}",
                ["doneOn"],
            )
        )
    return problems


def _goal_status(
    goal: Mapping[str, Any],
    change: GoalChange,
    today: dt.date,
    values: dict[str, Any],
    problems: list[DomainError],
) -> None:
    if change.status is not None and change.status != goal["status"]:
        if change.status != "done":
            problems.append(
                DomainError(
                    UserErrorCode.RULE_VIOLATION,
                    "已完成的整改目标不能重新打开",
                    "A goal done cannot be opened again (open → done only)",
                    ["status"],
                    rule="grading.goal_done",
                )
            )
        else:
            done_on = change.done_on or today
            problems.extend(_goal_done(goal, done_on, today))
            values["status"], values["done_on"] = "done", done_on
    elif change.done_on is not None:
        problems.append(
            invalid("只有标记完成时才填写完成日期", "doneOn goes with status DONE", ["doneOn"])
        )


async def update_goal(
    conn: AsyncConnection, goal: Mapping[str, Any], change: GoalChange, *, by: str, today: dt.date
) -> dict[str, Any]:
    """Edit a goal's text, owner or due date, or mark it done (open → done, one way)."""
    problems: list[DomainError] = []
    values: dict[str, Any] = {}
    _goal_text(change, values, problems)
    _goal_owner(change, values, problems)
    _goal_due(goal, change, values, problems)
    _goal_status(goal, change, today, values, problems)
    refuse_all(problems)
    if values:
        await conn.execute(
            update(improvement_goal)
            .where(improvement_goal.c.id == goal["id"])
            .values(**values, updated_by=by, updated_at=dt.datetime.now(dt.UTC))
        )
    row = (
        await conn.execute(select(improvement_goal).where(improvement_goal.c.id == goal["id"]))
    ).mappings()
    return dict(row.one())
