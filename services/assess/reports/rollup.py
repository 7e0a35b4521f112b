"""The district's roll-up of the street offices' monthly reports: who has submitted, each
street's averages, rankings of communities and streets, and trends over the months.

DOMAIN "Monthly supervision": the department "inspects monthly, then reviews and circulates
results" (月讲评). Everything here is read from the stored report snapshots, never from live
data, so a circulated ranking can be reproduced later.

- Only submitted (报送) reports count: the rankings, the district's totals, the grade
  distribution and the trend are of submitted reports. A draft can still change (regenerated,
  edited) and its street has not reported yet: ranking it beside submitted ones would circulate
  figures the street never sent (issue 15, 11.). Streets with a draft or no report are listed
  apart as not submitted (`not_submitted`), their own draft figures beside them.
- Rankings are by score (highest first), ties broken by indicators met; communities (or
  streets) equal on both share a rank (1, 2, 2, 4). A street's score is its communities'
  average.
- Coverage shares are pooled (all covered buildings over all buildings), not averages of
  shares, so a large community weighs as much as its buildings.
- Trends: one point per month that has reports, over the `months` months up to the one asked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.assess.reports.monthly import (
    GAP_KEYS,
    IndicatorNames,
    Month,
    Report,
    find_reports,
    indicator_names,
    percent,
)
from services.assess.standard.tables import standard
from services.common.subgraph_client import SubgraphClient

SUBMITTED = "submitted"  # the one report status that counts in the roll-up


@dataclass(frozen=True)
class Totals:
    """A set of report rows summed up: a report's totals row, a street, a month."""

    communities: int
    average_score: float | None
    average_passed: float | None  # indicators met, on average
    meets_standard: int  # communities meeting 三有四化
    compliance_percent: float | None  # of communities meeting 三有四化
    buildings: int
    covered: int
    building_percent: float | None
    zones: int
    zones_with_organization: int
    zone_percent: float | None
    gap_counts: dict[str, int]


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def totals(rows: Sequence[Mapping[str, Any]]) -> Totals:
    buildings = sum(r["buildings"] for r in rows)
    covered = sum(r["covered"] for r in rows)
    zones = sum(r["zones"] for r in rows)
    held = sum(r["zones_with_organization"] for r in rows)
    meets = sum(bool(r["meets_standard"]) for r in rows)
    return Totals(
        communities=len(rows),
        average_score=_mean([float(r["score"]) for r in rows]),
        average_passed=_mean([len(r["passed_codes"]) for r in rows]),
        meets_standard=meets,
        compliance_percent=percent(meets, len(rows)),
        buildings=buildings,
        covered=covered,
        building_percent=percent(covered, buildings),
        zones=zones,
        zones_with_organization=held,
        zone_percent=percent(held, zones),
        gap_counts={k: sum(r["gap_counts"].get(k, 0) for r in rows) for k in GAP_KEYS},
    )


def ranks(items: Sequence[Any], key: Callable[[Any], tuple]) -> list[tuple[int, Any]]:
    """Competition ranking (1, 2, 2, 4) by `key`, best (largest) first."""
    ordered = sorted(items, key=lambda item: tuple(-k for k in key(item)))
    ranked: list[tuple[int, Any]] = []
    for index, item in enumerate(ordered):
        tied = ranked and key(ranked[-1][1]) == key(item)
        ranked.append((ranked[-1][0] if tied else index + 1, item))
    return ranked


@dataclass(frozen=True)
class TrendPoint:
    month: str
    totals: Totals


def trend(reports: Iterable[Report]) -> list[TrendPoint]:
    """One point per month of the reports, oldest first."""
    by_month: dict[str, list[dict]] = defaultdict(list)
    for report in reports:
        by_month[report.head["month"]].extend(report.rows)
    return [TrendPoint(m, totals(by_month[m])) for m in sorted(by_month)]


@dataclass(frozen=True)
class GradeCount:
    grade_id: str
    name: str
    name_en: str
    count: int


async def grade_distribution(conn: AsyncConnection, reports: Sequence[Report]) -> list[GradeCount]:
    """How many communities stand at each grade, in the standard's order (best first); every
    grade of the reports' standards is listed, with 0 where none stands."""
    ids = sorted({r.head["standard_id"] for r in reports})
    grades: dict[str, tuple[float, str, str]] = {}
    if ids:
        rows = await conn.execute(select(standard.c.grades).where(standard.c.id.in_(ids)))
        for (bands,) in rows:
            for band in bands:
                grades.setdefault(
                    band["id"], (-float(band["min_score"]), band["name"], band["name_en"])
                )
    counts: dict[str, int] = defaultdict(int)
    for report in reports:
        for row in report.rows:
            counts[row["grade_id"]] += 1
            grades.setdefault(row["grade_id"], (1.0, row["grade_name"], row["grade_name_en"]))
    return [
        GradeCount(gid, name, name_en, counts[gid])
        for gid, (_, name, name_en) in sorted(grades.items(), key=lambda g: g[1][0])
    ]


@dataclass(frozen=True)
class StreetStatus:
    code: str
    name: str
    report: Report | None  # None: not generated yet
    totals: Totals | None
    rank: int | None  # among streets with a report

    @property
    def status(self) -> str:
        return "not_generated" if self.report is None else self.report.head["status"]

    @property
    def submitted(self) -> bool:
        return self.status == SUBMITTED


@dataclass(frozen=True)
class RankedCommunity:
    rank: int
    street_code: str
    street_name: str
    row: dict[str, Any]


@dataclass(frozen=True)
class Rollup:
    district_code: str
    district_name: str
    month: Month
    streets: list[StreetStatus]  # by code
    community_ranking: list[RankedCommunity]
    trend: list[TrendPoint]
    grades: list[GradeCount]
    indicator_names: IndicatorNames  # of the standards of this month's reports

    @property
    def street_ranking(self) -> list[StreetStatus]:
        """Streets that submitted, by rank."""
        return sorted((s for s in self.streets if s.rank is not None), key=lambda s: s.rank or 0)

    @property
    def not_submitted(self) -> list[StreetStatus]:
        """Streets with a draft or no report, by code: outside the rankings and totals."""
        return [s for s in self.streets if not s.submitted]

    @property
    def totals(self) -> Totals:
        return totals([r for s in self.streets if s.submitted and s.report for r in s.report.rows])


DISTRICT_STREETS = """
query ReportDistrictStreets($district: String!) {
  region(code: $district) { code name level children { code name level } }
}
"""


def _score_key(row: Mapping[str, Any]) -> tuple:
    return (float(row["score"]), len(row["passed_codes"]))


async def rollup(
    engine: AsyncEngine, org: SubgraphClient, district_code: str, month: Month, months: int
) -> Rollup | None:
    """The district's roll-up for `month`; None when org has no such district.

    Org is asked before a pooled connection is taken, so none is held while it
    answers."""
    data = await org.query(DISTRICT_STREETS, {"district": district_code})
    region = data.get("region")
    if region is None or region["level"] != "DISTRICT":
        return None
    named = {
        c["code"]: c["name"] for c in region["children"] if c["level"] in ("STREET", "TOWNSHIP")
    }
    async with engine.connect() as conn:
        reports = await find_reports(
            conn, street_codes=sorted(named), months=[str(m) for m in month.back(months)]
        )
        current = {r.head["street_code"]: r for r in reports if r.head["month"] == str(month)}
        submitted = {code: r for code, r in current.items() if r.head["status"] == SUBMITTED}
        grades = await grade_distribution(conn, list(submitted.values()))
        names = await indicator_names(conn, [r.head["standard_id"] for r in current.values()])
    street_totals = {s: totals(current[s].rows) for s in sorted(named) if s in current}
    reported = [s for s in sorted(named) if s in submitted]
    street_rank = {
        code: rank
        for rank, code in ranks(
            reported,
            key=lambda s: (
                street_totals[s].average_score or 0.0,
                street_totals[s].average_passed or 0.0,
            ),
        )
    }
    streets = [
        StreetStatus(
            code,
            named[code],
            current.get(code),
            street_totals.get(code),
            street_rank.get(code),
        )
        for code in sorted(named)
    ]
    everyone = [
        (r.head["street_code"], r.head["street_name"], row)
        for r in submitted.values()
        for row in r.rows
    ]
    community_ranking = [
        RankedCommunity(rank, street, name, row)
        for rank, (street, name, row) in ranks(everyone, key=lambda e: _score_key(e[2]))
    ]
    return Rollup(
        district_code=district_code,
        district_name=region["name"],
        month=month,
        streets=streets,
        community_ranking=community_ranking,
        trend=trend(r for r in reports if r.head["status"] == SUBMITTED),
        grades=grades,
        indicator_names=names,
    )
