"""Monthly reports as .xlsx workbooks (openpyxl), in the layout an organization department's
月报表 has: a merged title, 填报单位/填报日期, a two-row header, one row per community, a
totals row, the commentary (工作进展、存在问题、下月计划) and the signature line; A4
landscape, header frozen and repeated on every printed page.

A street's workbook holds its report and a chart sheet (统计图); the district's holds a
summary (汇总: street and community rankings of the submitted reports, the streets that did
not submit apart), the chart sheet, and one sheet per street that submitted. Charts: a line chart of coverage and compliance over the
months and a bar chart of the grade distribution, both drawn from data cells of 统计图.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from services.assess.reports.monthly import Month, Report
from services.assess.reports.rollup import GradeCount, Rollup, StreetStatus, TrendPoint, totals
from services.assess.shared import dates

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHART_SHEET = "统计图"
SUMMARY_SHEET = "汇总"
PERCENT = "0.0%"
DELTA = "+0.00;-0.00;0.00"

# The street sheet's columns: (header, sub-header under 较上月变化, width).
COLUMNS = (
    ("序号", None, 6),
    ("社区", None, 16),
    ("等级（认定/测算）", None, 18),
    ("得分", None, 8),
    ("达标指标数", None, 11),
    ("未达标指标", None, 36),
    ("楼栋覆盖率", None, 11),
    ("片区覆盖率", None, 11),
    ("较上月变化", "得分", 9),
    ("较上月变化", "楼栋覆盖率（百分点）", 12),
    ("较上月变化", "指标", 30),
    ("备注", None, 18),
)
WIDTH = len(COLUMNS)
HEADER_ROWS = (3, 4)
FIRST_ROW = 5

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WRAP = Alignment(vertical="top", wrap_text=True)
_FONT = "宋体"


def committee_of(street_name: str) -> str:
    """The Party committee that signs a street's report: 街道党工委, 乡（镇）党委."""
    name = street_name.removesuffix("办事处")
    return f"{name}党工委" if name.endswith("街道") else f"{name}党委"


def _safe(value: Any) -> Any:
    """Text as openpyxl can write it: without the control characters it refuses (raising
    IllegalCharacterError, a 500). Input refuses them (report_lifecycle); names come from org."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def sheet_title(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "", _safe(name))[:31] or "报表"


def _date_zh(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _share(part: int, whole: int) -> float | str:
    return part / whole if whole else "—"


def _merge(ws: Worksheet, row: int, first: int, last: int, value: Any, **style: Any) -> None:
    ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    cell = ws.cell(row=row, column=first, value=_safe(value))
    for key, val in style.items():
        setattr(cell, key, val)


def _boxed(ws: Worksheet, rows: range, columns: int) -> None:
    for row in ws.iter_rows(min_row=rows.start, max_row=rows.stop - 1, max_col=columns):
        for cell in row:
            cell.border = _BOX


def _print_setup(ws: Worksheet, title_rows: str, freeze: str) -> None:
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # type: ignore[union-attr]  # openpyxl always makes it; its stub says Optional
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = title_rows
    ws.freeze_panes = freeze


def indicator_list(codes: Sequence[str], names: Mapping[str, str]) -> str:
    """Indicators as a reader knows them, code and name: "P2 书记、专职副书记参加培训；W3 …"
    (names hold 、, so the items are set apart by ；)."""
    return "；".join(f"{code} {names[code]}" if code in names else code for code in codes)


def _change_text(change: Mapping[str, Any] | None, names: Mapping[str, str]) -> str:
    if change is None:
        return "无上月报表"
    parts = []
    if change["newly_met"]:
        parts.append("新达标：" + indicator_list(change["newly_met"], names))
    if change["newly_failed"]:
        parts.append("新未达标：" + indicator_list(change["newly_failed"], names))
    if change["gaps_delta"]:
        parts.append(f"覆盖缺口{change['gaps_delta']:+d}处")
    return "；".join(parts) or "无变化"


def _grade_label(row: Mapping[str, Any]) -> str:
    return f"{row['grade_name']}（{'认定' if row['grade_determined'] else '测算·未认定'}）"


def write_report_sheet(
    ws: Worksheet, report: Report, rows: Sequence[Mapping[str, Any]], names: Mapping[str, str]
) -> None:
    """One street's 月报表 on `ws` (rows: the communities the reader sees; names: the
    indicators' names by code, of the report's standard)."""
    head = report.head
    month = Month(*map(int, head["month"].split("-")))
    ws.sheet_view.showGridLines = False
    for index, (_, _, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    title = f"{committee_of(head['street_name'])} {month.zh} 社区党建“三有四化”工作月报表"
    _merge(ws, 1, 1, WIDTH, title, font=Font(name=_FONT, size=16, bold=True), alignment=_CENTER)
    ws.row_dimensions[1].height = 32
    filed = head["submitted_at"] or head["generated_at"]
    _merge(ws, 2, 1, 6, f"填报单位：{committee_of(head['street_name'])}（盖章）")
    _merge(
        ws, 2, 7, WIDTH, f"填报日期：{_date_zh(dates.local_day(filed))}",
        alignment=Alignment(horizontal="right"),
    )  # fmt: skip
    _header(ws)
    number = FIRST_ROW
    for number, row in enumerate(rows, start=FIRST_ROW):
        _community_row(ws, number, row, names)
    last = FIRST_ROW + len(rows) - 1
    _totals_row(ws, last + 1, rows)
    _boxed(ws, range(HEADER_ROWS[0], last + 2), WIDTH)
    _commentary(ws, last + 3, head)
    _print_setup(ws, f"{HEADER_ROWS[0]}:{HEADER_ROWS[1]}", f"C{FIRST_ROW}")


def _header(ws: Worksheet) -> None:
    top, sub = HEADER_ROWS
    ws.merge_cells(start_row=top, start_column=9, end_row=top, end_column=11)
    for index, (name, below, _) in enumerate(COLUMNS, start=1):
        if below is None:
            ws.merge_cells(start_row=top, start_column=index, end_row=sub, end_column=index)
            ws.cell(row=top, column=index, value=name)
        else:
            if index == 9:
                ws.cell(row=top, column=index, value=name)
            ws.cell(row=sub, column=index, value=below)
    for row in (top, sub):
        ws.row_dimensions[row].height = 22
        for col in range(1, WIDTH + 1):
            cell = ws.cell(row=row, column=col)
            cell.font, cell.alignment, cell.fill = Font(name=_FONT, bold=True), _CENTER, _HEAD_FILL


def _community_row(
    ws: Worksheet, number: int, row: Mapping[str, Any], names: Mapping[str, str]
) -> None:
    change = row["change"]
    passed, failed = len(row["passed_codes"]), list(row["failed_codes"])
    values = [
        row["position"],
        row["name"],
        _grade_label(row),
        float(row["score"]),
        passed,
        indicator_list(failed, names) or "无",
        _share(row["covered"], row["buildings"]),
        _share(row["zones_with_organization"], row["zones"]),
        change["score_delta"] if change else "—",
        change["building_percent_delta"] if change and change["building_percent_delta"] is not None else "—",
        _change_text(change, names),
        row["remark"],
    ]  # fmt: skip
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=number, column=col, value=_safe(value))
        cell.alignment = _CENTER if col not in (6, 11, 12) else _WRAP
    ws.cell(row=number, column=4).number_format = "0.00"
    ws.cell(row=number, column=5).number_format = f'0"/{passed + len(failed)}"'
    for col in (7, 8):
        ws.cell(row=number, column=col).number_format = PERCENT
    for col in (9, 10):
        ws.cell(row=number, column=col).number_format = DELTA


def _totals_row(ws: Worksheet, number: int, rows: Sequence[Mapping[str, Any]]) -> None:
    t = totals(rows)
    values = {
        1: "合计",
        3: f"达标社区 {t.meets_standard}/{t.communities}",
        4: t.average_score if t.average_score is not None else "—",
        5: t.average_passed if t.average_passed is not None else "—",
        6: "（得分、达标指标数为平均数）",
        7: _share(t.covered, t.buildings),
        8: _share(t.zones_with_organization, t.zones),
    }
    ws.merge_cells(start_row=number, start_column=1, end_row=number, end_column=2)
    for col, value in values.items():
        cell = ws.cell(row=number, column=col, value=_safe(value))
        cell.font, cell.alignment = Font(name=_FONT, bold=True), _CENTER
    ws.cell(row=number, column=4).number_format = "0.00"
    ws.cell(row=number, column=5).number_format = "0.0"
    for col in (7, 8):
        ws.cell(row=number, column=col).number_format = PERCENT


COMMENTARY = (("工作进展", "progress"), ("存在问题", "problems"), ("下月计划", "next_plan"))


def _commentary(ws: Worksheet, first: int, head: Mapping[str, Any]) -> None:
    for offset, (label, column) in enumerate(COMMENTARY):
        number = first + offset
        _merge(ws, number, 1, 2, label, font=Font(name=_FONT, bold=True), alignment=_CENTER)
        _merge(ws, number, 3, WIDTH, head[column] or "（未填写）", alignment=_WRAP)
        lines = max(1, len(head[column]) // 90 + head[column].count("\n") + 1)
        ws.row_dimensions[number].height = min(400, 18 * lines + 12)
        for col in range(1, WIDTH + 1):
            ws.cell(row=number, column=col).border = _BOX
    signer = head["submitted_by"] or head["generated_by"]
    _merge(
        ws, first + len(COMMENTARY) + 1, 1, WIDTH,
        f"审核人：＿＿＿＿＿＿　　　　填报人：{signer}　　　　联系电话：＿＿＿＿＿＿",
    )  # fmt: skip


def write_chart_sheet(
    ws: Worksheet, trend: Sequence[TrendPoint], grades: Sequence[GradeCount]
) -> None:
    """The data of the charts and the charts: coverage and compliance over the months (line),
    the grade distribution (bar)."""
    ws.append(["月份", "三有四化达标率", "楼栋覆盖率", "片区覆盖率", "平均得分"])
    for point in trend:
        t = point.totals
        ws.append([
            point.month,
            _share(t.meets_standard, t.communities),
            _share(t.covered, t.buildings),
            _share(t.zones_with_organization, t.zones),
            t.average_score,
        ])  # fmt: skip
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=4):
        for cell in row:
            cell.number_format = PERCENT
    last = len(trend) + 1
    line = LineChart()
    line.title = "楼栋、片区覆盖率和“三有四化”达标率（按月）"
    line.y_axis.title = "比例"
    line.y_axis.number_format = "0%"
    line.x_axis.title = "月份"
    line.add_data(
        Reference(ws, min_col=2, max_col=4, min_row=1, max_row=last), titles_from_data=True
    )
    line.set_categories(Reference(ws, min_col=1, min_row=2, max_row=last))
    line.height, line.width = 8, 16
    ws.add_chart(line, "H2")

    grade_col = 20  # data of the bar chart: column T, clear of the charts
    ws.cell(row=1, column=grade_col, value="等级")
    ws.cell(row=1, column=grade_col + 1, value="社区数")
    for offset, grade in enumerate(grades, start=2):
        ws.cell(row=offset, column=grade_col, value=_safe(grade.name))
        ws.cell(row=offset, column=grade_col + 1, value=grade.count)
    bar = BarChart()
    bar.type = "col"
    bar.title = "社区等级分布"
    bar.y_axis.title = "社区数"
    bar.x_axis.title = "等级"
    bar_last = len(grades) + 1
    bar.add_data(
        Reference(ws, min_col=grade_col + 1, min_row=1, max_row=bar_last), titles_from_data=True
    )
    bar.set_categories(Reference(ws, min_col=grade_col, min_row=2, max_row=bar_last))
    bar.height, bar.width = 8, 12
    ws.add_chart(bar, "H20")
    for col, width in ((1, 10), (2, 14), (3, 12), (4, 12), (5, 10)):
        ws.column_dimensions[get_column_letter(col)].width = width
    _print_setup(ws, "1:1", "A2")


def _save(wb: Workbook) -> bytes:
    # The workbook holds no formula of ours: any text openpyxl took for one ("=…", typed in
    # the commentary or a name) is kept as text, so opening the file never runs it.
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def street_workbook(
    report: Report,
    rows: Sequence[Mapping[str, Any]],
    trend: Sequence[TrendPoint],
    grades: Sequence[GradeCount],
    names: Mapping[str, str],
) -> bytes:
    """A street office's report of a month, with its chart sheet."""
    wb = Workbook()
    ws = _first_sheet(wb)
    ws.title = sheet_title(report.head["street_name"])
    write_report_sheet(ws, report, rows, names)
    write_chart_sheet(wb.create_sheet(CHART_SHEET), trend, grades)
    return _save(wb)


STATUS_ZH = {"not_generated": "未生成", "draft": "草稿（未报送）", "submitted": "已报送"}
STREET_HEADER = (
    "排名", "街道（乡）", "报送状态", "报送时间", "社区数", "平均得分",
    "平均达标指标数", "三有四化达标社区", "楼栋覆盖率", "片区覆盖率",
)  # fmt: skip
NOT_SUBMITTED_HEADING = "二、未报送街道（乡）（草稿或未生成，不参加排名和汇总）"
NOT_SUBMITTED_HEADER = ("排名", "街道（乡）", "报送状态", "生成时间", *STREET_HEADER[4:])
COMMUNITY_HEADER = (
    "排名", "街道（乡）", "社区", "等级（认定/测算）", "得分", "达标指标数",
    "楼栋覆盖率", "片区覆盖率",
)  # fmt: skip


def _table_header(ws: Worksheet, number: int, names: Sequence[str]) -> None:
    for col, name in enumerate(names, start=1):
        cell = ws.cell(row=number, column=col, value=name)
        cell.font, cell.alignment, cell.fill, cell.border = (
            Font(name=_FONT, bold=True), _CENTER, _HEAD_FILL, _BOX,
        )  # fmt: skip


def _street_row(ws: Worksheet, number: int, street: StreetStatus, ranked: bool) -> None:
    """A street of 汇总: its rank and figures when it submitted; its status (and its draft's
    date) when not — a draft's figures are not the street's report yet."""
    t = street.totals if ranked else None
    filed = None
    if street.report is not None:
        filed = street.report.head["submitted_at" if ranked else "generated_at"]
    values = [
        street.rank if ranked and street.rank is not None else "—",
        street.name,
        STATUS_ZH[street.status],
        _date_zh(dates.local_day(filed)) if filed else "—",
        t.communities if t else "—",
        t.average_score if t and t.average_score is not None else "—",
        t.average_passed if t and t.average_passed is not None else "—",
        f"{t.meets_standard}/{t.communities}" if t else "—",
        _share(t.covered, t.buildings) if t else "—",
        _share(t.zones_with_organization, t.zones) if t else "—",
    ]
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=number, column=col, value=_safe(value))
        cell.border, cell.alignment = _BOX, _CENTER
    for col in (9, 10):
        ws.cell(row=number, column=col).number_format = PERCENT


def write_summary_sheet(ws: Worksheet, rollup: Rollup) -> None:
    """汇总: the streets that submitted in rank order, the streets that did not (apart, out
    of the rankings), then the ranking of the submitted reports' communities."""
    title = f"{rollup.district_name}委组织部 {rollup.month.zh} 社区党建“三有四化”工作月报汇总表"
    width = len(STREET_HEADER)
    _merge(ws, 1, 1, width, title, font=Font(name=_FONT, size=16, bold=True), alignment=_CENTER)
    ws.row_dimensions[1].height = 32
    _merge(ws, 2, 1, width, "一、已报送街道（乡）排名（按平均得分，同分按平均达标指标数）")
    _table_header(ws, 3, STREET_HEADER)
    number = 3
    for number, street in enumerate(rollup.street_ranking, start=4):
        _street_row(ws, number, street, ranked=True)
    start = number + 2
    _merge(ws, start, 1, width, f"{NOT_SUBMITTED_HEADING}（{len(rollup.not_submitted)}个）")
    _table_header(ws, start + 1, NOT_SUBMITTED_HEADER)
    number = start + 1
    for number, street in enumerate(rollup.not_submitted, start=start + 2):
        _street_row(ws, number, street, ranked=False)
    start = number + 2
    _merge(ws, start, 1, width, "三、社区排名（已报送月报表的社区，按得分，同分按达标指标数）")
    _table_header(ws, start + 1, COMMUNITY_HEADER)
    for number, ranked in enumerate(rollup.community_ranking, start=start + 2):
        row = ranked.row
        values = [
            ranked.rank,
            ranked.street_name,
            row["name"],
            _grade_label(row),
            float(row["score"]),
            len(row["passed_codes"]),
            _share(row["covered"], row["buildings"]),
            _share(row["zones_with_organization"], row["zones"]),
        ]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=number, column=col, value=_safe(value))
            cell.border, cell.alignment = _BOX, _CENTER
        for col in (7, 8):
            ws.cell(row=number, column=col).number_format = PERCENT
    widths = (6, 16, 16, 18, 10, 10, 14, 16, 11, 11)
    for col, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = w
    _print_setup(ws, "3:3", "A4")


def _first_sheet(wb: Workbook) -> Worksheet:
    """The sheet a new workbook starts with (openpyxl's `active` is typed as any sheet)."""
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new Workbook's one sheet is a Worksheet
    return ws


def district_workbook(rollup: Rollup) -> bytes:
    """The district's roll-up: 汇总, 统计图, and a sheet per street that submitted."""
    wb = Workbook()
    summary = _first_sheet(wb)
    summary.title = SUMMARY_SHEET
    write_summary_sheet(summary, rollup)
    write_chart_sheet(wb.create_sheet(CHART_SHEET), rollup.trend, rollup.grades)
    for street in rollup.streets:
        if street.submitted and street.report is not None:  # a draft is not its report yet
            ws = wb.create_sheet(sheet_title(street.name))
            names = rollup.indicator_names.get(street.report.head["standard_id"], {})
            write_report_sheet(ws, street.report, street.report.rows, names)
    return _save(wb)
