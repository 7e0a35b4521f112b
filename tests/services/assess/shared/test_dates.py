"""Years and dates as every write of the assess service takes them (services/assess/shared/dates.py),
with `today` set by the test: the year of a write runs from 2000 to the current one; what
happened is not in the future; a survey lies in its assessment's year or the first half of
the next. The writes themselves are tested through the gateway in the area tests."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from collections.abc import Callable, Iterator

import pytest

from services.assess.grading import workflow as grading
from services.assess.milestones import schedule as milestones
from services.assess.reports.monthly import Month, parse_month
from services.assess.shared import dates, plan_schedule
from services.common.errors import DomainError, UserErrorCode

TODAY = dt.date(2026, 3, 15)


def _refused(call: Callable[..., object], *args: object, **kwargs: object) -> DomainError:
    with pytest.raises(DomainError) as refused:
        call(*args, **kwargs)
    assert refused.value.code is UserErrorCode.INVALID
    assert refused.value.message and refused.value.message_en
    return refused.value


@pytest.mark.parametrize("year", [dates.FIRST_YEAR, TODAY.year - 1, TODAY.year])
def test_a_year_from_2000_to_the_current_one_is_taken(year: int) -> None:
    assert dates.check_year(year, TODAY) == year


@pytest.mark.parametrize("year", [TODAY.year + 1, 2100, dates.FIRST_YEAR - 1, 0])
def test_a_later_or_earlier_year_is_invalid(year: int) -> None:
    refused = _refused(dates.check_year, year, TODAY, ["input", "year"])
    assert refused.field == ["input", "year"]


def test_a_write_may_allow_the_next_year_when_it_says_so() -> None:
    """Funds: a budget may be granted in advance (records.funds)."""
    assert dates.check_year(TODAY.year + 1, TODAY, latest=TODAY.year + 1) == TODAY.year + 1
    _refused(dates.check_year, TODAY.year + 2, TODAY, latest=TODAY.year + 1)


def test_what_happened_is_not_in_the_future() -> None:
    assert dates.past_date(TODAY, "heldOn", TODAY) == TODAY
    assert dates.past_date(dates.EARLIEST, "heldOn", TODAY) == dates.EARLIEST
    tomorrow = TODAY + dt.timedelta(days=1)
    assert _refused(dates.past_date, tomorrow, "heldOn", TODAY).field == ["heldOn"]
    early = dates.EARLIEST - dt.timedelta(days=1)
    assert _refused(dates.past_date, early, ["input", "since"], TODAY).field == ["input", "since"]


SURVEY = [grading.SurveyInput("members", 10, 2, 1)]


@pytest.mark.parametrize(
    ("held_on", "year"),
    [
        (dt.date(2025, 1, 1), 2025),  # the first day of the year
        (dt.date(2025, 5, 10), 2025),  # plan: 分类定级 … 5月中旬以前
        (dt.date(2026, 1, 20), 2025),  # last year's grading finished early this year
        (TODAY, 2026),
    ],
)
def test_a_survey_lies_in_its_year_or_the_first_half_of_the_next(
    held_on: dt.date, year: int
) -> None:
    grading.check_survey(SURVEY, held_on=held_on, year=year, today=TODAY)


@pytest.mark.parametrize(
    ("held_on", "year"),
    [
        (TODAY + dt.timedelta(days=1), 2026),  # not yet held
        (dt.date(2024, 12, 31), 2025),  # before its year
        (dt.date(2025, 7, 1), 2024),  # after the next June
    ],
)
def test_a_survey_outside_its_window_is_invalid(held_on: dt.date, year: int) -> None:
    refused = _refused(grading.check_survey, SURVEY, held_on=held_on, year=year, today=TODAY)
    assert refused.field == ["heldOn"]


def test_a_survey_date_is_reported_with_bad_counts() -> None:
    """One refusal names every problem: the date and the counts."""
    bad = [grading.SurveyInput("members", -1, 0, 0)]
    refused = _refused(
        grading.check_survey, bad, held_on=TODAY + dt.timedelta(days=1), year=2026, today=TODAY
    )
    assert [refused.field, *(m.field for m in refused.more)] == [
        ["heldOn"],
        ["counts", "0", "satisfied"],
    ]


def test_a_milestone_of_a_future_year_is_not_attested() -> None:
    """The schedule of a future year is a plan (readable); its attestation is a write."""
    plan = plan_schedule.schedule(TODAY.year + 1)
    attested = next(m for m in plan if m.proof == "attested")
    assert attested.due.year == TODAY.year + 1
    attempt = milestones.attest(
        None,  # type: ignore[arg-type]  # refused before any database work
        attested,
        community_code="410104001001",
        is_pilot=True,
        done_on=TODAY,
        note="x",
        by="test",
        today=TODAY,
    )
    assert _refused(asyncio.run, attempt).field == ["year"]


def test_report_months_run_from_2000_to_this_month() -> None:
    assert parse_month("2000-01", today=TODAY) == Month(2000, 1)
    assert parse_month("2026-03", today=TODAY) == Month(2026, 3)
    assert _refused(parse_month, "2026-04", today=TODAY).field == ["month"]
    assert _refused(parse_month, "1999-12", today=TODAY).field == ["month"]


@pytest.fixture
def in_beijing() -> Iterator[None]:
    """The process's local time zone set to China Standard Time (UTC+8) for one test."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Shanghai"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_a_stored_instant_counts_on_the_local_day_like_today(in_beijing: None) -> None:
    """Steps are stored in UTC; they are compared with today() (the local day), so they are
    dated by the local day too: 00:30 in Beijing on 1 January is the 1st, not 31 December."""
    stored = dt.datetime(2025, 12, 31, 16, 30, tzinfo=dt.UTC)
    assert stored.date() == dt.date(2025, 12, 31)  # the UTC day, which the rule replaces
    assert dates.local_day(stored) == dt.date(2026, 1, 1)
    assert dates.local_day(dt.datetime(2026, 1, 1, 15, 59, tzinfo=dt.UTC)) == dt.date(2026, 1, 1)


@pytest.mark.parametrize("year", [10000, TODAY.year + dates.PLAN_YEARS_AHEAD + 1, 1999])
def test_a_plan_year_is_bounded(year: int) -> None:
    assert dates.check_plan_year(TODAY.year + dates.PLAN_YEARS_AHEAD, TODAY) > TODAY.year
    assert _refused(dates.check_plan_year, year, TODAY).field == ["year"]
