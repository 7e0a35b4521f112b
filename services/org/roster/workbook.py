"""Roster workbooks: the empty template, an export (the same template filled), and the rows an
import refused (the same columns with an error column), all written streamed (openpyxl
write_only) so a district's 30,000 members fit.

Coded columns get drop-down lists (data validation) over a hidden sheet of their labels; a
说明 sheet says what each column takes.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from services.org.roster.columns import COLUMNS, TITLES, RosterColumn

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CODES_SHEET = "代码"
NOTES_SHEET = "说明"
ERROR_HEADER = "错误原因 / Errors"
VALIDATED_ROWS = 50000  # drop-downs reach this far down the sheet
DATE_FORMAT = "yyyy-mm-dd"


def template(kind: str) -> bytes:
    """The empty roster of `kind` (organizations or members)."""
    return workbook(kind, [])


def workbook(kind: str, rows: Iterable[Sequence[object]], *, errors: bool = False) -> bytes:
    """A roster of `kind` holding `rows` (values in the order of COLUMNS[kind]; labels, not
    codes); `errors` adds a last column of reasons (the refused-rows file)."""
    from openpyxl import Workbook  # imported late: the CLI starts without it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = COLUMNS[kind]
    book = Workbook(write_only=True)
    sheet = book.create_sheet(TITLES[kind])
    codes = book.create_sheet(CODES_SHEET)
    notes = book.create_sheet(NOTES_SHEET)
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(10, 2 * len(column.zh) + 4)
    sheet.freeze_panes = "A2"
    bold, required = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.zh)
        cell.font = bold
        if column.required:
            cell.fill = required
        header.append(cell)
    if errors:
        header.append(WriteOnlyCell(sheet, value=ERROR_HEADER))
    coded = [(i, c) for i, c in enumerate(columns, start=1) if c.codes and c.key != "units"]
    for n, (i, column) in enumerate(coded, start=1):
        letter, size = get_column_letter(n), len(column.codes)
        validation = DataValidation(
            type="list",
            formula1=f"'{CODES_SHEET}'!${letter}$2:${letter}${size + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=column.zh,
            error=f"请从下拉列表中选择{column.zh}",
        )
        target = get_column_letter(i)
        validation.add(f"{target}2:{target}{VALIDATED_ROWS}")
        sheet.data_validations.append(validation)
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(sheet, WriteOnlyCell, value) for value in row])
    _codes_sheet(codes, [c for _, c in coded])
    codes.sheet_state = "hidden"
    _notes_sheet(notes, kind, columns)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(sheet: object, make: Callable[..., Any], value: object) -> Any:
    cell = make(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text a person typed, never a formula (no formula injection)
    if isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    return cell


def _codes_sheet(sheet: WriteOnlyWorksheet, columns: list[RosterColumn]) -> None:
    labels = [list(c.codes) for c in columns]
    sheet.append([c.zh for c in columns])
    for n in range(max((len(x) for x in labels), default=0)):
        sheet.append([x[n] if n < len(x) else None for x in labels])


def _notes_sheet(sheet: WriteOnlyWorksheet, kind: str, columns: Sequence[RosterColumn]) -> None:
    add = sheet.append
    add([f"{TITLES[kind]}填写说明"])
    add(["第一行为表头，可在表头上方保留标题行；一行一条记录；黄色列必填。"])
    add(["日期可写作 2020-05-01、2020.5.1、2020年5月1日、202005，或直接使用 Excel 日期。"])
    add(
        [
            "导入时先检查整个文件：有任何一行不合格则不写入（可选择只导入合格行，其余行连同错误原因退回）。"
        ]
    )
    if kind == "members":
        add(
            ["不需要、也不保存身份证号：含身份证号的列会被忽略。留空的出生日期、联系电话保持原值。"]
        )
    add([])
    add(["列", "必填", "说明", "可选值"])
    for column in columns:
        add(
            [
                column.zh,
                "是" if column.required else "",
                column.note,
                "、".join(column.codes) if column.codes else "",
            ]
        )
