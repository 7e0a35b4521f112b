"""When an improvement goal (整改目标) is due: the default deadline given at determination, and
the earliest day a goal may be due.

plan 一: 争取10月底以前，全区所有社区基本达到“三有四化”要求 — the gaps grading finds are to be
closed by the year's 三有四化 deadline (milestone `three_haves_four`, 10-31). plan 方法步骤（一）
grades 5月中旬以前, so a grading on time leaves its goals about five months.

A grading after that (in December, or of an earlier year) would make goals due on a day
already past: overdue the day they are made. So a goal is given at least the end of the
quarter after the one it is made in — three monthly reports (plan 推进措施（四）: 月督查、月报表、
月汇报、月讲评) in which the street office and the department follow it — and never less
than the plan's deadline. Made in July–September, that is 12-31, the plan's 年底之前全面巩固
创新成果; made in October–December, 03-31 of the next year.

A due date given by hand is a plan too and may lie ahead, but never before the day the goal
is made (`check_due`).
"""

from __future__ import annotations

import datetime as dt

from services.assess.shared import plan_schedule
from services.common.errors import DomainError, invalid

QUARTER_MONTHS = 3


def three_haves_deadline(year: int) -> dt.date:
    """plan 一: 10月底以前，全区所有社区基本达到“三有四化”要求 (the schedule may move it)."""
    found = [m for m in plan_schedule.schedule(year) if m.proof == "meets_standard"]
    return found[0].due if found else dt.date(year, 12, 31)


def end_of_next_quarter(day: dt.date) -> dt.date:
    """The last day of the calendar quarter after the one `day` falls in."""
    quarter = (day.month - 1) // QUARTER_MONTHS  # 0..3
    following = quarter + 2  # the quarter after next starts the day after ours ends
    year, first_month = day.year + following // 4, (following % 4) * QUARTER_MONTHS + 1
    return dt.date(year, first_month, 1) - dt.timedelta(days=1)


def default_due(year: int, made_on: dt.date) -> dt.date:
    """The deadline of the goals made on `made_on` from the assessment of `year`: the year's
    三有四化 deadline, or the end of the next quarter when that is later (see the module)."""
    return max(three_haves_deadline(year), end_of_next_quarter(made_on))


def _day_zh(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def check_due(due_on: dt.date, year: int, made_on: dt.date, field: str) -> list[DomainError]:
    """What is wrong with a goal of `year`, made on `made_on`, being due on `due_on`."""
    problems = []
    if due_on.year < year:
        problems.append(
            invalid(f"完成期限不能早于{year}年", f"The due date cannot be before {year}", [field])
        )
    if due_on < made_on:
        problems.append(
            invalid(
                f"完成期限不能早于整改目标提出之日（{_day_zh(made_on)}）",
                f"The due date cannot be before the day the goal was made ({made_on})",
                [field],
            )
        )
    return problems
