"""The plan's schedule: its dated milestones of a year, from data (the milestones package's
data/milestones.yaml).

Kept below the packages: grading takes the goals' default deadline from it (plan (一): all
communities meet 三有四化 by 10-31) and the milestones package tracks each community against
it, so neither package imports the other for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

# Data of the milestones package (the plan's deadlines); read here, imported by no one.
MILESTONES_FILE = Path(__file__).resolve().parent.parent / "milestones" / "data" / "milestones.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MilestoneData(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,47}$")
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    due: str = Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")  # MM-DD
    applies_to: Literal["all", "pilot"]
    proof: Literal["determined", "indicators", "meets_standard", "attested"]
    indicators: list[str] = Field(default_factory=list)
    plan_clause: str = ""

    @model_validator(mode="after")
    def _indicators_for_indicators(self) -> MilestoneData:
        if (self.proof == "indicators") != bool(self.indicators):
            raise ValueError("indicators are listed exactly when proof is `indicators`")
        return self


class ScheduleData(_Strict):
    plan: str
    milestones: list[MilestoneData] = Field(min_length=1)
    years: dict[int, dict[str, dt.date]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> ScheduleData:
        ids = [m.id for m in self.milestones]
        if len(set(ids)) != len(ids):
            raise ValueError("milestone ids must be unique")
        for year, moved in self.years.items():
            for key, due in moved.items():
                if key not in ids:
                    raise ValueError(f"years.{year}: unknown milestone {key}")
                if due.year != year:
                    raise ValueError(f"years.{year}.{key}: {due} is not in {year}")
        for m in self.milestones:  # every month-day exists in a leap year at least
            dt.date(2000, *map(int, m.due.split("-")))
        return self


@cache
def schedule_data(path: Path = MILESTONES_FILE) -> ScheduleData:
    return ScheduleData.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Milestone:
    id: str
    name: str
    name_en: str
    year: int
    due: dt.date
    applies_to: str
    proof: str
    indicators: tuple[str, ...]
    plan_clause: str

    def applies(self, is_pilot: bool) -> bool:
        return self.applies_to == "all" or is_pilot


def schedule(year: int, data: ScheduleData | None = None) -> list[Milestone]:
    """The milestones of one year, by deadline."""
    data = data or schedule_data()
    moved = data.years.get(year, {})
    found = []
    for m in data.milestones:
        month, day = map(int, m.due.split("-"))
        due = moved.get(m.id) or _clamped(year, month, day)
        found.append(
            Milestone(
                m.id,
                m.name,
                m.name_en,
                year,
                due,
                m.applies_to,
                m.proof,
                tuple(m.indicators),
                m.plan_clause,
            )
        )
    # Stable: milestones due the same day stay in the schedule's order.
    return sorted(found, key=lambda m: m.due)


def _clamped(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:  # 02-29 in a common year
        return dt.date(year, month, day - 1)
