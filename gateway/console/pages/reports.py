"""`/console/reports/<street>[/<YYYY-MM>]`: a street office's monthly reports (月报表).

- `/<street>`: the reports of a year by month (status, generated, submitted, returned with
  the reason) and, for the roles that may write reports, a form generating one;
- `/<street>/<YYYY-MM>`: the report as tables (communities assessed, grid coverage, totals),
  its three-part commentary (工作进展、存在问题、下月计划) and community remarks as an edit
  form while it is a draft, submission behind a confirmation step (a page of its own, so it
  works without script), the .xlsx download, the district's return form with its reason, and
  the status history the report holds.

Every read and write goes through the graph as the caller (`generateMonthlyReport`,
`monthlyReport`, `updateMonthlyReportCommentary`, `submitMonthlyReport`,
`returnMonthlyReport`): the assess service decides who may do what; the page only leaves
out the forms a caller's role could not use (`may`) and shows each typed error beside the
field it names.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from starlette.responses import Response

from gateway.console.graph import ERRORS, PageRefusalError, WriteResult
from gateway.console.nav import REPORTS
from gateway.console.page import Page, console_route
from gateway.console.permissions import may
from gateway.console.templating import when

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
FIRST_YEAR = 2000  # the assess service takes no month before (services/assess/shared/dates.py)
STREET_LEVEL = 9  # digits of a street office's (or township's) code

HEAD_FIELDS = """id month status generatedBy generatedAt submittedBy submittedAt returnedBy
  returnedAt returnReason revision downloadPath"""
COVERAGE = """buildings covered buildingPercent zones zonesWithOrganization zonePercent
  gapCounts { buildingWithMembers building zone orphan notReportedIn }"""
REPORT_FIELDS = f"""{HEAD_FIELDS} streetCode streetName standardId comparedMonth
  commentary {{ progress problems nextPlan }}
  communities {{ code name position score meetsStandard indicatorsPassed indicatorsTotal
    failedIndicators remark grade {{ label labelEn }} coverage {{ {COVERAGE} }}
    change {{ scoreDelta newlyMet newlyFailed gapsDelta }} }}
  totals {{ communities averageScore averageIndicatorsPassed meetsStandard compliancePercent
    coverage {{ {COVERAGE} }} }}"""
REPORT = f"""query ConsoleReport($street: String!, $month: String!) {{
  region(code: $street) {{ code name nameEn level }}
  monthlyReport(streetCode: $street, month: $month) {{ {REPORT_FIELDS} }} }}"""
INDICATORS = """query ConsoleReportIndicators($id: ID!) {
  gradingStandard(id: $id) { name nameEn indicators { code name nameEn } } }"""
GENERATE = f"""mutation ConsoleGenerateReport($street: String!, $month: String!) {{
  generateMonthlyReport(streetCode: $street, month: $month) {{ report {{ month }} {ERRORS} }} }}"""
COMMENT = f"""mutation ConsoleReportCommentary($id: ID!, $input: ReportCommentaryInput!) {{
  updateMonthlyReportCommentary(id: $id, input: $input) {{ report {{ id }} {ERRORS} }} }}"""
SUBMIT = f"""mutation ConsoleSubmitReport($id: ID!) {{
  submitMonthlyReport(id: $id) {{ report {{ id }} {ERRORS} }} }}"""
RETURN = f"""mutation ConsoleReturnReport($id: ID!, $reason: String!) {{
  returnMonthlyReport(id: $id, reason: $reason) {{ report {{ id }} {ERRORS} }} }}"""

PARTS = ("progress", "problems", "nextPlan")  # the commentary's three parts, as the input names
NOTICES = {
    "generated": "rep_generated_notice",
    "saved": "rep_commentary_saved",
    "submitted": "rep_submitted_notice",
    "returned": "rep_returned_notice",
}


# --- Paths and months -------------------------------------------------------------------------


def _street(page: Page) -> str:
    """The street office of the path: a code in the caller's region (the chokepoint), and
    a street office's (9 digits), else 404."""
    code = page.region(page.request.path_params["street"])
    if len(code) != STREET_LEVEL:
        raise PageRefusalError(404)
    return code


def _month(text: str) -> str:
    """A month of the path (YYYY-MM) or 404; the service refuses a future one (404 too)."""
    if not _MONTH.match(text) or int(text[:4]) < FIRST_YEAR:
        raise PageRefusalError(404)
    return text


def _this_month() -> tuple[int, int]:
    today = dt.date.today()
    return today.year, today.month


def _year_months(year: int) -> list[str]:
    """The months of `year` a report may exist for (none after this month), latest first."""
    now_year, now_month = _this_month()
    last = 12 if year < now_year else now_month
    return [f"{year:04d}-{m:02d}" for m in range(last, 0, -1)]


def _name(page: Page, thing: dict[str, Any] | None, code: str) -> str:
    if not thing:
        return code
    return str(thing.get("nameEn") if page.lang == "en" and thing.get("nameEn") else thing["name"])


# --- The reports of a year --------------------------------------------------------------------


def _year_query(months: list[str]) -> str:
    """One read for a year's reports: `monthlyReport` once per month, by alias."""
    params = "".join(f", $m{i}: String!" for i in range(len(months)))
    fields = "\n".join(
        f"  m{i}: monthlyReport(streetCode: $street, month: $m{i}) {{ {HEAD_FIELDS} }}"
        for i in range(len(months))
    )
    return (
        f"query ConsoleReportYear($street: String!{params}) {{\n"
        f"  region(code: $street) {{ code name nameEn level }}\n{fields}\n}}"
    )


def _year(page: Page) -> int:
    now_year, _ = _this_month()
    text = page.request.query_params.get("year", "")
    if text.isdigit() and FIRST_YEAR <= int(text) <= now_year:
        return int(text)
    return now_year


async def _list_page(
    page: Page, street: str, result: WriteResult | None = None, month_value: str = ""
) -> Response:
    year = _year(page)
    months = _year_months(year)
    variables: dict[str, Any] = {"street": street}
    variables.update({f"m{i}": month for i, month in enumerate(months)})
    answer = await page.ask(_year_query(months), variables)
    region = answer.need("region", page)
    rows = []
    for i, month in enumerate(months):
        head = answer.data.get(f"m{i}")
        if head is None and answer.errors:
            answer.need(f"m{i}", page)  # a refused read (a role that reads no reports)
        rows.append({"month": month, "report": _head_view(head) if head else None})
    this_year, this_month = _this_month()
    return page.render(
        "reports/list.html",
        status=422 if result is not None else 200,
        street=street,
        street_name=_name(page, region, street),
        year=year,
        years=list(range(this_year, FIRST_YEAR - 1, -1)),
        rows=rows,
        may_write=may(page.identity, "report"),
        result=result,
        month_value=month_value or f"{this_year:04d}-{this_month:02d}",
        max_month=f"{this_year:04d}-{this_month:02d}",
    )


def _head_view(head: dict[str, Any]) -> dict[str, Any]:
    return {
        **head,
        "generated": when(head.get("generatedAt")),
        "submitted": when(head.get("submittedAt")),
        "returned": when(head.get("returnedAt")),
    }


async def street_reports(page: Page) -> Response:
    return await _list_page(page, _street(page))


async def generate(page: Page) -> Response:
    street = _street(page)
    month = page.field("month").strip()
    result = await page.write(GENERATE, {"street": street, "month": month}, "generateMonthlyReport")
    if result.ok:
        generated = result.payload["report"]["month"] if result.payload else month
        return page.redirect(f"{REPORTS}/{street}/{generated}", done="generated")
    return await _list_page(page, street, result, month)


# --- One report -------------------------------------------------------------------------------


async def _report(page: Page, street: str, month: str) -> tuple[dict[str, Any], dict | None]:
    """The street's region and its report of `month` (None: not generated)."""
    answer = await page.ask(REPORT, {"street": street, "month": month})
    region = answer.need("region", page)
    report = answer.data.get("monthlyReport")
    if report is None and answer.errors:
        for error in answer.errors:
            if (error.get("extensions") or {}).get("code") == "INVALID":  # a future month
                raise PageRefusalError(404, page.message_of(error))
        answer.need("monthlyReport", page)
    return region, report


async def _standard(page: Page, standard_id: str) -> tuple[str, dict[str, str]]:
    """The standard's name and its indicators' names by code, in the page's language (a
    report names a failed indicator, never a bare P2)."""
    answer = await page.ask(INDICATORS, {"id": standard_id})
    standard = answer.data.get("gradingStandard") or {}
    names = {i["code"]: _name(page, i, i["code"]) for i in standard.get("indicators") or []}
    return _name(page, standard or None, standard_id), names


def _named(communities: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    """The rows with their indicator codes as names."""

    def named(codes: list[str] | None) -> list[str]:
        return [names.get(code, code) for code in codes or []]

    return [
        {
            **c,
            "failedNames": named(c["failedIndicators"]),
            "newlyMetNames": named((c.get("change") or {}).get("newlyMet")),
            "newlyFailedNames": named((c.get("change") or {}).get("newlyFailed")),
        }
        for c in communities
    ]


def history(report: dict[str, Any]) -> list[dict[str, str]]:
    """What the report holds of its life, oldest first: generated (last), the latest
    return (with its reason) and the submission (while submitted)."""
    events = [("rep_generated", report["generatedAt"], report["generatedBy"], "")]
    if report.get("returnedAt"):
        events.append(
            ("rep_returned", report["returnedAt"], report["returnedBy"], report["returnReason"])
        )
    if report.get("submittedAt"):
        events.append(("rep_submitted", report["submittedAt"], report["submittedBy"], ""))
    events.sort(key=lambda e: dt.datetime.fromisoformat(e[1]))
    return [
        {"what": w, "when": when(at), "who": by or "", "reason": r or ""} for w, at, by, r in events
    ]


async def _report_page(  # noqa: PLR0913 -- the page and what a refused form puts back on it
    page: Page,
    street: str,
    month: str,
    *,
    commentary_result: WriteResult | None = None,
    commentary_values: dict[str, str] | None = None,
    submit_result: WriteResult | None = None,
    return_result: WriteResult | None = None,
    reason: str = "",
) -> Response:
    region, report = await _report(page, street, month)
    refused = commentary_result or submit_result or return_result
    status = 422 if refused is not None else 200
    values: dict[str, Any] = {
        "street": street,
        "month": month,
        "street_name": _name(page, region, street),
        "report": report,
        "may_write": may(page.identity, "report"),
        "may_return": may(page.identity, "report_return"),
        "notice": NOTICES.get(page.request.query_params.get("done", "")),
        "commentary_result": commentary_result,
        "submit_result": submit_result,
        "return_result": return_result,
        "reason": reason,
    }
    if report is None:
        return page.render("reports/missing.html", status=status, **values)
    standard_name, names = await _standard(page, report["standardId"])
    report = values["report"] = {**report, "communities": _named(report["communities"], names)}
    stored = {part: report["commentary"][part] for part in PARTS}
    stored.update({f"remarks.{c['code']}": c["remark"] for c in report["communities"]})
    return page.render(
        "reports/report.html",
        status=status,
        **values,
        head=_head_view(report),
        standard_name=standard_name,
        commentary={**stored, **(commentary_values or {})},  # what was typed stays
        history=history(report),
        draft=report["status"] == "DRAFT",
    )


async def report_page(page: Page) -> Response:
    street = _street(page)
    return await _report_page(page, street, _month(page.request.path_params["month"]))


async def _report_id(page: Page, street: str, month: str) -> str:
    _, report = await _report(page, street, month)
    if report is None:
        raise PageRefusalError(404)
    return str(report["id"])


async def update_commentary(page: Page) -> Response:
    street = _street(page)
    month = _month(page.request.path_params["month"])
    report_id = await _report_id(page, street, month)
    posted = {part: page.field(part) for part in PARTS}
    remarks = {
        name: page.field(name)
        for name in (page.form.keys() if page.form is not None else [])
        if name.startswith("remarks.")
    }
    variables = {
        "id": report_id,
        "input": {
            **posted,
            "remarks": [
                {"communityCode": name.removeprefix("remarks."), "remark": text}
                for name, text in remarks.items()
            ],
        },
    }
    result = await page.write(COMMENT, variables, "updateMonthlyReportCommentary")
    if result.ok:
        return page.redirect(f"{REPORTS}/{street}/{month}", done="saved")
    return await _report_page(
        page,
        street,
        month,
        commentary_result=result,
        commentary_values={**posted, **remarks},
    )


async def confirm_submit(page: Page) -> Response:
    """The confirmation step of a submission: a page with the one button that submits."""
    street = _street(page)
    month = _month(page.request.path_params["month"])
    region, report = await _report(page, street, month)
    if report is None or report["status"] != "DRAFT" or not may(page.identity, "report"):
        return page.redirect(f"{REPORTS}/{street}/{month}")
    return page.render(
        "reports/confirm.html",
        street=street,
        month=month,
        street_name=_name(page, region, street),
    )


async def submit(page: Page) -> Response:
    street = _street(page)
    month = _month(page.request.path_params["month"])
    report_id = await _report_id(page, street, month)
    result = await page.write(SUBMIT, {"id": report_id}, "submitMonthlyReport")
    if result.ok:
        return page.redirect(f"{REPORTS}/{street}/{month}", done="submitted")
    return await _report_page(page, street, month, submit_result=_whole_form(result))


async def return_report(page: Page) -> Response:
    street = _street(page)
    month = _month(page.request.path_params["month"])
    report_id = await _report_id(page, street, month)
    reason = page.field("reason")
    result = await page.write(RETURN, {"id": report_id, "reason": reason}, "returnMonthlyReport")
    if result.ok:
        return page.redirect(f"{REPORTS}/{street}/{month}", done="returned")
    # The form has one field: a refusal of the report itself (not submitted) stands beside it.
    for message in result.field_errors.pop("id", []):
        result.field_errors.setdefault("reason", []).append(message)
    return await _report_page(page, street, month, return_result=result, reason=reason)


def _whole_form(result: WriteResult) -> WriteResult:
    """A form of buttons only: every error is the whole form's."""
    for messages in result.field_errors.values():
        result.form_errors.extend(messages)
    result.field_errors.clear()
    return result


_ONE = REPORTS + "/{street}/{month}"
ROUTES = [
    console_route(REPORTS + "/{street}", street_reports),
    console_route(REPORTS + "/{street}", generate, methods=("POST",)),
    console_route(_ONE, report_page),
    console_route(_ONE + "/commentary", update_commentary, methods=("POST",)),
    console_route(_ONE + "/submit", confirm_submit),
    console_route(_ONE + "/submit", submit, methods=("POST",)),
    console_route(_ONE + "/return", return_report, methods=("POST",)),
]
