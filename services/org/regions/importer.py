"""Import the region tree (统计用区划代码 lists) from CSV or XLSX: check the whole file, write
nothing unless every row passes, and update names on re-import (idempotent).

Columns: code, name, parent code — English or Chinese headers (区划代码/代码, 名称/区划名称,
上级区划代码/上级代码); title rows above the header and merged header cells are fine; codes
that Excel stored as numbers are read back as text. The CLI (`partygrid import regions`) and
org's `POST /imports/regions` both read the file with `read_rows` (off the event loop) and
write with `import_regions`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.cells import code_cell, text_cell
from services.common.errors import DomainError
from services.common.import_report import ImportReport
from services.org.models import region
from services.org.regions import tree as regions

# Header aliases, compared after trimming and lower-casing.
_HEADERS = {
    "code": ("code", "区划代码", "代码", "统计用区划代码", "行政区划代码"),
    "name": ("name", "名称", "区划名称", "单位名称"),
    "parent": ("parent code", "parent_code", "parentcode", "上级区划代码", "上级代码"),
}
_HEADER_SEARCH_ROWS = 20  # title rows above the header: a few at most


@dataclass(frozen=True)
class Row:
    number: int  # 1-based, as the spreadsheet shows it
    code: str
    name: str
    parent: str


class UnreadableFileError(ValueError):
    """The file is no CSV/XLSX we can read, or lacks a header; `message` in Chinese."""

    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en


def _header_columns(cells: list[Any]) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        label = str(cell or "").replace("\n", "").replace(" ", "").strip().lower()
        for key, aliases in _HEADERS.items():
            if key not in found and label in {a.replace(" ", "") for a in aliases}:
                found[key] = index
    return found if "code" in found and "name" in found else None


def _cell(cells: list[Any], index: int | None) -> Any:
    return cells[index] if index is not None and index < len(cells) else None


def _rows_from_table(table: Iterable[tuple[int, list[Any]]]) -> list[Row]:
    columns: dict[str, int] | None = None
    rows: list[Row] = []
    for number, cells in table:
        if columns is None:
            if number > _HEADER_SEARCH_ROWS:
                break
            columns = _header_columns(cells)
            continue
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        # A header repeated below (a header merged over two rows, a second header row) is no data.
        if _header_columns(cells) is not None:
            continue
        code, name, parent = (_cell(cells, columns.get(key)) for key in ("code", "name", "parent"))
        rows.append(Row(number, code_cell(code), text_cell(name), code_cell(parent)))
    if columns is None:
        raise UnreadableFileError(
            "未找到表头：需要“区划代码”“名称”列（可选“上级区划代码”）",
            "No header row found: columns code (区划代码) and name (名称) are needed, "
            "parent code (上级区划代码) optional",
        )
    return rows


def _xlsx_table(data: bytes) -> Iterable[tuple[int, list[Any]]]:
    from openpyxl import load_workbook  # only XLSX imports pay for it

    sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        yield number, list(values)


def _csv_table(data: bytes) -> Iterable[tuple[int, list[Any]]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Chinese CSVs from Excel are often GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFileError(
            "CSV 编码无法识别（应为 UTF-8 或 GBK）", "CSV is neither UTF-8 nor GBK"
        )
    for number, values in enumerate(csv.reader(io.StringIO(text)), start=1):
        yield number, list(values)


def read_rows(data: bytes, filename: str = "") -> list[Row]:
    """The file's rows; XLSX found by its zip signature, else CSV."""
    if data[:4] == b"PK\x03\x04":
        try:
            return _rows_from_table(_xlsx_table(data))
        except UnreadableFileError:
            raise
        except Exception as exc:  # openpyxl refuses broken workbooks with assorted errors
            raise UnreadableFileError(
                f"无法读取 Excel 文件 {filename}", f"Cannot read the Excel file {filename}: {exc}"
            ) from None
    if filename.lower().endswith((".xls", ".xlsx")):
        raise UnreadableFileError(
            "不是 .xlsx 文件（旧版 .xls 请另存为 .xlsx）",
            "Not an .xlsx workbook (save an old .xls as .xlsx)",
        )
    return _rows_from_table(_csv_table(data))


def _refuse_duplicates(rows: list[Row], report: ImportReport) -> None:
    """A code on a second row is refused there (the first one is checked as any other)."""
    seen: dict[str, Row] = {}
    for row in rows:
        if row.code in seen:
            report.refuse(
                "duplicate_code",
                f"区划代码重复（首次出现在第{seen[row.code].number}行）",
                f"The code appears twice (first on row {seen[row.code].number})",
                row.number, "code", row.code,
            )  # fmt: skip
        seen.setdefault(row.code, row)


def _check(
    rows: list[Row],
    existing: dict[str, dict],
    report: ImportReport,
    may_write: Callable[[str], bool],
) -> list[Row]:
    """Every rule on every row; the rows to write, parents first."""
    _refuse_duplicates(rows, report)
    in_file = {row.code for row in rows}
    good: list[Row] = []
    for row in rows:
        # A blank parent of a street or community is its code's prefix (lists often omit it).
        level = regions.level_of(row.code)
        parent = row.parent or (row.code[:-3] if level and level != "district" else "")
        problem = regions.code_problem(row.code, parent or None)
        if level is None and problem is not None:
            report.refuse(
                "code_format", problem.message, problem.message_en, row.number, "code", row.code
            )
            continue
        if problem is not None:
            report.refuse(
                "parent_nesting",
                problem.message,
                problem.message_en,
                row.number,
                "parentCode",
                f"{row.code} ← {parent}",
            )
            continue
        if not row.name:
            report.refuse(
                "name_missing", "名称不能为空", "The name is empty", row.number, "name", row.code
            )
            continue
        try:
            regions.clean_name(row.name)
        except DomainError as bad:
            report.refuse(
                "name_invalid", bad.message, bad.message_en, row.number, "name", row.name[:40]
            )
            continue
        if parent and parent not in in_file and parent not in existing:
            report.refuse(
                "parent_unknown",
                f"上级区划{parent}不存在（既不在文件中，也不在系统中）",
                f"Parent region {parent} exists neither in the file nor in the system",
                row.number, "parentCode", parent,
            )  # fmt: skip
            continue
        if parent in existing and existing[parent]["retired_at"] is not None:
            problem = regions.retired_refusal(parent, "parentCode")
            report.refuse(
                "parent_retired",
                problem.message,
                problem.message_en,
                row.number,
                "parentCode",
                parent,
            )
            continue
        if not may_write(row.code):
            report.refuse(
                "out_of_scope",
                f"超出管辖范围：{row.code}（新区县只能由管理员在命令行导入）",
                f"Outside your scope: {row.code} (a new district is imported by an operator "
                "on the command line)",
                row.number, "code", row.code,
            )  # fmt: skip
            continue
        good.append(Row(row.number, row.code, regions.clean_name(row.name), parent))
    return sorted(good, key=lambda r: (len(r.code), r.code))


async def import_regions(
    conn: AsyncConnection,
    rows: list[Row],
    *,
    check_only: bool = False,
    may_write: Callable[[str], bool] = lambda code: True,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Check the file's `rows` (`read_rows`: the caller reads the file first, off the event
    loop and before its transaction opens), then (unless `check_only` or anything is
    refused) insert new places and rename changed ones in `conn`'s transaction.
    `may_write(code)` is the caller's scope (the CLI operator: everything; a district user:
    its own district only)."""
    report = ImportReport("regions", check_only)
    report.read = len(rows)
    codes = {r.code for r in rows} | {r.parent for r in rows if r.parent}
    codes |= {r.code[:-3] for r in rows if regions.level_of(r.code) not in (None, "district")}
    found = (await conn.execute(select(region).where(region.c.code.in_(codes)))).mappings()
    existing = {row["code"]: dict(row) for row in found}
    good = _check(rows, existing, report, may_write)
    if report.refused or check_only:
        return report
    for done, row in enumerate(good, start=1):
        before = existing.get(row.code)
        if before is None:
            await regions.create_region(
                conn, code=row.code, name=row.name, parent_code=row.parent or None
            )
            report.imported += 1
        elif before["name"] != row.name:
            await conn.execute(
                update(region).where(region.c.code == row.code).values(name=row.name)
            )
            report.updated += 1
        else:
            report.skip("unchanged", row.code)
        if progress:
            progress(done, len(good))
    report.written = True
    return report
