"""When improvement goals (整改目标) made at determination are due (grading/goal_due.py), for
gradings on every day of a common and a leap year: never before the day they are made, at
least a full quarter ahead, and no earlier than the plan's 三有四化 deadline (plan 一: 争取10月
底以前，全区所有社区基本达到“三有四化”要求).

Issue 15 (11.): grading on a December day made goals due on 31 October, overdue at birth.
Expectations are computed here from the calendar and the milestone data file, not from the
module under test.
"""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
import yaml

from services.assess.grading import goal_due
from services.assess.shared.plan_schedule import MILESTONES_FILE
from services.common.errors import UserErrorCode

YEARS = (2026, 2027, 2028)  # 2028 has a 29 February
SHORTEST_QUARTER = 90  # days: January–March of a common year


def _plan_deadline(year: int) -> dt.date:
    """The 三有四化 milestone of the data file (month-day), in `year`."""
    data = yaml.safe_load(MILESTONES_FILE.read_text(encoding="utf-8"))
    found = next(m for m in data["milestones"] if m["proof"] == "meets_standard")
    moved = (data.get("years") or {}).get(year, {}).get(found["id"])
    if moved is not None:
        return dt.date.fromisoformat(str(moved))
    month, day = map(int, found["due"].split("-"))
    return dt.date(year, month, day)


def _quarter_end(year: int, quarter: int) -> dt.date:
    """The last day of quarter 1..4 of `year` (quarter 5 is the next year's first)."""
    year, quarter = year + (quarter - 1) // 4, (quarter - 1) % 4 + 1
    month = quarter * 3
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _next_quarter_end(day: dt.date) -> dt.date:
    return _quarter_end(day.year, (day.month + 2) // 3 + 1)


def _days(year: int) -> list[dt.date]:
    first = dt.date(year, 1, 1)
    return [first + dt.timedelta(days=n) for n in range(366 if calendar.isleap(year) else 365)]


@pytest.mark.parametrize("year", YEARS)
def test_a_goal_made_on_any_day_of_the_year_is_due_later(year: int) -> None:
    deadline = _plan_deadline(year)
    for day in _days(year):
        due = goal_due.default_due(year, day)
        assert due > day, (day, due)  # never overdue at birth
        assert (due - day).days >= SHORTEST_QUARTER, (day, due)
        assert due >= deadline, (day, due)  # never less than the plan gives
        # The plan's deadline while a quarter is left before it; else the next quarter's end.
        expected = deadline if deadline >= _next_quarter_end(day) else _next_quarter_end(day)
        assert due == expected, day


def _case(made: str, assessment_year: int | None = None) -> tuple[int, dt.date]:
    day = dt.date.fromisoformat(made)
    return (assessment_year or day.year), day


# (assessment year, day the goals are made) -> due: computed from the plan and the calendar.
CASES = {
    "graded on time (5月中旬以前)": (_case("2026-05-08"), _plan_deadline(2026)),
    "a December day": (_case("2026-12-07"), _quarter_end(2027, 1)),
    "31 December": (_case("2026-12-31"), _quarter_end(2027, 1)),
    "the plan's deadline itself": (_case("2026-10-31"), _quarter_end(2027, 1)),
    "the last day of the first quarter": (_case("2026-03-31"), _plan_deadline(2026)),
    "the last day of the second quarter": (_case("2026-06-30"), _plan_deadline(2026)),
    "the last day of the third quarter": (_case("2026-09-30"), _quarter_end(2026, 4)),
    "29 February": (_case("2028-02-29"), _plan_deadline(2028)),
    "a past year graded in December": (_case("2026-12-07", 2001), _quarter_end(2027, 1)),
}


@pytest.mark.parametrize(("made", "due"), CASES.values(), ids=CASES.keys())
def test_named_days(made: tuple[int, dt.date], due: dt.date) -> None:
    year, day = made
    assert goal_due.default_due(year, day) == due


def test_a_due_date_before_the_day_the_goal_is_made_is_invalid() -> None:
    made_on = dt.date(2026, 12, 7)
    assert goal_due.check_due(made_on, 2026, made_on, "dueOn") == []  # due the same day
    assert goal_due.check_due(dt.date(2027, 1, 1), 2026, made_on, "dueOn") == []
    refused = goal_due.check_due(dt.date(2026, 10, 31), 2026, made_on, "dueOn")
    assert [(e.code, e.field) for e in refused] == [(UserErrorCode.INVALID, ["dueOn"])]
    assert "2026年12月7日" in refused[0].message
    both = goal_due.check_due(dt.date(2025, 12, 31), 2026, made_on, "goalsDueOn")
    assert [e.field for e in both] == [["goalsDueOn"], ["goalsDueOn"]]  # year, and the day
