"""Monthly supervision reports (月报表): generate a street office's report from live data, keep
it as a snapshot, compare it with last month's (its commentary, submission and return:
`reports.lifecycle`; the district's roll-up: `reports.rollup`).

DOMAIN "Monthly supervision" (月督查、月报表、月汇报、月讲评): each township/street office
submits a monthly progress report; the department inspects monthly, reviews and circulates
results. Issue 7 (6.): per community "indicators met, grade, coverage, changes since last
month", editable commentary, then submitted and locked.

- One report per street office (9-digit code) and month (YYYY-MM); a month after the
  current one is refused (nothing has happened in it yet).
- Generating reads the street's communities and their coverage from org and grid (as the
  assess service) and scores them with `assessing.assess`; the result is stored row by row
  so a report never changes when live data does. Regenerating a draft replaces its rows and
  keeps its commentary (and the remarks of communities still in it).
- Changes are against the report of the calendar month before, if the street has one
  (draft or submitted), computed when generating and stored with the snapshot.
- A submitted report is locked: editing or regenerating it is refused (CONFLICT, rule
  `report.locked`) and nothing is written. The district may return it (with a reason) to
  draft; the return is kept on the report.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.assess.grading import reads as grading_reads
from services.assess.grading.assessing import assess, standard_rows
from services.assess.grading.scoring import Score
from services.assess.metrics import catalog as metrics
from services.assess.metrics.reads import GridCounts
from services.assess.reports.tables import monthly_report, monthly_report_row
from services.assess.shared import dates
from services.assess.shared.document_owners import district_of
from services.assess.shared.peers import Peers
from services.assess.standard.tables import indicator
from services.common.auth import is_region_code
from services.common.errors import DomainError, UserErrorCode
from services.common.subgraph_client import SubgraphClient, SubgraphUnavailableError

LOCKED_RULE = "report.locked"
_MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")
GAP_KEYS = ("building_with_members", "building", "zone", "orphan", "not_reported_in")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def zh(self) -> str:
        return f"{self.year}年{self.month}月"

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def back(self, n: int) -> list[Month]:
        """The last `n` months up to and including this one, this one first."""
        window = [self]
        while len(window) < n:
            window.append(window[-1].previous())
        return window

    def last_day(self) -> dt.date:
        following = (
            Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)
        )
        return dt.date(following.year, following.month, 1) - dt.timedelta(days=1)

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)


def parse_month(text: str, *, today: dt.date) -> Month:
    """`YYYY-MM`, from 2000 and not after the current month; DomainError INVALID otherwise."""
    found = _MONTH.match(text or "")
    if found is None:
        raise DomainError(
            UserErrorCode.INVALID,
            f"月份格式应为“年-月”，如2020-05：{text}",
            f"A month is YYYY-MM: {text!r}",
            ["month"],
        )
    month = Month(int(found[1]), int(found[2]))
    dates.check_year(month.year, today, "month")  # like every write about a year
    if month > Month.of(today):
        raise DomainError(
            UserErrorCode.INVALID,
            f"不能为未来的月份填报：{text}",
            f"The month {text} is in the future",
            ["month"],
        )
    return month


def check_street_code(code: str, field: str = "streetCode") -> str:
    if not (is_region_code(code) and len(code) == 9):
        raise DomainError(
            UserErrorCode.INVALID,
            f"街道（乡）代码应为9位数字：{code}",
            f"A street office or township code has 9 digits: {code!r}",
            [field],
        )
    return code


def locked_error(report: Mapping[str, Any]) -> DomainError:
    return DomainError(
        UserErrorCode.CONFLICT,
        f"{report['month']}月报表已报送锁定，不能修改（须由区委组织部退回）",
        f"The report of {report['month']} is submitted and locked; the district may return it",
        ["id"],
        rule=LOCKED_RULE,
    )


# --- What the graph says about a street ------------------------------------------------------

STREET_FACTS = """
query ReportStreetFacts($street: String!) {
  region(code: $street) { code name level }
  communities(regionCode: $street) { code name }
}
"""


@dataclass(frozen=True)
class Coverage:
    """One community's coverage figures (grid's CommunityCoverage)."""

    buildings: int = 0
    covered: int = 0
    zones: int = 0
    zones_with_organization: int = 0
    gap_counts: Mapping[str, int] | None = None

    @classmethod
    def of(cls, grid: GridCounts | None) -> Coverage:
        """From the grid part of the assessment's read (none: grid has not mapped it)."""
        if grid is None:
            return cls()
        return cls(
            buildings=grid.buildings,
            covered=grid.covered,
            zones=grid.zones,
            zones_with_organization=grid.zones - grid.zones_without_organization,
            gap_counts=grid.gap_counts.model_dump(),
        )


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


@dataclass(frozen=True)
class StreetFacts:
    code: str
    name: str
    communities: list[tuple[str, str]]  # (code, name) by code
    coverage: dict[str, Coverage]  # from the same read the communities are assessed on


async def read_street(org: SubgraphClient, code: str) -> StreetFacts | None:
    """The street's name and communities (coverage still empty: `generate` fills it from the
    assessment's read); None when org has no such street office or township."""
    data = await org.query(STREET_FACTS, {"street": code})
    region = data.get("region")
    if region is None or region["level"] not in ("STREET", "TOWNSHIP"):
        return None
    communities = sorted((c["code"], c["name"]) for c in data["communities"])
    return StreetFacts(code, region["name"], communities, {})


# --- Snapshot and changes (pure) -------------------------------------------------------------


def snapshot_row(
    position: int,
    code: str,
    name: str,
    scored: Score,
    coverage: Coverage,
    determined: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """One community's row of the report, as stored."""
    grade = determined or scored.grade
    return {
        "community_code": code,
        "position": position,
        "name": name,
        "score": scored.score,
        "grade_id": grade["id"],
        "grade_name": grade["name"],
        "grade_name_en": grade["name_en"],
        "grade_determined": determined is not None,
        "meets_standard": scored.meets_standard,
        "passed_codes": [r.code for r in scored.results if r.passed],
        "failed_codes": [r.code for r in scored.results if not r.passed],
        "buildings": coverage.buildings,
        "covered": coverage.covered,
        "zones": coverage.zones,
        "zones_with_organization": coverage.zones_with_organization,
        "gap_counts": {k: int((coverage.gap_counts or {}).get(k, 0)) for k in GAP_KEYS},
        "remark": "",
    }


def _delta(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 2)


def change_between(now: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, Any]:
    """What changed in one community since last month's snapshot."""
    before_passed, before_failed = set(before["passed_codes"]), set(before["failed_codes"])
    return {
        "score_delta": round(float(now["score"]) - float(before["score"]), 2),
        "newly_met": [c for c in now["passed_codes"] if c in before_failed],
        "newly_failed": [c for c in now["failed_codes"] if c in before_passed],
        "building_percent_delta": _delta(
            percent(now["covered"], now["buildings"]),
            percent(before["covered"], before["buildings"]),
        ),
        "zone_percent_delta": _delta(
            percent(now["zones_with_organization"], now["zones"]),
            percent(before["zones_with_organization"], before["zones"]),
        ),
        "gaps_delta": sum(now["gap_counts"].values()) - sum(before["gap_counts"].values()),
    }


# --- Reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    head: dict[str, Any]
    rows: list[dict[str, Any]]  # by position

    @property
    def locked(self) -> bool:
        return self.head["status"] == "submitted"


async def _rows_of(conn: AsyncConnection, report_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list]:
    found: dict[uuid.UUID, list] = {i: [] for i in report_ids}
    if not report_ids:
        return found
    result = await conn.execute(
        select(monthly_report_row)
        .where(monthly_report_row.c.report_id.in_(report_ids))
        .order_by(monthly_report_row.c.report_id, monthly_report_row.c.position)
    )
    for row in result.mappings():
        found[row["report_id"]].append(dict(row))
    return found


async def find_reports(
    conn: AsyncConnection,
    *,
    street_codes: Sequence[str] | None = None,
    months: Sequence[str] | None = None,
    ids: Sequence[uuid.UUID] | None = None,
    lock: bool = False,
) -> list[Report]:
    """Reports with their rows, by street and month."""
    query = select(monthly_report).order_by(monthly_report.c.street_code, monthly_report.c.month)
    if street_codes is not None:
        query = query.where(monthly_report.c.street_code.in_(street_codes))
    if months is not None:
        query = query.where(monthly_report.c.month.in_(months))
    if ids is not None:
        query = query.where(monthly_report.c.id.in_(ids))
    if lock:
        query = query.with_for_update()
    heads = [dict(r) for r in (await conn.execute(query)).mappings()]
    rows = await _rows_of(conn, [h["id"] for h in heads])
    return [Report(h, rows[h["id"]]) for h in heads]


async def find_report(conn: AsyncConnection, street_code: str, month: Month) -> Report | None:
    found = await find_reports(conn, street_codes=[street_code], months=[str(month)])
    return found[0] if found else None


# An indicator's name by standard id and code: workbooks name a failed indicator, never a
# bare code (issue 15, 10.: 未达标指标 read "P2、W3").
IndicatorNames = dict[str, dict[str, str]]


async def indicator_names(conn: AsyncConnection, standard_ids: Sequence[str]) -> IndicatorNames:
    """The indicators' Chinese names of the standards the reports were scored under."""
    found: IndicatorNames = {s: {} for s in standard_ids}
    if standard_ids:
        query = select(indicator.c.standard_id, indicator.c.code, indicator.c.name).where(
            indicator.c.standard_id.in_(sorted(set(standard_ids)))
        )
        for standard_id, code, name in await conn.execute(query):
            found[standard_id][code] = name
    return found


# --- Writing ---------------------------------------------------------------------------------


async def generate(
    engine: AsyncEngine,
    peers: Peers,
    *,
    street_code: str,
    month: Month,
    by: str,
    now: dt.datetime | None = None,
) -> Report:
    """Generate (or regenerate, while draft) the street's report of `month` from live data.

    The graph is read before the write transaction opens, so no lock is held while org
    and grid answer; the lock is checked again inside it.
    """
    now = now or dt.datetime.now(dt.UTC)
    async with engine.connect() as conn:
        existing = await find_report(conn, street_code, month)
    if existing is not None and existing.locked:
        raise locked_error(existing.head)
    rows = await standard_rows(engine, None, district_of(street_code))
    if rows is None:
        raise DomainError(
            UserErrorCode.NOT_FOUND, "尚无现行评价标准", "No current grading standard", None
        )
    try:
        facts = await read_street(peers.org, street_code)
        if facts is None:
            raise DomainError(
                UserErrorCode.NOT_FOUND,
                f"未找到街道（乡）：{street_code}",
                f"No street office or township {street_code}",
                ["streetCode"],
            )
        codes = [code for code, _ in facts.communities]
        # `now` is UTC; the month's days are local (dates.today()): compare local days.
        as_of = min(month.last_day(), dates.local_day(now))
        # One read of the graph: the computed indicators and the report's coverage figures.
        computed = [r for r in rows.indicators if r["measured"] == "computed"]
        graph = await metrics.read(peers, computed, codes, as_of, grid=True)
        scores = await assess(engine, peers, rows, codes, month.year, as_of, graph)
        facts = replace(facts, coverage={c: Coverage.of(g.grid) for c, g in graph.items()})
    except SubgraphUnavailableError as down:
        raise down.refusal(
            "无法读取组织和网格数据", "the org and grid data cannot be read"
        ) from down
    async with engine.begin() as conn:
        return await _store(conn, facts, scores, rows.standard["id"], month, by, now)


async def _store(  # noqa: PLR0913 -- the report's parts as generate() computed them, stored in one statement
    conn: AsyncConnection,
    facts: StreetFacts,
    scores: Mapping[str, Score],
    standard_id: str,
    month: Month,
    by: str,
    now: dt.datetime,
) -> Report:
    previous = await find_report(conn, facts.code, month.previous())
    before = {r["community_code"]: r for r in previous.rows} if previous else {}
    codes = [code for code, _ in facts.communities]
    determined_of = await grading_reads.determined_grades(conn, codes, month.year)
    new_rows = []
    for position, (code, name) in enumerate(facts.communities, start=1):
        determined = determined_of.get(code)
        row = snapshot_row(
            position, code, name, scores[code], facts.coverage.get(code, Coverage()), determined
        )
        row["change"] = change_between(row, before[code]) if code in before else None
        new_rows.append(row)
    values = {
        "street_name": facts.name,
        "standard_id": standard_id,
        "compared_month": str(month.previous()) if previous else None,
        "generated_by": by,
        "generated_at": now,
    }
    statement = pg_insert(monthly_report).values(
        id=uuid.uuid4(), street_code=facts.code, month=str(month), status="draft", **values
    )
    upserted = statement.on_conflict_do_update(
        constraint="monthly_report_street_month",
        set_={**values, "revision": monthly_report.c.revision + 1},
        where=monthly_report.c.status == "draft",  # a submitted report stays as it is
    ).returning(monthly_report.c.id)
    report_id = (await conn.execute(upserted)).scalar()
    if report_id is None:  # submitted between our first look and now
        raise locked_error({"month": str(month)})
    remarks = await conn.execute(
        delete(monthly_report_row)
        .where(monthly_report_row.c.report_id == report_id)
        .returning(monthly_report_row.c.community_code, monthly_report_row.c.remark)
    )
    kept = dict(remarks.tuples().all())
    for row in new_rows:
        row["remark"] = kept.get(row["community_code"], "")
    await conn.execute(
        insert(monthly_report_row), [{"report_id": report_id, **r} for r in new_rows]
    )
    return (await find_reports(conn, ids=[report_id]))[0]
