"""`/console/overview/<district or street code>`: the communities under a district or street
office in one table (coverage, gaps with members, determined grade, 三有四化, rule findings,
overdue milestones), sortable by every column on the server, with a totals row; a district's
page also totals each street.

A fixed number of graph reads make the whole table, whatever the number of communities:
the region and its communities, then at once their coverage, determined assessments and
overdue milestones in one document and their findings in another (`communityCounts` takes
the community codes the first read gives; alone, it stays within the gateway's work limit
however many there are). What the caller may not read (a role the assess subgraph refuses) shows as "—"
with a note, not as a broken page.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from gateway.console.graph import PageRefusalError
from gateway.console.name_order import name_key
from gateway.console.nav import OVERVIEW
from gateway.console.page import Page, console_route
from gateway.maps.coverage import percent_text

SEVERITIES = ("ERROR", "WARNING", "INFO")
# A read the caller was refused -> the column it leaves empty (named in the page's note).
COLUMN_OF = {
    "coverage": "ov_coverage",
    "assessments": "ov_grade",
    "overdueMilestones": "ov_overdue",
    "communityCounts": "ov_findings",
}

# The region and its communities (cheap: org alone), then, at once, their figures and their
# findings.
REGION_QUERY = """
query ($r: String!) {
  region(code: $r) { code name nameEn level }
  communities(regionCode: $r) { code name nameEn region { parent { code name nameEn } } }
}"""

ASSESSMENTS = """
  assessments(regionCode: $r, state: DETERMINED, first: 200, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes {
      communityCode year
      determination { grade { id name nameEn minScore } }
      snapshots { step meetsStandard }
    }
  }"""

FIGURES_QUERY = f"""
query ($r: String!, $y: Int!, $after: String) {{
  coverage(regionCode: $r) {{
    communities {{ code buildings covered gapCounts {{ buildingWithMembers }} }}
  }}
  {ASSESSMENTS}
  overdueMilestones(regionCode: $r, year: $y) {{ streets {{ items {{ communityCode }} }} }}
}}"""

# Apart from the rest: alone, one call of any size is within the gateway's work limit
# (gateway.limits: an operation may weigh as much as its heaviest single call).
FINDINGS_QUERY = """
query ($codes: [String!]!) { communityCounts(communityCodes: $codes) { code findings { severity } } }"""

# More determined assessments than a page holds (several years of a big district).
MORE_ASSESSMENTS = f"""
query ($r: String!, $after: String) {{ {ASSESSMENTS}
}}"""


@dataclass
class Row:
    """One community (or, for `Totals`, a sum of them) as the table shows it."""

    code: str
    name: str
    street_code: str
    street: str
    buildings: int | None = None
    covered: int | None = None
    gaps: int | None = None
    grade: dict[str, Any] | None = None  # the latest determination's grade
    grade_year: int | None = None
    meets: bool | None = None
    findings: dict[str, int] | None = None
    overdue: int | None = None

    @property
    def coverage_text(self) -> str:
        if self.buildings is None or self.covered is None:
            return "—"
        return percent_text({"buildings": self.buildings, "covered": self.covered})

    @property
    def coverage_ratio(self) -> float | None:
        if not self.buildings or self.covered is None:
            return None
        return self.covered / self.buildings


@dataclass
class Totals:
    """A sum of rows: the table's last line, and each street's line on a district page."""

    code: str
    name: str
    communities: int = 0
    buildings: int = 0
    covered: int = 0
    gaps: int = 0
    determined: int = 0
    met: int = 0
    findings: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEVERITIES, 0))
    overdue: int = 0

    def add(self, row: Row) -> None:
        self.communities += 1
        self.buildings += row.buildings or 0
        self.covered += row.covered or 0
        self.gaps += row.gaps or 0
        self.determined += row.grade is not None
        self.met += bool(row.meets)
        for severity, n in (row.findings or {}).items():
            self.findings[severity] = self.findings.get(severity, 0) + n
        self.overdue += row.overdue or 0

    @property
    def coverage_text(self) -> str:
        return percent_text({"buildings": self.buildings, "covered": self.covered})


# column -> sort key of a row; None sorts last whichever the direction (see `sort_rows`).
SORTS: dict[str, Callable[[Row], Any]] = {
    "name": lambda r: name_key(r.name),
    "street": lambda r: (name_key(r.street), name_key(r.name)),
    "coverage": lambda r: r.coverage_ratio,
    "gaps": lambda r: r.gaps,
    "grade": lambda r: None if r.grade is None else r.grade["minScore"],
    "standard": lambda r: r.meets,
    "findings": lambda r: (
        None if r.findings is None else tuple(r.findings.get(s, 0) for s in SEVERITIES)
    ),
    "overdue": lambda r: r.overdue,
}


def sort_rows(rows: list[Row], column: str, direction: str) -> list[Row]:
    """Rows by `column` (name order breaking ties), rows without a value last."""
    key = SORTS[column]
    by_name = sorted(rows, key=lambda r: (name_key(r.name), r.code))
    known = [r for r in by_name if key(r) is not None]
    unknown = [r for r in by_name if key(r) is None]
    return sorted(known, key=key, reverse=direction == "desc") + unknown


def name_of(item: dict[str, Any], lang: str) -> str:
    return str(item.get("nameEn") or item["name"]) if lang == "en" else str(item["name"])


def build_rows(
    communities: list[dict[str, Any]],
    data: dict[str, Any],
    assessments: list[dict[str, Any]],
    lang: str,
) -> list[Row]:
    """The table's rows from the reads (and every page of determined assessments)."""
    coverage = {c["code"]: c for c in (data.get("coverage") or {}).get("communities", [])}
    latest: dict[str, dict[str, Any]] = {}
    for node in assessments:
        held = latest.get(node["communityCode"])
        if node.get("determination") and (held is None or node["year"] > held["year"]):
            latest[node["communityCode"]] = node
    overdue: dict[str, int] | None = None
    if data.get("overdueMilestones") is not None:
        overdue = {}
        for street in data["overdueMilestones"]["streets"]:
            for item in street["items"]:
                overdue[item["communityCode"]] = overdue.get(item["communityCode"], 0) + 1
    rows = []
    for community in communities:
        code = community["code"]
        parent = (community.get("region") or {}).get("parent") or {"code": code[:9], "name": ""}
        row = Row(code, name_of(community, lang), parent["code"], name_of(parent, lang))
        figures = coverage.get(code)
        if figures is not None:
            row.buildings, row.covered = figures["buildings"], figures["covered"]
            row.gaps = figures["gapCounts"]["buildingWithMembers"]
        held = latest.get(code)
        if held is not None:
            row.grade = held["determination"]["grade"]
            row.grade_year = held["year"]
            steps = [s for s in held["snapshots"] if s["step"] == "DETERMINED"]
            row.meets = steps[-1]["meetsStandard"] if steps else None
        if overdue is not None:
            row.overdue = overdue.get(code, 0)
        rows.append(row)
    return rows


def add_findings(rows: list[Row], counts: list[dict[str, Any]]) -> None:
    by_code = {c["code"]: c for c in counts}
    for row in rows:
        found = by_code.get(row.code)
        if found is None:
            continue
        row.findings = dict.fromkeys(SEVERITIES, 0)
        for finding in found["findings"]:
            row.findings[finding["severity"]] = row.findings.get(finding["severity"], 0) + 1


def street_totals(rows: list[Row]) -> list[Totals]:
    streets: dict[str, Totals] = {}
    for row in rows:
        streets.setdefault(row.street_code, Totals(row.street_code, row.street)).add(row)
    return sorted(streets.values(), key=lambda t: t.code)


async def _read(page: Page, code: str, year: int) -> tuple[dict[str, Any], list[Row], list[str]]:
    """The region and its rows, and what could not be read (for the note)."""
    first = await page.ask(REGION_QUERY, {"r": code})
    region = first.need("region", page)
    communities = first.need("communities", page)
    if not communities:
        return region, [], []
    codes = [c["code"] for c in communities]
    figures, counts = await asyncio.gather(
        page.ask(FIGURES_QUERY, {"r": code, "y": year, "after": None}),
        page.ask(FINDINGS_QUERY, {"codes": codes}),
    )
    missing = {
        page.t(COLUMN_OF[e["path"][0]])
        if e.get("path") and e["path"][0] in COLUMN_OF
        else page.message_of(e)
        for e in [*figures.errors, *counts.errors]
    }
    assessments: list[dict[str, Any]] = []
    found = figures.data.get("assessments")
    while found is not None:
        assessments.extend(found["nodes"])
        if not found["pageInfo"]["hasNextPage"]:
            break
        after = found["pageInfo"]["endCursor"]
        found = (await page.ask(MORE_ASSESSMENTS, {"r": code, "after": after})).data.get(
            "assessments"
        )
    rows = build_rows(communities, figures.data, assessments, page.lang)
    if counts.data.get("communityCounts") is not None:
        add_findings(rows, counts.data["communityCounts"])
    return region, rows, sorted(missing)


async def overview(page: Page) -> Response:
    code = page.region(page.request.path_params["code"])
    if len(code) not in (6, 9):  # a community has its own pages
        raise PageRefusalError(404)
    sort = page.request.query_params.get("sort", "name")
    direction = page.request.query_params.get("dir", "asc")
    if sort not in SORTS:
        sort = "name"
    if direction not in ("asc", "desc"):
        direction = "asc"
    year = dt.date.today().year
    region, rows, missing = await _read(page, code, year)
    totals = Totals(code, name_of(region, page.lang))
    for row in rows:
        totals.add(row)
    return page.render(
        "overview/overview.html",
        region=region,
        region_name=name_of(region, page.lang),
        code=code,
        rows=sort_rows(rows, sort, direction),
        totals=totals,
        streets=street_totals(rows) if len(code) == 6 else [],
        sort=sort,
        direction=direction,
        year=year,
        missing=missing,
        severities=SEVERITIES,
    )


ROUTES = [console_route(OVERVIEW + "/{code}", overview)]
