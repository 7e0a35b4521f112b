"""From indicator measurements to a community's score, grade and 三有四化 verdict.

Pure functions over a standard's indicator rows (as stored) and what each measured.

- An indicator's credit is its value over its threshold, at most 1 (a pass earns the whole
  weight; a threshold of 0 passes anything measured). Unmeasured (no data, no record) earns 0.
- The score is 100 × Σ weight × credit / Σ weight, so it is on the 0-100 scale of the grade
  bands whatever the standard's total weight.
- The grade is the best band whose min_score the score reaches.
- DOMAIN: a community "meets 三有四化" when every indicator of groups 三有 and 四化 passes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.assess.shared.measures import NOT_MEASURED, Measured
from services.assess.standard.documents import GROUP_FAMILIES


@dataclass(frozen=True)
class IndicatorResult:
    code: str
    group: str
    weight: float
    threshold: float
    measured: Measured
    credit: float  # 0..1
    passed: bool


@dataclass(frozen=True)
class Score:
    score: float  # 0..100
    grade: dict[str, Any]  # the standard's grade band {"id", "name", "name_en", "min_score"}
    meets_standard: bool  # 三有四化: every indicator of both families passes
    results: tuple[IndicatorResult, ...]

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)


def result_of(row: Mapping[str, Any], measured: Measured) -> IndicatorResult:
    threshold = float(row["threshold"])
    value = measured.value
    if value is None:
        credit, passed = 0.0, False
    elif threshold <= 0:
        credit, passed = 1.0, True
    else:
        credit = min(1.0, max(0.0, value) / threshold)
        passed = value >= threshold - 1e-9  # shares computed as fractions (e.g. 9/10 vs 0.9)
    return IndicatorResult(
        code=row["code"],
        group=row["group_name"],
        weight=float(row["weight"]),
        threshold=threshold,
        measured=measured,
        credit=credit,
        passed=passed,
    )


def grade_for(score: float, grades: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The best band the score reaches (grades are stored best first, the last at 0)."""
    for grade in grades:
        if score >= float(grade["min_score"]) - 1e-9:
            return dict(grade)
    return dict(grades[-1])


def score(
    standard_row: Mapping[str, Any],
    indicator_rows: Sequence[Mapping[str, Any]],
    measured: Mapping[str, Measured],
) -> Score:
    """Score one community under one standard; indicators missing from `measured` earn 0."""
    results = tuple(
        result_of(row, measured.get(row["code"], NOT_MEASURED)) for row in indicator_rows
    )
    total = math.fsum(r.weight for r in results)
    earned = math.fsum(r.weight * r.credit for r in results)
    value = round(100 * earned / total, 2) if total else 0.0
    graded = [r for r in results if r.group.startswith(GROUP_FAMILIES)]
    return Score(
        score=value,
        grade=grade_for(value, standard_row["grades"]),
        meets_standard=bool(graded) and all(r.passed for r in graded),
        results=results,
    )
