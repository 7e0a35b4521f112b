"""A monthly report's life after generation: commentary edited while draft, submitted and
locked, returned by the district with a reason.

DOMAIN "Monthly supervision": each street office submits its monthly report (报送). Issue 7
(6.): "editable commentary, then submitted and locked"; "editing a locked report" is refused
with a typed error and nothing written. The district may return (退回) a submitted report to
draft, saying why; the last return is kept on the report.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.assess.reports.monthly import Report, find_reports, locked_error
from services.assess.reports.tables import monthly_report, monthly_report_row
from services.assess.shared.text import clean_text
from services.common.errors import DomainError, UserErrorCode

# Typed text goes through `clean_text`: a control character would also break the report's
# .xlsx (openpyxl cannot write one), not only Postgres (a NUL).
MAX_COMMENTARY = 4000  # characters of each part: a page of a printed report
MAX_REMARK = 500
MAX_REASON = 500


async def report_for_update(conn: AsyncConnection, report_id: uuid.UUID) -> Report:
    """The report, its head row locked for this transaction; NOT_FOUND when there is none."""
    found = await find_reports(conn, ids=[report_id], lock=True)
    if not found:
        raise DomainError(
            UserErrorCode.NOT_FOUND, f"未找到月报表：{report_id}", f"No report {report_id}", ["id"]
        )
    return found[0]


async def update_commentary(
    conn: AsyncConnection,
    report: Report,
    *,
    progress: str | None = None,
    problems: str | None = None,
    next_plan: str | None = None,
    remarks: Mapping[str, str] | None = None,
) -> Report:
    """Edit a draft's commentary (工作进展、存在问题、下月计划) and community remarks;
    a part given as None stays as it is."""
    if report.locked:
        raise locked_error(report.head)
    # column -> (text, the input field an error names, what it is)
    parts = {
        "progress": (progress, "progress", "工作进展"),
        "problems": (problems, "problems", "存在问题"),
        "next_plan": (next_plan, "nextPlan", "下月计划"),
    }
    values = {
        column: clean_text(value, [name], MAX_COMMENTARY, what_zh=what) or ""
        for column, (value, name, what) in parts.items()
        if value is not None
    }
    codes = {r["community_code"] for r in report.rows}
    for code, remark in (remarks or {}).items():
        if code not in codes:
            raise DomainError(
                UserErrorCode.NOT_FOUND,
                f"本报表中没有社区：{code}",
                f"The report has no community {code}",
                ["remarks", code],
            )
        text = clean_text(remark, ["remarks", code], MAX_REMARK, what_zh="备注") or ""
        await conn.execute(
            update(monthly_report_row)
            .where(monthly_report_row.c.report_id == report.head["id"])
            .where(monthly_report_row.c.community_code == code)
            .values(remark=text)
        )
    await _bump(conn, report, values)
    return (await find_reports(conn, ids=[report.head["id"]]))[0]


async def submit(conn: AsyncConnection, report: Report, *, by: str, now: dt.datetime) -> Report:
    """Submit (报送) a draft: it is locked from now on."""
    if report.locked:
        raise locked_error(report.head)
    await _bump(conn, report, {"status": "submitted", "submitted_by": by, "submitted_at": now})
    return (await find_reports(conn, ids=[report.head["id"]]))[0]


async def return_report(
    conn: AsyncConnection, report: Report, *, reason: str, by: str, now: dt.datetime
) -> Report:
    """The district returns (退回) a submitted report to draft, saying why."""
    if not report.locked:
        raise DomainError(
            UserErrorCode.CONFLICT,
            "只有已报送的月报表可以退回",
            "Only a submitted report can be returned",
            ["id"],
        )
    reason = clean_text(reason, ["reason"], MAX_REASON, what_zh="退回理由") or ""
    if not reason:
        raise DomainError(
            UserErrorCode.INVALID, "退回须说明理由", "A return needs a reason", ["reason"]
        )
    await _bump(
        conn,
        report,
        {
            "status": "draft",
            "submitted_by": None,
            "submitted_at": None,
            "returned_by": by,
            "returned_at": now,
            "return_reason": reason,
        },
    )
    return (await find_reports(conn, ids=[report.head["id"]]))[0]


async def _bump(conn: AsyncConnection, report: Report, values: dict[str, Any]) -> None:
    await conn.execute(
        update(monthly_report)
        .where(monthly_report.c.id == report.head["id"])
        .values(**values, revision=monthly_report.c.revision + 1)
    )
