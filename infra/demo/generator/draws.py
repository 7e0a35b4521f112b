"""Seeded draws shared by every stage: ids, random streams, picks, splits and dates."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

T = TypeVar("T")


AS_OF = dt.date(2020, 4, 30)  # the snapshot date: "today" for ages and Party standing


# Any fixed UUID: ids are uuid5(namespace, "<seed>/<stable name>").
NAMESPACE = uuid.UUID("3f0b7c52-8e1d-5a4e-9c27-6d2b1f4a9e80")


# Random streams, one per stage, so that changing one stage leaves the others' draws alone.
STAGE_LAYOUT, STAGE_PLAN, STAGE_GRID, STAGE_ORGS, STAGE_PEOPLE = range(5)


STAGE_REGIONAL, STAGE_LIFE = 5, 6  # the regional pattern (plan 三) and member life (plan 五)


@dataclass(frozen=True)
class Ids:
    seed: int

    def __call__(self, *parts: object) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, "/".join(str(p) for p in (self.seed, *parts)))


def stage_rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, *keys])


def pick(rng: np.random.Generator, options: Sequence[T]) -> T:
    """One of options, uniformly (cheaper than rng.choice for a single draw)."""
    return options[int(rng.integers(len(options)))]


def pick_weighted(rng: np.random.Generator, options: Sequence[T], cumulative: np.ndarray) -> T:
    """One of options, weighted by the cumulative shares in cumulative (last entry 1)."""
    index = int(np.searchsorted(cumulative, rng.random(), side="right"))
    return options[min(index, len(options) - 1)]


def split_total(total: int, weights: list[float]) -> list[int]:
    """Split total into integer parts proportional to weights (largest remainders)."""
    if not weights:
        return []
    exact = total * np.asarray(weights) / sum(weights)
    parts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - parts), kind="stable")[: total - parts.sum()]:
        parts[i] += 1
    return parts.tolist()


def random_day(rng: np.random.Generator, low: dt.date, high: dt.date) -> dt.date:
    """A day from low to high inclusive, uniformly."""
    return dt.date.fromordinal(int(rng.integers(low.toordinal(), high.toordinal() + 1)))


def after(day: dt.date, *floors: dt.date | None) -> dt.date:
    """day, moved up to the latest of floors, and never past AS_OF."""
    return min(max(day, *(f for f in floors if f is not None)), AS_OF)


def plus_years(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year + years, day=min(day.day, 28) if day.month == 2 else day.day)
