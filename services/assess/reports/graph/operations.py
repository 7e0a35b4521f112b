"""Monthly supervision reports (月报表) in the graph: a street office's report of a month,
its commentary, submission and return, and the district's roll-up. The rules live in
`services.assess.reports.monthly` and `services.assess.reports.rollup`; this module exposes them and
checks who may do what.

Who (issue 7, 6.): street users of that street, and the district, generate, edit and submit;
only the district returns a submitted report; secretaries and viewers read in their scope (a
secretary sees the report's commentary and only their own community's row). The roll-up is
read by district-level callers. Bad input to a query (a malformed code or month, a month in
the future, an unknown district) is a GraphQL error whose `extensions.code` is INVALID or
NOT_FOUND; refused writes are typed payload errors and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import strawberry
from graphql import GraphQLError

from services.assess.reports import lifecycle as report_lifecycle
from services.assess.reports import monthly as reports
from services.assess.reports import rollup as report_rollup
from services.assess.reports.access import (
    REPORT_RETURNERS,
    REPORT_WRITERS,
    require_reader,
)
from services.assess.reports.graph.types import MonthlyReport, MonthlyReportRollup
from services.assess.shared import dates
from services.assess.shared.context import Info
from services.assess.shared.graph import parse_id, unavailable
from services.common.auth import (
    Role,
    caller,
    is_region_code,
    require_role,
    require_scope,
    require_write,
)
from services.common.errors import DomainError, UserError, UserErrorCode, run_write
from services.common.subgraph_client import SubgraphUnavailableError


def query_error(refused: DomainError) -> GraphQLError:
    """A query's bad input, typed like a refused write (INVALID, NOT_FOUND...)."""
    return GraphQLError(
        refused.message,
        extensions={
            "code": refused.code.name,
            "messageEn": refused.message_en,
            "field": refused.field,
        },
    )


def _district_code(code: str) -> str:
    if not (is_region_code(code) and len(code) == 6):
        raise DomainError(
            UserErrorCode.INVALID,
            f"区（县）代码应为6位数字：{code}",
            f"A district code has 6 digits: {code!r}",
            ["districtCode"],
        )
    return code


@strawberry.type
class ReportQueries:
    @strawberry.field(
        description="A street office's report of a month (YYYY-MM); null when not generated."
    )
    async def monthly_report(
        self, info: Info, street_code: str, month: str
    ) -> MonthlyReport | None:
        identity = caller(info)
        try:
            reports.check_street_code(street_code)
            when = reports.parse_month(month, today=dates.today())
        except DomainError as bad:
            raise query_error(bad) from bad
        require_reader(identity, street_code)
        async with info.context.engine.connect() as conn:
            report = await reports.find_report(conn, street_code, when)
        return MonthlyReport.of(report, identity) if report else None

    @strawberry.field(
        description="The district's roll-up of a month: submission status, per-street "
        "figures, rankings, trends over the last `months` months and grades."
    )
    async def monthly_report_rollup(
        self, info: Info, district_code: str, month: str, months: int = 12
    ) -> MonthlyReportRollup:
        identity = caller(info)
        try:
            _district_code(district_code)
            when = reports.parse_month(month, today=dates.today())
            if not 1 <= months <= 60:
                raise DomainError(
                    UserErrorCode.INVALID, "月数应在1到60之间", "months: 1 to 60", ["months"]
                )
        except DomainError as bad:
            raise query_error(bad) from bad
        require_reader(identity, district_code)
        require_scope(identity, district_code)  # the whole district's figures
        try:
            found = await report_rollup.rollup(
                info.context.engine, info.context.peers.org, district_code, when, months
            )
        except SubgraphUnavailableError as down:
            raise unavailable(down, "无法读取区划数据", "the regions cannot be read") from down
        if found is None:
            raise query_error(
                DomainError(
                    UserErrorCode.NOT_FOUND,
                    f"未找到区（县）：{district_code}",
                    f"No district {district_code}",
                    ["districtCode"],
                )
            )
        return MonthlyReportRollup.of(found)


@strawberry.type
class MonthlyReportPayload:
    report: MonthlyReport | None
    errors: list[UserError]


@strawberry.input(description="A remark on one community of the report.")
class CommunityRemarkInput:
    community_code: str
    remark: str


@strawberry.input(description="Parts left null stay as they are.")
class ReportCommentaryInput:
    progress: str | None = strawberry.field(default=None, description="工作进展.")
    problems: str | None = strawberry.field(default=None, description="存在问题.")
    next_plan: str | None = strawberry.field(default=None, description="下月计划.")
    remarks: list[CommunityRemarkInput] | None = None


def _report_id(value: strawberry.ID) -> uuid.UUID:
    key = parse_id(value)
    if key is None:
        raise DomainError(
            UserErrorCode.NOT_FOUND, f"未找到月报表：{value}", f"No report {value}", ["id"]
        )
    return key


async def _change(
    info: Info,
    report_id: strawberry.ID,
    roles: frozenset[Role],
    what: tuple[str, str],
    change: Any,
) -> MonthlyReportPayload:
    """Lock the report, check the caller may change it (`what` it does, zh and en), then
    `change(conn, report)`."""
    identity = caller(info)
    what_zh, what_en = what
    require_role(identity, roles, what_zh=what_zh, what_en=what_en)

    async def write(conn: Any) -> reports.Report:
        report = await report_lifecycle.report_for_update(conn, _report_id(report_id))
        require_write(
            identity, roles, [report.head["street_code"]], what_zh=what_zh, what_en=what_en
        )
        return await change(conn, report)

    report, errors = await run_write(info.context.engine, write)
    return MonthlyReportPayload(
        report=MonthlyReport.of(report, identity) if report else None, errors=errors
    )


@strawberry.type
class ReportMutations:
    @strawberry.mutation(
        description="Generate a street office's report of a month from live data (street "
        "users of that street, the district); regenerates a draft, keeping its commentary."
    )
    async def generate_monthly_report(
        self, info: Info, street_code: str, month: str
    ) -> MonthlyReportPayload:
        identity = caller(info)
        require_role(
            identity, REPORT_WRITERS, what_zh="生成月报表", what_en="generate a monthly report"
        )
        try:
            reports.check_street_code(street_code)
            when = reports.parse_month(month, today=dates.today())
            require_write(
                identity,
                REPORT_WRITERS,
                [street_code],
                what_zh="生成月报表",
                what_en="generate a report",
            )
            report = await reports.generate(
                info.context.engine,
                info.context.peers,
                street_code=street_code,
                month=when,
                by=identity.subject,
            )
        except DomainError as refused:
            return MonthlyReportPayload(report=None, errors=refused.user_errors())
        return MonthlyReportPayload(report=MonthlyReport.of(report, identity), errors=[])

    @strawberry.mutation(description="Edit a draft report's commentary and community remarks.")
    async def update_monthly_report_commentary(
        self, info: Info, id: strawberry.ID, input: ReportCommentaryInput
    ) -> MonthlyReportPayload:
        remarks = {r.community_code: r.remark for r in input.remarks or []}

        async def change(conn: Any, report: reports.Report) -> reports.Report:
            return await report_lifecycle.update_commentary(
                conn,
                report,
                progress=input.progress,
                problems=input.problems,
                next_plan=input.next_plan,
                remarks=remarks,
            )

        return await _change(
            info, id, REPORT_WRITERS, ("编辑月报表", "edit a monthly report"), change
        )

    @strawberry.mutation(description="Submit (报送) a draft report: it is locked from then on.")
    async def submit_monthly_report(self, info: Info, id: strawberry.ID) -> MonthlyReportPayload:
        subject = caller(info).subject

        async def change(conn: Any, report: reports.Report) -> reports.Report:
            now = dt.datetime.now(dt.UTC)
            return await report_lifecycle.submit(conn, report, by=subject, now=now)

        return await _change(
            info, id, REPORT_WRITERS, ("报送月报表", "submit a monthly report"), change
        )

    @strawberry.mutation(
        description="Return (退回) a submitted report to draft, with a reason (district users)."
    )
    async def return_monthly_report(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> MonthlyReportPayload:
        subject = caller(info).subject

        async def change(conn: Any, report: reports.Report) -> reports.Report:
            now = dt.datetime.now(dt.UTC)
            return await report_lifecycle.return_report(
                conn, report, reason=reason, by=subject, now=now
            )

        return await _change(
            info, id, REPORT_RETURNERS, ("退回月报表", "return a monthly report"), change
        )


QUERY_TYPES = (ReportQueries,)
MUTATION_TYPES = (ReportMutations,)
TYPES: list[type] = []
