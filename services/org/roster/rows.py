"""A roster file's rows: cells read and checked one by one, and what both kinds share
(the caller's communities, stored rows found by external id, duplicates, refusals)."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import Identity, is_region_code
from services.common.auth_codes import parse_region_code
from services.common.cells import code_cell
from services.common.errors import DomainError
from services.common.text import MAX_NAME, clean_text
from services.org.grid_client import Home
from services.org.member_records import MAX_PHONE
from services.org.models import region
from services.org.roster.columns import (
    COLUMNS,
    DateUnreadableError,
    RosterColumn,
    clean_cell,
    clean_name,
    read_date,
    squeeze,
)
from services.org.roster.read import Sheet, read_sheet
from services.org.roster.report import Problem, RefusedRow, Report

HomesOf = Callable[[list[str]], Awaitable[dict[str, list[Home]]]]
WRITE_BATCH = 2000  # rows per INSERT: few round trips, statements of a sane size

_UNIT_SEPARATORS = re.compile(r"[、,，;；/\s]+")


@dataclass(frozen=True)
class ImportOptions:
    identity: Identity
    check_only: bool = False
    partial: bool = False
    community: str | None = None  # fills blank community cells; other communities refused


@dataclass
class RosterRow:
    number: int
    raw: dict[str, object]
    # Parsed cells by column key; each column has its own type (text, date, flag, code).
    values: dict[str, Any]
    problems: list[Problem]


# --- reading cells ---------------------------------------------------------------------


def _parse(sheet: Sheet, columns: tuple[RosterColumn, ...], number: int, row: tuple) -> RosterRow:
    raw: dict[str, object] = {}
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for column in columns:
        index = sheet.columns.get(column.key)
        cell = row[index] if index is not None and index < len(row) else None
        raw[column.key] = cell
        try:
            values[column.key] = _value(column, cell)
        except _BadCellError as bad:
            shown = code_cell(cell) if column.key == "community" else clean_cell(cell)
            problems.append(Problem(column.key, bad.rule, bad.zh, bad.en, shown))
    return RosterRow(number, raw, values, problems)


class _BadCellError(Exception):
    def __init__(self, rule: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.rule, self.zh, self.en = rule, zh, en


def _value(column: RosterColumn, cell: object) -> object:
    if column.is_date:
        try:
            return read_date(cell)
        except DateUnreadableError:
            raise _BadCellError(
                "value.date",
                f"无法识别的日期：{clean_cell(cell)}（可写作 2020-05-01、2020.5.1、2020年5月1日）",
                f"Unreadable date {clean_cell(cell)!r} (write e.g. 2020-05-01)",
            ) from None
    if column.key == "community":  # a code: exactly as written, never folded (issue 12)
        return _community_code(code_cell(cell))
    if column.key == "units":
        labels = [u for u in _UNIT_SEPARATORS.split(clean_cell(cell)) if u]
        codes = [column.code_of(u) for u in labels]
        known = [c for c in codes if c is not None]
        if len(known) < len(codes):
            raise _bad_code(column, clean_cell(cell))
        return sorted(set(known))
    text = clean_name(cell) if column.key == "name" else clean_cell(cell)
    if column.codes:
        if not text:
            return None
        code = column.code_of(text)
        if code is None:
            raise _bad_code(column, text)
        return code
    try:
        cap = MAX_PHONE if column.key == "phone" else MAX_NAME
        return clean_text(text, [column.key], cap, what_zh=column.zh)
    except DomainError as refused:
        raise _BadCellError("value.text", refused.message, refused.message_en) from None


def _community_code(text: str) -> str | None:
    if not text:
        return None
    try:  # the one region-code rule: full-width digits or stray characters are refused
        return parse_region_code(text, ["community"], (12,))
    except DomainError as bad:
        raise _BadCellError("community.format", bad.message, bad.message_en) from None


def _bad_code(column: RosterColumn, text: str) -> _BadCellError:
    allowed = "、".join(column.codes)
    return _BadCellError(
        f"value.{column.key}",
        f"{column.zh}不在列表中：{text}（可选：{allowed}）",
        f"Unknown {column.en} {text!r} (one of: {allowed})",
    )


def add_problem(row: RosterRow, column: str | None, rule: str, zh: str, en: str) -> None:
    value = clean_cell(row.raw.get(column)) if column else ""
    row.problems.append(Problem(column, rule, zh, en, value))


def check_required(row: RosterRow, columns: tuple[RosterColumn, ...], keep: frozenset[str]) -> None:
    """Required cells left blank (those in `keep` may stay blank: the stored value stays)."""
    bad = {p.column for p in row.problems}
    for column in columns:
        blank = row.values.get(column.key) in (None, "")
        if column.required and blank and column.key not in bad and column.key not in keep:
            add_problem(
                row,
                column.key,
                "value.required",
                f"{column.zh}不能为空",
                f"{column.en} is required",
            )


# --- context shared by both kinds -------------------------------------------------------


async def known_communities(conn: AsyncConnection) -> set[str]:
    rows = await conn.execute(select(region.c.code).where(region.c.level == "community"))
    return set(rows.scalars())


def row_community(row: RosterRow, options: ImportOptions, known: set[str]) -> str | None:
    if any(p.column == "community" for p in row.problems):
        return None  # the cell itself is refused (community.format)
    code = row.values.get("community") or options.community
    if not code:
        add_problem(row, "community", "community.required", "所在社区不能为空", "No community")
        return None
    code = str(code)
    if options.community and code != options.community:
        add_problem(
            row,
            "community",
            "community.other",
            f"所在社区 {code} 不是本次导入的社区 {options.community}",
            f"Community {code} is not the community imported, {options.community}",
        )
        return None
    if code not in known:
        add_problem(
            row,
            "community",
            "community.unknown",
            f"未找到社区（12位区划代码）：{code}",
            f"No community {code} (12-digit code)",
        )
        return None
    if not options.identity.covers(code):
        add_problem(
            row,
            "community",
            "community.scope",
            f"超出管辖范围：{code}",
            f"Outside your scope: {code}",
        )
        return None
    return code


def as_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def district_of(row: RosterRow, options: ImportOptions) -> str | None:
    """The district whose external ids a row's code is looked up among: its community's (the
    cell, else --community), else the caller's own; None when none is known (such a row is
    refused for its community anyway)."""
    for code in (row.values.get("community"), options.community, options.identity.region):
        if isinstance(code, str) and is_region_code(code):
            return code[:6]
    return None


class StoredKeys:
    """Stored rows by (district, external id), by id, and by (community, name)."""

    def __init__(self, rows: list[dict]) -> None:
        self.by_code: dict[tuple[str, str], dict] = {}
        self.by_id: dict[str, dict] = {}
        self.by_name: dict[tuple[str, str], list[dict]] = {}
        for row in rows:
            self.by_id[str(row["id"])] = row
            if row.get("external_id"):
                self.by_code[(row["community_code"][:6], row["external_id"])] = row
            self.by_name.setdefault((row["community_code"], squeeze(row["name"])), []).append(row)

    def find(self, code: str, district: str | None) -> dict | None:
        """The row `code` names in `district` (an external id), or anywhere (an id)."""
        found = self.by_code.get((district, code)) if district else None
        as_id = as_uuid(code)
        return found or (self.by_id.get(str(as_id)) if as_id else None)


def keep_stored_spelling(values: dict, stored: dict | None, fields: tuple[str, ...]) -> None:
    """Text that differs from the stored text only in width or spaces is the stored text: a
    name typed 第１支部 in the graph and exported comes back unchanged."""
    for f in fields:
        new, old = values.get(f), (stored or {}).get(f)
        if new and old and new != old and squeeze(str(new)) == squeeze(str(old)):
            values[f] = old


def refuse_duplicates(rows: list[RosterRow], options: ImportOptions) -> None:
    """Each row's district (`values["district"]`) set; a code twice in one district refused."""
    seen: dict[tuple[str | None, str], int] = {}
    for row in rows:
        row.values["district"] = district_of(row, options)
        code = row.values.get("external_id")
        if not code:
            continue
        key = (row.values["district"], str(code))
        if key in seen:
            add_problem(
                row,
                "external_id",
                "external_id.duplicate",
                f"编码与第{seen[key]}行重复：{code}",
                f"The same code as row {seen[key]}: {code}",
            )
        else:
            seen[key] = row.number


def passed_rows(report: Report, rows: list[RosterRow]) -> list[RosterRow]:
    """Rows with problems into the report; the rest returned."""
    passed = []
    for row in rows:
        if row.problems:
            report.refuse_row(RefusedRow(row.number, row.raw, row.problems))
        else:
            passed.append(row)
    return passed


async def start_import(
    data: bytes, kind: str, options: ImportOptions
) -> tuple[Report, Sheet, list[RosterRow]]:
    # Reading a large workbook takes seconds of CPU: off the event loop, so the service
    # keeps answering other callers meanwhile.
    return await asyncio.to_thread(_read_rows, data, kind, options)


def _read_rows(
    data: bytes, kind: str, options: ImportOptions
) -> tuple[Report, Sheet, list[RosterRow]]:
    columns = COLUMNS[kind]
    sheet = read_sheet(data, kind)
    report = Report(kind, options.check_only, headers={c.key: c.zh for c in columns})
    for name in sheet.ignored:
        report.skip("身份证号等个人身份信息列不读取、不保存 / ID-number column ignored", name)
    for name in sheet.unknown:
        report.skip("未识别的列 / unknown column", name)
    rows = [_parse(sheet, columns, number, values) for number, values in sheet.rows]
    report.read = len(rows)
    return report, sheet, rows


def tally(
    report: Report, passed: list[RosterRow], changed: Callable[[RosterRow], bool]
) -> tuple[list[RosterRow], list[RosterRow]]:
    """The passed rows that change something, and those of them that are new, counted."""
    changes = [r for r in passed if changed(r)]
    if len(passed) > len(changes):
        report.skip("与已存数据相同 / unchanged", "", len(passed) - len(changes))
    new = [r for r in changes if r.values["stored"] is None]
    report.imported, report.updated = len(new), len(changes) - len(new)
    return changes, new


def code_taken(row: RosterRow, label: str, label_en: str) -> None:
    add_problem(
        row,
        "external_id",
        "external_id.taken",
        f"{label}已被占用：请核对编号",
        f"This {label_en} is already in use: check it",
    )
