"""Reading a roster workbook as departments fill it: a title row or a few above the header,
headers merged across two rows, other systems' names for the columns, extra columns.

The first sheet is read streamed (openpyxl read_only): a 30,000-row roster never sits in
memory as cells.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from services.common.errors import DomainError, invalid
from services.org.roster.columns import COLUMNS, IGNORED_HEADERS, RosterColumn, header_key

if TYPE_CHECKING:
    # read_only gives a ReadOnlyWorksheet; the stubs type a workbook's sheets as Worksheet-like
    # (the same iter_rows).
    from openpyxl.worksheet.worksheet import Worksheet

HEADER_SEARCH_ROWS = 20  # title rows, notes and a two-row header fit well within this


@dataclass
class Sheet:
    """The rows of a roster under its header: `columns` maps a column key to its index."""

    columns: dict[str, int]
    header_row: int  # 1-based, as Excel numbers rows
    rows: list[tuple[int, tuple[object, ...]]]  # (Excel row number, values)
    ignored: list[str] = field(default_factory=list)  # personal columns read past
    unknown: list[str] = field(default_factory=list)  # headers that name no column


def _lookup(columns: tuple[RosterColumn, ...]) -> dict[str, str]:
    known: dict[str, str] = {}
    for column in columns:
        for name in (column.zh, *column.aliases):
            known.setdefault(header_key(name), column.key)
    return known


def _match(row: tuple[object, ...], known: dict[str, str]) -> dict[int, str]:
    return {
        i: known[header_key(str(v))]
        for i, v in enumerate(row)
        if v is not None and header_key(str(v)) in known
    }


def read_sheet(data: bytes, kind: str) -> Sheet:
    """The roster in `data` (.xlsx); INVALID when it is no workbook or has no header."""
    from openpyxl import load_workbook  # imported late: the CLI starts without it

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise invalid(
            "文件不是 Excel 工作簿（.xlsx）：请下载模板填写后导入",
            "The file is not an Excel workbook (.xlsx): fill in the template and import it",
            ["file"],
        )
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise invalid(
            # The reader's reason is English: it goes in the English message only.
            "无法读取 Excel 工作簿：文件可能已损坏，请用模板重新填写后导入",
            f"The workbook could not be read: {exc}",
            ["file"],
        ) from None
    try:
        return _read(book.worksheets[0], kind)
    finally:
        book.close()


def _read(sheet: Worksheet, kind: str) -> Sheet:
    known = _lookup(COLUMNS[kind])
    rows = sheet.iter_rows(values_only=True)
    seen: list[tuple[object, ...]] = []
    header_at = None
    for number, row in enumerate(rows, start=1):
        seen.append(row)
        if len(_match(row, known)) >= 2:
            header_at = number
            break
        if number >= HEADER_SEARCH_ROWS:
            break
    if header_at is None:
        raise _no_header(kind)
    header = list(seen[-1])
    above = seen[-2] if len(seen) > 1 else ()
    # A header merged down over two rows: its text is in the upper row only.
    for i, value in enumerate(header):
        if value is None and i < len(above) and above[i] is not None:
            header[i] = above[i]
    matched = _match(tuple(header), known)
    columns: dict[str, int] = {}
    for i, key in matched.items():
        columns.setdefault(key, i)  # the first of two columns of one meaning wins
    ignored = [
        str(v).strip()
        for v in header
        if v is not None and header_key(str(v)) in {header_key(h) for h in IGNORED_HEADERS}
    ]
    unknown = [
        str(v).strip()
        for i, v in enumerate(header)
        if v is not None and str(v).strip() and i not in matched and str(v).strip() not in ignored
    ]
    required = [c for c in COLUMNS[kind] if c.required and c.key not in columns]
    if required:
        names = "、".join(c.zh for c in required)
        raise invalid(
            f"表头缺少必填列：{names}",
            f"The header lacks required columns: {', '.join(c.en for c in required)}",
            ["file", "header"],
        )
    body: list[tuple[int, tuple[object, ...]]] = [
        (number, row)
        for number, row in enumerate(rows, start=header_at + 1)
        if any(v is not None and str(v).strip() for v in row)
    ]
    return Sheet(columns, header_at, body, ignored, unknown)


def _no_header(kind: str) -> DomainError:
    expected = "、".join(c.zh for c in COLUMNS[kind] if c.required)
    return invalid(
        f"前{HEADER_SEARCH_ROWS}行中未找到表头（应含 {expected} 等列）：请使用下载的模板",
        f"No header in the first {HEADER_SEARCH_ROWS} rows (columns such as {expected}): "
        "use the downloaded template",
        ["file", "header"],
    )
