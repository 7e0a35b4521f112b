"""Years and dates as the assess service takes them in, the same way for every write.

- A write about a year (an assessment, stars, a five-good, a 七一 list, a milestone…) names a
  year from FIRST_YEAR to the current one: a later year has not happened, an earlier one is
  a typo (nothing in this system is graded before 2000).
- A date of something that happened (a sitting, a survey, a determination, a goal done, an
  attestation) is not in the future, nor before EARLIEST: a facility or a work rule may
  predate the system's years, so the floor of dates lies before FIRST_YEAR.
- Plans (goal due dates, the milestone schedule) may lie ahead; a plan view's year is bounded
  (`check_plan_year`: FIRST_YEAR to PLAN_YEARS_AHEAD years ahead).

Today is the machine's date (`today()`); domain code takes it as an argument so tests can
set it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from services.common.errors import DomainError, UserErrorCode, field_path

FIRST_YEAR = 2000
EARLIEST = dt.date(1990, 1, 1)
PLAN_YEARS_AHEAD = 50  # plan views look ahead this far at most


def today() -> dt.date:
    """The current day, by the machine's clock."""
    return dt.date.today()


def local_day(ts: dt.datetime) -> dt.date:
    """The machine's local day of a stored instant (timestamps are stored in UTC): the same
    clock as `today()`, so a step taken at 00:30 local time is not dated the day before."""
    return ts.astimezone().date()


def check_year(
    year: int, today: dt.date, field: str | Sequence[str] = "year", *, latest: int | None = None
) -> int:
    """A year a write is about: FIRST_YEAR to the current year (or `latest`, for the few
    writes that may name the next year); INVALID otherwise."""
    last = today.year if latest is None else latest
    if year > last:
        raise DomainError(
            UserErrorCode.INVALID,
            f"年度不能晚于{last}年：{year}",
            f"The year {year} is after {last}",
            field_path(field),
        )
    if year < FIRST_YEAR:
        raise DomainError(
            UserErrorCode.INVALID,
            f"年度不能早于{FIRST_YEAR}年：{year}",
            f"The year {year} is before {FIRST_YEAR}",
            field_path(field),
        )
    return year


def check_plan_year(year: int, today: dt.date, field: str | Sequence[str] = "year") -> int:
    """A year a plan view is about (the milestones' schedule, statuses, a preview): FIRST_YEAR
    to PLAN_YEARS_AHEAD years ahead; INVALID otherwise (a year past 9999 is no date at all)."""
    return check_year(year, today, field, latest=today.year + PLAN_YEARS_AHEAD)


def past_date(value: dt.date, field: str | Sequence[str], today: dt.date) -> dt.date:
    """DOMAIN: a record tells what happened — its date is not in the future (nor before
    EARLIEST: a typo, not a record)."""
    if value > today:
        raise DomainError(
            UserErrorCode.INVALID,
            f"日期不能晚于今天：{value}",
            f"The date {value} is in the future",
            field_path(field),
        )
    if value < EARLIEST:
        raise DomainError(
            UserErrorCode.INVALID,
            f"日期过早：{value}",
            f"The date {value} is before {EARLIEST}",
            field_path(field),
        )
    return value


def date_within(
    value: dt.date, first: dt.date, last: dt.date, field: str | Sequence[str]
) -> dt.date:
    """INVALID unless first <= value <= last (both days included)."""
    if not first <= value <= last:
        raise DomainError(
            UserErrorCode.INVALID,
            f"日期应在{first}至{last}之间：{value}",
            f"The date {value} must be from {first} to {last}",
            field_path(field),
        )
    return value
