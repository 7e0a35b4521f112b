"""`/console/rollup/<district>[/<YYYY-MM>]`: the district's roll-up of the monthly reports
(`monthlyReportRollup`): each street's submission (submitted, returned, draft, none) with a
link to its report, the street and community rankings, the trend, the grade distribution and
the lowest-scoring community, with charts drawn in the page (gateway.console.charts) and the
same numbers in a table beside each.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from starlette.responses import Response

from gateway.console import charts
from gateway.console.graph import PageRefusalError
from gateway.console.nav import REPORTS, ROLLUP
from gateway.console.page import Page, console_route

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

TOTALS = """communities averageScore averageIndicatorsPassed meetsStandard compliancePercent
  coverage { buildings covered buildingPercent zones zonesWithOrganization zonePercent }"""
ROLLUP_QUERY = f"""
query ($d: String!, $m: String!) {{
  monthlyReportRollup(districtCode: $d, month: $m) {{
    districtCode districtName month downloadPath
    streets {{ streetCode streetName status submittedAt rank totals {{ {TOTALS} }} }}
    streetRanking {{ streetCode streetName rank totals {{ {TOTALS} }} }}
    communityRanking {{
      rank streetCode streetName
      community {{ code name score meetsStandard indicatorsPassed indicatorsTotal
                  grade {{ id name nameEn label labelEn determined }} }}
    }}
    trend {{ month totals {{ {TOTALS} }} }}
    gradeDistribution {{ gradeId name nameEn count }}
    totals {{ {TOTALS} }}
  }}
}}"""


def returned_query(count: int) -> str:
    """Whether each draft was returned by the district: one aliased field per street."""
    variables = ", ".join(f"$s{i}: String!" for i in range(count))
    fields = " ".join(
        f"r{i}: monthlyReport(streetCode: $s{i}, month: $m) "
        "{ streetCode status returnedAt returnReason }"
        for i in range(count)
    )
    return f"query ($m: String!, {variables}) {{ {fields} }}"


def month_shift(month: str, by: int) -> str:
    year, number = int(month[:4]), int(month[5:])
    index = year * 12 + number - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def this_month() -> str:
    return dt.date.today().strftime("%Y-%m")


def status_key(street: dict[str, Any], returned: dict[str, dict[str, Any]]) -> str:
    """The street's state as the page names it: submitted, returned, draft, not generated."""
    if street["status"] == "SUBMITTED":
        return "submitted"
    if street["status"] == "DRAFT":
        return "returned" if returned.get(street["streetCode"], {}).get("returnedAt") else "draft"
    return "not_generated"


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _district(page: Page) -> str:
    code = page.region(page.request.path_params["code"])
    if len(code) != 6:  # the roll-up is a district's
        raise PageRefusalError(404)
    return code


async def rollup_index(page: Page) -> Response:
    """The month picker's GET lands here: on to the month's own address."""
    code = _district(page)
    month = page.request.query_params.get("month") or this_month()
    if not MONTH.match(month):
        raise PageRefusalError(404, page.t("ru_bad_month"))
    return page.redirect(f"{ROLLUP}/{code}/{month}")


async def rollup(page: Page) -> Response:
    code = _district(page)
    month = page.request.path_params["month"]
    if not MONTH.match(month):
        raise PageRefusalError(404, page.t("ru_bad_month"))
    answer = await page.ask(ROLLUP_QUERY, {"d": code, "m": month})
    if answer.data.get("monthlyReportRollup") is None and any(
        (e.get("extensions") or {}).get("code") == "INVALID" for e in answer.errors
    ):  # a month to come, or before the reports began
        raise PageRefusalError(404, page.message_of(answer.errors[0]))
    roll = answer.need("monthlyReportRollup", page)
    drafts = [s["streetCode"] for s in roll["streets"] if s["status"] == "DRAFT"]
    returned: dict[str, dict[str, Any]] = {}
    if drafts:
        more = await page.ask(
            returned_query(len(drafts)),
            {"m": month, **{f"s{i}": street for i, street in enumerate(drafts)}},
        )
        for report in more.data.values():
            if report:
                returned[report["streetCode"]] = report
    en = page.lang == "en"
    street_chart = charts.bar_chart(
        page.t("ru_street_chart"),
        page.t("ru_street_chart_desc").format(month=month),
        [(s["streetName"], s["totals"]["averageScore"]) for s in roll["streetRanking"]],
        maximum=100,
    )
    trend = roll["trend"]
    trend_chart = charts.line_chart(
        page.t("ru_trend_chart"),
        page.t("ru_trend_chart_desc"),
        [p["month"] for p in trend],
        [
            (page.t("ru_avg_score"), [p["totals"]["averageScore"] for p in trend]),
            (page.t("ru_compliance"), [p["totals"]["compliancePercent"] for p in trend]),
        ],
        maximum=100,
    )
    grades = roll["gradeDistribution"]
    grade_chart = charts.bar_chart(
        page.t("ru_grades_chart"),
        page.t("ru_grades_chart_desc").format(month=month),
        [(g["nameEn"] if en else g["name"], g["count"]) for g in grades],
    )
    ranking = roll["communityRanking"]
    worst = max(ranking, key=lambda r: (r["rank"], r["community"]["code"])) if ranking else None
    return page.render(
        "rollup/rollup.html",
        roll=roll,
        code=code,
        month=month,
        previous=month_shift(month, -1),
        following=month_shift(month, 1) if month < this_month() else None,
        district_name=roll["districtName"],
        statuses={s["streetCode"]: status_key(s, returned) for s in roll["streets"]},
        returned=returned,
        reports=REPORTS,
        street_chart=street_chart,
        trend_chart=trend_chart,
        grade_chart=grade_chart,
        worst=worst,
        score=_score,
    )


ROUTES = [
    console_route(ROLLUP + "/{code}", rollup_index),
    console_route(ROLLUP + "/{code}/{month}", rollup),
]
