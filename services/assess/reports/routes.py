"""Monthly reports as .xlsx: `GET /reports/{code}/{YYYY-MM}.xlsx`.

A 9-digit code gives that street office's report of the month; a 6-digit code the district's
roll-up (汇总, charts, a sheet per street). The route is one of the subgraph's extra routes,
behind the same internal-token guard as `/graphql`, so only the gateway's signed callers reach
it (`gateway/reports_proxy.py` passes users through) and the caller's role and scope apply
exactly as for the `monthlyReport` and `monthlyReportRollup` queries.

Answers: 200 with the workbook; 400 malformed code or month (or a month in the future); 403
role or scope; 404 no such report or district; 503 the graph could not be read (roll-up).
"""

from __future__ import annotations

import dataclasses
import urllib.parse

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.assess.reports import monthly as reports
from services.assess.reports import rollup as report_rollup
from services.assess.reports import xlsx as report_xlsx
from services.assess.reports.access import require_reader, visible_rows
from services.assess.shared import dates
from services.common.auth import Identity, current_identity, is_region_code, require_scope
from services.common.errors import DomainError
from services.common.subgraph_client import SubgraphUnavailableError

TREND_MONTHS = 12


def _problem(status: int, zh: str, en: str) -> JSONResponse:
    return JSONResponse({"detail": zh, "detailEn": en}, status_code=status)


def _attachment(content: bytes, filename: str) -> Response:
    quoted = urllib.parse.quote(filename)
    return Response(
        content,
        media_type=report_xlsx.MEDIA_TYPE,
        headers={
            "content-disposition": f"attachment; filename=\"report.xlsx\"; filename*=UTF-8''{quoted}",
            "cache-control": "private, no-store",  # a region's figures, per caller
        },
    )


def _visible(report: reports.Report, identity: Identity) -> reports.Report:
    return dataclasses.replace(report, rows=visible_rows(report, identity))


async def _street(request: Request, code: str, month: reports.Month) -> Response:
    identity = current_identity()
    require_reader(identity, code)
    async with request.app.state.engine.connect() as conn:
        report = await reports.find_report(conn, code, month)
        if report is None:
            return _problem(404, f"{month.zh}尚未生成月报表", f"No report of {month} yet")
        history = await reports.find_reports(
            conn, street_codes=[code], months=[str(m) for m in month.back(TREND_MONTHS)]
        )
        # The charts show what the rows sheet shows: a secretary (or a community viewer) gets
        # their own communities' trend and grades, never the whole street's.
        history = [_visible(r, identity) for r in history]
        grades = await report_rollup.grade_distribution(conn, [_visible(report, identity)])
        names = await reports.indicator_names(conn, [report.head["standard_id"]])
    rows = visible_rows(report, identity)
    content = report_xlsx.street_workbook(
        report, rows, report_rollup.trend(history), grades, names[report.head["standard_id"]]
    )
    name = f"{report.head['street_name']}{month.zh}三有四化工作月报表.xlsx"
    return _attachment(content, name)


async def _district(request: Request, code: str, month: reports.Month) -> Response:
    identity = current_identity()
    require_reader(identity, code)
    require_scope(identity, code)
    peers = request.app.state.resources["peers"]
    try:
        found = await report_rollup.rollup(
            request.app.state.engine, peers.org, code, month, TREND_MONTHS
        )
    except SubgraphUnavailableError as down:
        refused = down.refusal("无法读取区划数据", "the regions cannot be read")
        return _problem(503, refused.message, refused.message_en)
    if found is None:
        return _problem(404, f"未找到区（县）：{code}", f"No district {code}")
    content = report_xlsx.district_workbook(found)
    return _attachment(content, f"{found.district_name}{month.zh}三有四化工作月报汇总表.xlsx")


async def download(request: Request) -> Response:
    code, month_text = request.path_params["code"], request.path_params["month"]
    try:
        month = reports.parse_month(month_text, today=dates.today())
        if len(code) != 6:
            reports.check_street_code(code, "code")
        elif not is_region_code(code):
            return _problem(400, f"区（县）代码应为6位数字：{code}", "A district code has 6 digits")
    except DomainError as bad:
        return _problem(400, bad.message, bad.message_en)
    try:
        if len(code) == 6:
            return await _district(request, code, month)
        return await _street(request, code, month)
    except GraphQLError as refused:  # ForbiddenError: role or scope
        en = (refused.extensions or {}).get("messageEn", "Forbidden")
        return _problem(403, refused.message, en)


ROUTES = [Route("/reports/{code}/{month}.xlsx", download, methods=["GET"])]
