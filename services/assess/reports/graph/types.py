"""The GraphQL types of monthly reports: a report, its rows and totals, the roll-up.
Built from the domain's rows (`services.assess.reports.monthly`, `services.assess.reports.rollup`)."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

import strawberry

from services.assess.reports import monthly as reports
from services.assess.reports import rollup as report_rollup
from services.assess.reports.access import visible_rows
from services.common.auth import Identity


@strawberry.enum(description="Where a street office's report of a month stands.")
class ReportStatus(Enum):
    NOT_GENERATED = "not_generated"
    DRAFT = "draft"  # editable, may be regenerated
    SUBMITTED = "submitted"  # 已报送: locked


@strawberry.type(description="Coverage gaps by kind, as the report snapshot holds them.")
class ReportGapCounts:
    building_with_members: int
    building: int
    zone: int
    orphan: int
    not_reported_in: int


@strawberry.type(description="Coverage figures of a report row or total (grid's, at generation).")
class ReportCoverage:
    buildings: int
    covered: int
    building_percent: float | None = strawberry.field(description="楼栋覆盖率, %.")
    zones: int
    zones_with_organization: int
    zone_percent: float | None = strawberry.field(
        description="片区覆盖率: zones with their grid branch or group, %."
    )
    gap_counts: ReportGapCounts

    @classmethod
    def of(cls, figures: Any) -> ReportCoverage:
        return cls(
            buildings=figures["buildings"],
            covered=figures["covered"],
            building_percent=reports.percent(figures["covered"], figures["buildings"]),
            zones=figures["zones"],
            zones_with_organization=figures["zones_with_organization"],
            zone_percent=reports.percent(figures["zones_with_organization"], figures["zones"]),
            gap_counts=ReportGapCounts(**figures["gap_counts"]),
        )


@strawberry.type(description="What changed in a community since the previous month's report.")
class ReportChange:
    score_delta: float
    newly_met: list[str] = strawberry.field(description="Indicator codes newly met.")
    newly_failed: list[str] = strawberry.field(description="Indicator codes newly failed.")
    building_percent_delta: float | None = strawberry.field(description="Percentage points.")
    zone_percent_delta: float | None = strawberry.field(description="Percentage points.")
    gaps_delta: int = strawberry.field(description="Change in the number of coverage gaps.")


@strawberry.type(description="A community's grade in a report: determined, else computed.")
class ReportGrade:
    id: str
    name: str
    name_en: str
    determined: bool = strawberry.field(
        description="True: the street office's determined grade (认定); false: computed from "
        "the score (测算, not yet determined)."
    )

    @strawberry.field(description="For the table: e.g. 先进（认定） or 较好（测算·未认定）.")
    def label(self) -> str:
        return f"{self.name}（{'认定' if self.determined else '测算·未认定'}）"

    @strawberry.field
    def label_en(self) -> str:
        return f"{self.name_en} ({'determined' if self.determined else 'computed, not determined'})"


@strawberry.type(description="One community of a monthly report, as it stood when generated.")
class ReportCommunity:
    code: str
    name: str
    position: int
    score: float = strawberry.field(description="Weighted score, 0-100 (assessing).")
    grade: ReportGrade
    meets_standard: bool = strawberry.field(description="Meets 三有四化.")
    indicators_passed: int
    indicators_total: int
    passed_indicators: list[str]
    failed_indicators: list[str] = strawberry.field(description="未达标指标, in standard order.")
    coverage: ReportCoverage
    change: ReportChange | None = strawberry.field(
        description="Since the previous month's report; null when there is none."
    )
    remark: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ReportCommunity:
        change = row["change"]
        return cls(
            code=row["community_code"],
            name=row["name"],
            position=row["position"],
            score=float(row["score"]),
            grade=ReportGrade(
                id=row["grade_id"],
                name=row["grade_name"],
                name_en=row["grade_name_en"],
                determined=row["grade_determined"],
            ),
            meets_standard=row["meets_standard"],
            indicators_passed=len(row["passed_codes"]),
            indicators_total=len(row["passed_codes"]) + len(row["failed_codes"]),
            passed_indicators=list(row["passed_codes"]),
            failed_indicators=list(row["failed_codes"]),
            coverage=ReportCoverage.of(row),
            change=ReportChange(**change) if change is not None else None,
            remark=row["remark"],
        )


@strawberry.type(description="Sums and averages over a set of report rows.")
class ReportTotals:
    communities: int
    average_score: float | None
    average_indicators_passed: float | None
    meets_standard: int = strawberry.field(description="Communities meeting 三有四化.")
    compliance_percent: float | None = strawberry.field(
        description="Share of communities meeting 三有四化, %."
    )
    coverage: ReportCoverage = strawberry.field(description="Pooled over the rows.")

    @classmethod
    def of(cls, t: report_rollup.Totals) -> ReportTotals:
        return cls(
            communities=t.communities,
            average_score=t.average_score,
            average_indicators_passed=t.average_passed,
            meets_standard=t.meets_standard,
            compliance_percent=t.compliance_percent,
            coverage=ReportCoverage.of(t.__dict__),
        )


@strawberry.type(description="工作进展、存在问题、下月计划.")
class ReportCommentary:
    progress: str
    problems: str
    next_plan: str


@strawberry.type(description="A street office's monthly supervision report (月报表).")
class MonthlyReport:
    id: strawberry.ID
    street_code: str
    street_name: str
    month: str = strawberry.field(description="YYYY-MM.")
    status: ReportStatus
    standard_id: str = strawberry.field(description="The grading standard it was scored under.")
    compared_month: str | None = strawberry.field(
        description="The month the changes are against; null: no previous month's report."
    )
    commentary: ReportCommentary
    generated_by: str
    generated_at: dt.datetime
    submitted_by: str | None
    submitted_at: dt.datetime | None
    returned_by: str | None
    returned_at: dt.datetime | None
    return_reason: str | None
    revision: int
    communities: list[ReportCommunity] = strawberry.field(
        description="The communities the caller sees, in order."
    )
    totals: ReportTotals = strawberry.field(description="Over the communities listed.")

    @strawberry.field(description="Where the .xlsx is downloaded (GET, signed in).")
    def download_path(self) -> str:
        return f"/reports/{self.street_code}/{self.month}.xlsx"

    @classmethod
    def of(cls, report: reports.Report, identity: Identity) -> MonthlyReport:
        h = report.head
        rows = visible_rows(report, identity)
        return cls(
            id=strawberry.ID(str(h["id"])),
            street_code=h["street_code"],
            street_name=h["street_name"],
            month=h["month"],
            status=ReportStatus(h["status"]),
            standard_id=h["standard_id"],
            compared_month=h["compared_month"],
            commentary=ReportCommentary(
                progress=h["progress"], problems=h["problems"], next_plan=h["next_plan"]
            ),
            generated_by=h["generated_by"],
            generated_at=h["generated_at"],
            submitted_by=h["submitted_by"],
            submitted_at=h["submitted_at"],
            returned_by=h["returned_by"],
            returned_at=h["returned_at"],
            return_reason=h["return_reason"],
            revision=h["revision"],
            communities=[ReportCommunity.from_row(r) for r in rows],
            totals=ReportTotals.of(report_rollup.totals(rows)),
        )


@strawberry.type(description="A street office in the roll-up: its report's status and figures.")
class ReportStreetStatus:
    street_code: str
    street_name: str
    status: ReportStatus
    submitted_at: dt.datetime | None
    rank: int | None = strawberry.field(
        description="Among streets that submitted this month's report; null: not submitted."
    )
    totals: ReportTotals | None


@strawberry.type(description="A community in the district's ranking.")
class RankedReportCommunity:
    rank: int
    street_code: str
    street_name: str
    community: ReportCommunity


@strawberry.type(description="A month of the trend (from stored report snapshots).")
class ReportTrendPoint:
    month: str
    totals: ReportTotals


@strawberry.type(description="How many communities stand at a grade.")
class ReportGradeCount:
    grade_id: str
    name: str
    name_en: str
    count: int


def _street_status(s: report_rollup.StreetStatus) -> ReportStreetStatus:
    return ReportStreetStatus(
        street_code=s.code,
        street_name=s.name,
        status=ReportStatus(s.status),
        submitted_at=s.report.head["submitted_at"] if s.report else None,
        rank=s.rank,
        totals=ReportTotals.of(s.totals) if s.totals else None,
    )


@strawberry.type(description="The district's roll-up of its street offices' reports (月讲评).")
class MonthlyReportRollup:
    district_code: str
    district_name: str
    month: str
    streets: list[ReportStreetStatus] = strawberry.field(description="Every street, by code.")
    street_ranking: list[ReportStreetStatus] = strawberry.field(
        description="Streets that submitted, by average score, ties by indicators met."
    )
    not_submitted: list[ReportStreetStatus] = strawberry.field(
        description="Streets with a draft or no report this month, by code: listed apart, "
        "outside the rankings, the totals, the trend and the grades."
    )
    community_ranking: list[RankedReportCommunity] = strawberry.field(
        description="Communities of submitted reports, by score, ties by indicators met; "
        "equal on both, equal rank."
    )
    trend: list[ReportTrendPoint] = strawberry.field(
        description="Of submitted reports, oldest month first."
    )
    grade_distribution: list[ReportGradeCount] = strawberry.field(
        description="Of submitted reports."
    )
    totals: ReportTotals = strawberry.field(description="Of submitted reports.")

    @strawberry.field(description="Where the district's .xlsx is downloaded (GET, signed in).")
    def download_path(self) -> str:
        return f"/reports/{self.district_code}/{self.month}.xlsx"

    @classmethod
    def of(cls, r: report_rollup.Rollup) -> MonthlyReportRollup:
        return cls(
            district_code=r.district_code,
            district_name=r.district_name,
            month=str(r.month),
            streets=[_street_status(s) for s in r.streets],
            street_ranking=[_street_status(s) for s in r.street_ranking],
            not_submitted=[_street_status(s) for s in r.not_submitted],
            community_ranking=[
                RankedReportCommunity(
                    rank=c.rank,
                    street_code=c.street_code,
                    street_name=c.street_name,
                    community=ReportCommunity.from_row(c.row),
                )
                for c in r.community_ranking
            ],
            trend=[
                ReportTrendPoint(month=p.month, totals=ReportTotals.of(p.totals)) for p in r.trend
            ],
            grade_distribution=[
                ReportGradeCount(grade_id=g.grade_id, name=g.name, name_en=g.name_en, count=g.count)
                for g in r.grades
            ],
            totals=ReportTotals.of(r.totals),
        )
