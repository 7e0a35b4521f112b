"""Importing the organization and member rosters (组织、党员花名册) from Excel.

The whole file is checked first, every row and column, without writing; then, only when every
row passes (or the caller asked for `partial`: the valid rows, the rest sent back as a file of
refused rows), everything is written in the caller's one transaction. A row whose external id
(组织编码 / 党员编号: the roster system's own key, or the id an export wrote) names a stored one
updates it; an unchanged row is skipped as unchanged, so export → import changes nothing.
External ids are unique per district (two districts' systems may number alike): a row matches
the stored rows of its own district (its community's first six digits), and a code held only
in another district is no clash.

Members' homes are buildings of their community, named by building id or by address (matched
against grid's buildings, `homes_of`); addresses that match none are listed, not refused.
身份证号 columns are read past and never stored. Personal fields (birth date, phone) left blank
on a member that exists keep what is stored: an export withholds them from callers who may not
read them, and re-importing such a file must not erase them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, Uuid, any_, bindparam, func, insert, select, union_all, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import Identity, is_region_code
from services.common.auth_codes import parse_region_code
from services.common.cells import code_cell
from services.common.errors import DomainError, UserErrorCode
from services.common.text import MAX_NAME, clean_text
from services.org.grid_client import Home
from services.org.lookups import COMMUNITY_KINDS
from services.org.member_records import MAX_PHONE, MemberDetails, check_details
from services.org.models import member, party_organization, region
from services.org.organization_changes import UNIT_KINDS
from services.org.roster.columns import (
    COLUMNS,
    MEMBERS,
    ORGANIZATIONS,
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
class _Row:
    number: int
    raw: dict[str, object]
    # Parsed cells by column key; each column has its own type (text, date, flag, code).
    values: dict[str, Any]
    problems: list[Problem]


# --- reading cells ---------------------------------------------------------------------


def _parse(sheet: Sheet, columns: tuple[RosterColumn, ...], number: int, row: tuple) -> _Row:
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
    return _Row(number, raw, values, problems)


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
        if None in codes:
            raise _bad_code(column, clean_cell(cell))
        return sorted(set(codes))  # type: ignore[type-var]
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


def _problem(row: _Row, column: str | None, rule: str, zh: str, en: str) -> None:
    value = clean_cell(row.raw.get(column)) if column else ""
    row.problems.append(Problem(column, rule, zh, en, value))


def _required(row: _Row, columns: tuple[RosterColumn, ...], keep: frozenset[str]) -> None:
    """Required cells left blank (those in `keep` may stay blank: the stored value stays)."""
    bad = {p.column for p in row.problems}
    for column in columns:
        blank = row.values.get(column.key) in (None, "")
        if column.required and blank and column.key not in bad and column.key not in keep:
            _problem(
                row,
                column.key,
                "value.required",
                f"{column.zh}不能为空",
                f"{column.en} is required",
            )


# --- context shared by both kinds -------------------------------------------------------


async def _communities(conn: AsyncConnection) -> set[str]:
    rows = await conn.execute(select(region.c.code).where(region.c.level == "community"))
    return set(rows.scalars())


def _community(row: _Row, options: ImportOptions, known: set[str]) -> str | None:
    if any(p.column == "community" for p in row.problems):
        return None  # the cell itself is refused (community.format)
    code = row.values.get("community") or options.community
    if not code:
        _problem(row, "community", "community.required", "所在社区不能为空", "No community")
        return None
    code = str(code)
    if options.community and code != options.community:
        _problem(
            row,
            "community",
            "community.other",
            f"所在社区 {code} 不是本次导入的社区 {options.community}",
            f"Community {code} is not the community imported, {options.community}",
        )
        return None
    if code not in known:
        _problem(
            row,
            "community",
            "community.unknown",
            f"未找到社区（12位区划代码）：{code}",
            f"No community {code} (12-digit code)",
        )
        return None
    if not options.identity.covers(code):
        _problem(
            row,
            "community",
            "community.scope",
            f"超出管辖范围：{code}",
            f"Outside your scope: {code}",
        )
        return None
    return code


def _as_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _district_of(row: _Row, options: ImportOptions) -> str | None:
    """The district whose external ids a row's code is looked up among: its community's (the
    cell, else --community), else the caller's own; None when none is known (such a row is
    refused for its community anyway)."""
    for code in (row.values.get("community"), options.community, options.identity.region):
        if isinstance(code, str) and is_region_code(code):
            return code[:6]
    return None


class _Keys:
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
        as_id = _as_uuid(code)
        return found or (self.by_id.get(str(as_id)) if as_id else None)


def _keep_stored_spelling(values: dict, stored: dict | None, fields: tuple[str, ...]) -> None:
    """Text that differs from the stored text only in width or spaces is the stored text: a
    name typed 第１支部 in the graph and exported comes back unchanged."""
    for f in fields:
        new, old = values.get(f), (stored or {}).get(f)
        if new and old and new != old and squeeze(str(new)) == squeeze(str(old)):
            values[f] = old


def _duplicates(rows: list[_Row], options: ImportOptions) -> None:
    """Each row's district (`values["district"]`) set; a code twice in one district refused."""
    seen: dict[tuple[str | None, str], int] = {}
    for row in rows:
        row.values["district"] = _district_of(row, options)
        code = row.values.get("external_id")
        if not code:
            continue
        key = (row.values["district"], str(code))
        if key in seen:
            _problem(
                row,
                "external_id",
                "external_id.duplicate",
                f"编码与第{seen[key]}行重复：{code}",
                f"The same code as row {seen[key]}: {code}",
            )
        else:
            seen[key] = row.number


def _refuse(report: Report, rows: list[_Row]) -> list[_Row]:
    """Rows with problems into the report; the rest returned."""
    passed = []
    for row in rows:
        if row.problems:
            report.refuse_row(RefusedRow(row.number, row.raw, row.problems))
        else:
            passed.append(row)
    return passed


async def _start(
    data: bytes, kind: str, options: ImportOptions
) -> tuple[Report, Sheet, list[_Row]]:
    # Reading a large workbook takes seconds of CPU: off the event loop, so the service
    # keeps answering other callers meanwhile.
    return await asyncio.to_thread(_read_rows, data, kind, options)


def _read_rows(data: bytes, kind: str, options: ImportOptions) -> tuple[Report, Sheet, list[_Row]]:
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


async def import_roster(
    conn: AsyncConnection,
    kind: str,
    data: bytes,
    options: ImportOptions,
    *,
    homes_of: HomesOf | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Check (and unless `check_only` or refused, write) one roster file in `conn`'s
    transaction. Raises DomainError only for a file that is not a roster at all."""
    try:
        if kind == ORGANIZATIONS:
            return await _organizations(conn, data, options, progress)
        if kind == MEMBERS:
            return await _members(conn, data, options, homes_of, progress)
    except IntegrityError as clash:
        # The checks mirror the constraints; what slips past (a write racing this import, a
        # community organization demoted and replaced in one file) refuses the whole file.
        name = getattr(getattr(clash.orig, "diag", None), "constraint_name", None) or "?"
        raise DomainError(
            UserErrorCode.CONFLICT,
            f"写入时与已存数据冲突（{name}），未写入任何数据",
            f"The write clashed with stored data ({name}); nothing was written",
            ["file"],
        ) from None
    raise ValueError(f"unknown roster kind {kind!r}")


# --- organizations ----------------------------------------------------------------------

_ORGANIZATION_FIELDS = ("name", "kind", "parent_id", "units", "founded_on")


async def _organizations(
    conn: AsyncConnection,
    data: bytes,
    options: ImportOptions,
    progress: Callable[[int], None] | None,
) -> Report:
    report, _sheet, rows = await _start(data, ORGANIZATIONS, options)
    communities = await _communities(conn)
    stored = [
        dict(r)
        for r in (
            await conn.execute(
                select(party_organization).where(party_organization.c.dissolved_at.is_(None))
            )
        ).mappings()
    ]
    # Another place's organizations are not the caller's to see: a code of theirs (in the
    # row's district) is refused as taken, naming nothing (issue 12: out of scope reads as
    # unknown).
    covered = options.identity.covers
    keys = _Keys([r for r in stored if covered(r["community_code"])])
    foreign = _Keys([r for r in stored if not covered(r["community_code"])])
    if any(row.values.get("secretary") for row in rows):
        report.skip("书记列仅供查看，未读取 / secretary column not read", "书记")
    _duplicates(rows, options)
    for row in rows:
        _required(row, COLUMNS[ORGANIZATIONS], frozenset())
        row.values["community"] = _community(row, options, communities)
        _match_stored_organization(row, keys, foreign)
    in_file, in_file_names = _organizations_in_file(rows)
    for row in rows:
        _organization_rules(row, keys, in_file, in_file_names)
    _one_per_community(rows, stored)
    _parents_refused(rows)
    passed = _refuse(report, rows)
    if report.refused and not options.partial:
        return report
    changes, new = _tally(report, passed, _organization_changed)
    if options.check_only or not changes:
        return report
    await _write_organizations(conn, changes, new, progress)
    report.written = True
    return report


def _match_stored_organization(row: _Row, keys: _Keys, foreign: _Keys) -> None:
    """The stored organization a row names by code (it keeps its id and community)."""
    code, district = row.values.get("external_id"), row.values["district"]
    row.values["stored"] = keys.find(str(code), district) if code else None
    if code and row.values["stored"] is None and foreign.find(str(code), district):
        _taken(row, "组织编码", "organization code")
    stored_row = row.values["stored"]
    if (
        stored_row
        and row.values["community"]
        and (stored_row["community_code"] != row.values["community"])
    ):
        _problem(
            row,
            "community",
            "organization.moved",
            f"组织 {code} 属于社区 {stored_row['community_code']}，不能改到其他社区",
            f"Organization {code} belongs to {stored_row['community_code']}: no moves",
        )
    row.values["id"] = stored_row["id"] if stored_row else uuid.uuid4()
    _keep_stored_spelling(row.values, stored_row, ("name",))


def _organizations_in_file(
    rows: list[_Row],
) -> tuple[dict[tuple[str | None, str], _Row], dict[tuple[str, str], list[_Row]]]:
    """The file's organizations by (district, code) and by (community, name): parents."""
    in_file = {
        (r.values["district"], str(r.values["external_id"])): r
        for r in rows
        if r.values.get("external_id")
    }
    in_file_names: dict[tuple[str, str], list[_Row]] = {}
    for row in rows:
        if row.values.get("community") and row.values.get("name"):
            key = (str(row.values["community"]), squeeze(str(row.values["name"])))
            in_file_names.setdefault(key, []).append(row)
    return in_file, in_file_names


def _tally(
    report: Report, passed: list[_Row], changed: Callable[[_Row], bool]
) -> tuple[list[_Row], list[_Row]]:
    """The passed rows that change something, and those of them that are new, counted."""
    changes = [r for r in passed if changed(r)]
    if len(passed) > len(changes):
        report.skip("与已存数据相同 / unchanged", "", len(passed) - len(changes))
    new = [r for r in changes if r.values["stored"] is None]
    report.imported, report.updated = len(new), len(changes) - len(new)
    return changes, new


async def _write_organizations(
    conn: AsyncConnection,
    changes: list[_Row],
    new: list[_Row],
    progress: Callable[[int], None] | None,
) -> None:
    # Stored ones first, so a community organization demoted in the file makes room for the
    # one it adds (one per community); a stored one moving under a new one gets its parent
    # once that is written.
    new_ids = {r.values["id"] for r in new}
    updates = sorted(
        (r for r in changes if r.values["stored"] is not None),
        key=lambda r: r.values["kind"] in COMMUNITY_KINDS,
    )
    later = []
    for r in updates:
        values = {f: r.values[f] for f in _ORGANIZATION_FIELDS}
        if values["parent_id"] in new_ids:
            later.append(r)
            values["parent_id"] = None
        await _update_organization(conn, r.values["id"], values)
    for depth_rows in _by_depth(new):
        await conn.execute(
            insert(party_organization),
            [
                {
                    "id": r.values["id"],
                    "community_code": r.values["community"],
                    "name": r.values["name"],
                    "kind": r.values["kind"],
                    "parent_id": r.values["parent_id"],
                    "units": r.values["units"],
                    "founded_on": r.values["founded_on"],
                    "external_id": r.values["external_id"],
                }
                for r in depth_rows
            ],
        )
        if progress:
            progress(len(depth_rows))
    for r in later:
        await conn.execute(
            update(party_organization)
            .where(party_organization.c.id == r.values["id"])
            .values(parent_id=r.values["parent_id"])
        )
    if progress:
        progress(len(updates))


async def _update_organization(conn: AsyncConnection, org_id: uuid.UUID, values: dict) -> None:
    await conn.execute(
        update(party_organization)
        .where(party_organization.c.id == org_id)
        .values(**values, version=party_organization.c.version + 1)
    )


def _organization_cells(row: _Row) -> None:
    """Its units and founding date."""
    values, kind = row.values, row.values.get("kind")
    values.setdefault("units", [])
    if values.get("units") and kind and kind not in UNIT_KINDS:
        _problem(
            row,
            "units",
            "organization.units",
            "只有功能型、特色党支部（党小组）设在单位中",
            "Only functional and special branches or groups sit in units",
        )
    if values.get("founded_on") and values["founded_on"] > dt.date.today():
        _problem(row, "founded_on", "value.future", "日期不能晚于今天", "A date in the future")


def _organization_rules(
    row: _Row,
    keys: _Keys,
    in_file: dict[tuple[str | None, str], _Row],
    in_file_names: dict[tuple[str, str], list[_Row]],
) -> None:
    values = row.values
    kind, community = values.get("kind"), values.get("community")
    _organization_cells(row)
    parent_text = values.get("parent")
    values["parent_id"], values["parent_row"] = None, None
    if kind in COMMUNITY_KINDS:
        if parent_text:
            _problem(
                row,
                "parent",
                "organization.placement",
                "社区党组织是社区的最高一级党组织，不能有上级",
                "A community organization is the top of its community: it has no parent",
            )
        return
    if not kind or not community:
        return
    if not parent_text:
        _problem(
            row,
            "parent",
            "parent.required",
            "网格党支部、党小组和功能型、特色组织须填写上级组织",
            "Grid branches, groups, functional and special ones need a parent organization",
        )
        return
    parent_text = str(parent_text)
    named = in_file_names.get((community, squeeze(parent_text)), [])
    stored_named = keys.by_name.get((community, squeeze(parent_text)), [])
    district = values["district"]
    file_parent = in_file.get((district, parent_text)) or (named[0] if len(named) == 1 else None)
    stored_parent = keys.find(parent_text, district) or (
        stored_named[0] if len(stored_named) == 1 else None
    )
    if file_parent is not None:
        parent_kind, parent_community = (
            file_parent.values.get("kind"),
            file_parent.values.get("community"),
        )
        values["parent_id"], values["parent_row"] = file_parent.values["id"], file_parent
    elif stored_parent is not None:
        parent_kind, parent_community = stored_parent["kind"], stored_parent["community_code"]
        values["parent_id"] = stored_parent["id"]
    else:
        many = len(named) > 1 or len(stored_named) > 1
        _problem(
            row,
            "parent",
            "parent.ambiguous" if many else "parent.unknown",
            f"上级组织{'重名，请填写组织编码' if many else '未找到'}：{parent_text}",
            f"Parent organization {'named twice: give its code' if many else 'not found'}: "
            f"{parent_text}",
        )
        return
    if parent_community != community:
        _problem(
            row,
            "parent",
            "parent.community",
            f"上级组织不属于社区 {community}",
            f"The parent organization is not of community {community}",
        )
    elif parent_kind == "party_group":
        _problem(
            row,
            "parent",
            "organization.placement",
            "党小组下不能再设党组织",
            "Nothing sits under a Party group",
        )
    elif values["parent_id"] == values["id"]:
        _problem(row, "parent", "parent.self", "不能是自己的上级", "Its own parent")


def _one_per_community(rows: list[_Row], stored: list[dict]) -> None:
    """plan (二): one community organization per community, counting stored ones the file
    does not change."""
    touched = {r.values["id"] for r in rows}
    counts = Counter(
        o["community_code"]
        for o in stored
        if o["kind"] in COMMUNITY_KINDS and o["id"] not in touched
    )
    for row in rows:
        community = row.values.get("community")
        if row.values.get("kind") in COMMUNITY_KINDS and community:
            counts[community] += 1
            if counts[community] > 1:
                _problem(
                    row,
                    "kind",
                    "organization.one_per_community",
                    "该社区已有社区党组织（党委、党总支或党支部只能有一个）",
                    "This community already has its community Party organization",
                )


def _parents_refused(rows: list[_Row]) -> None:
    """A row under a refused row (or in a loop of parents) cannot be written either."""
    changed = True
    while changed:
        changed = False
        for row in rows:
            parent = row.values.get("parent_row")
            if row.problems or parent is None:
                continue
            if parent.problems or _loops(row):
                _problem(
                    row,
                    "parent",
                    "parent.refused",
                    f"上级组织（第{parent.number}行）未通过检查或形成循环",
                    f"The parent organization (row {parent.number}) is refused or loops",
                )
                changed = True


def _loops(row: _Row) -> bool:
    seen, at = {id(row)}, row.values.get("parent_row")
    while at is not None:
        if id(at) in seen:
            return True
        seen.add(id(at))
        at = at.values.get("parent_row")
    return False


def _by_depth(rows: list[_Row]) -> list[list[_Row]]:
    """New rows in insert order: parents in the file before their children."""
    pending, levels, done = list(rows), [], set()
    new_ids = {r.values["id"] for r in rows}
    while pending:
        level = [
            r
            for r in pending
            if r.values["parent_id"] not in new_ids or r.values["parent_id"] in done
        ]
        levels.append(level)
        done |= {r.values["id"] for r in level}
        pending = [r for r in pending if r.values["id"] not in done]
    return levels


def _organization_changed(row: _Row) -> bool:
    stored = row.values["stored"]
    if stored is None:
        return True
    return any(
        (sorted(stored[f]) if f == "units" else stored[f]) != row.values[f]
        for f in _ORGANIZATION_FIELDS
    )


# --- members ----------------------------------------------------------------------------

# check_details's fields -> roster columns
_DETAIL_COLUMNS = {
    "gender": "gender",
    "education": "education",
    "management": "management",
    "birthDate": "birth_date",
    "joinedOn": "joined_on",
    "organizationId": "organization",
    "employerUnit": "employer_unit",
}
_MEMBER_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "joined_on",
    "confirmed_on",
    "is_probationary",
    "management",
    "organization_id",
    "home_building_id",
    "employer_unit",
    "phone",
    "reporting_status",
    "reported_in_on",
    "reporting_unit",
)
_KEPT_WHEN_BLANK = frozenset({"birth_date", "phone"})  # personal: withheld by some exports


async def _members(
    conn: AsyncConnection,
    data: bytes,
    options: ImportOptions,
    homes_of: HomesOf | None,
    progress: Callable[[int], None] | None,
) -> Report:
    report, _sheet, rows = await _start(data, MEMBERS, options)
    communities = await _communities(conn)
    organizations = _Keys(
        [
            dict(r)
            for r in (
                await conn.execute(
                    select(
                        party_organization.c.id,
                        party_organization.c.external_id,
                        party_organization.c.community_code,
                        party_organization.c.name,
                    ).where(party_organization.c.dissolved_at.is_(None))
                )
            ).mappings()
        ]
    )
    _duplicates(rows, options)  # sets each row's district, which the lookup needs
    codes = {str(r.values["external_id"]) for r in rows if r.values.get("external_id")}
    districts = {str(r.values["district"]) for r in rows if r.values.get("district")}
    stored = _Keys(await _stored_members(conn, codes, districts))
    for row in rows:
        row.values["stored"] = _stored_member(row, stored, options)
        _required(row, COLUMNS[MEMBERS], _KEPT_WHEN_BLANK if row.values["stored"] else frozenset())
        row.values["community"] = _community(row, options, communities)
    homes = await _homes(rows, homes_of)
    for row in rows:
        _member_rules(row, organizations, homes, report)
    passed = _refuse(report, rows)
    if report.refused and not options.partial:
        return report
    changes, new = _tally(report, passed, _member_changed)
    if report.unmatched_homes:
        number, text = report.unmatched_homes[0]
        report.skip(
            "居住地址未匹配到楼栋 / address matched no building",
            f"第{number}行 {text}",
            len(report.unmatched_homes),
        )
    if options.check_only or not changes:
        return report
    await _write_members(conn, changes, new, progress)
    report.written = True
    return report


def _stored_member(row: _Row, stored: _Keys, options: ImportOptions) -> dict | None:
    """The stored member a row names by its number."""
    code = row.values.get("external_id")
    found = stored.find(str(code), row.values["district"]) if code else None
    # Another place's members are not the caller's to see (nor their birth dates, which
    # the checks below would compare): a code of theirs in the row's district is refused
    # as taken, naming nothing.
    if found is not None and not options.identity.covers(found["community_code"]):
        _taken(row, "党员编号", "member number")
        found = None
    return found


async def _write_members(
    conn: AsyncConnection,
    changes: list[_Row],
    new: list[_Row],
    progress: Callable[[int], None] | None,
) -> None:
    for start in range(0, len(new), WRITE_BATCH):
        batch = new[start : start + WRITE_BATCH]
        await conn.execute(insert(member), [_member_values(r) for r in batch])
        if progress:
            progress(len(batch))
    updates = [r for r in changes if r.values["stored"] is not None]
    statement = (
        update(member)
        .where(member.c.id == bindparam("stored_id"))
        .values(version=member.c.version + 1)
    )
    for start in range(0, len(updates), WRITE_BATCH):
        batch = updates[start : start + WRITE_BATCH]
        await conn.execute(
            statement,
            [
                {f: r.values[f] for f in _MEMBER_FIELDS} | {"stored_id": r.values["stored"]["id"]}
                for r in batch
            ],
        )
        if progress:
            progress(len(batch))


def _taken(row: _Row, label: str, label_en: str) -> None:
    _problem(
        row,
        "external_id",
        "external_id.taken",
        f"{label}已被占用：请核对编号",
        f"This {label_en} is already in use: check it",
    )


# Members by (district, external id) or by id. Arrays, not IN lists: 30,000 codes as separate
# parameters near the protocol's limit. Through left(community_code, 6): the only index on
# external_id is the unique one on (left(community_code, 6), external_id) (org_0006); by
# external_id alone every member is scanned.
# Two branches, each answered by its own index (an OR of both made the plan depend on the
# table's statistics: a full index scan with a filter on a small table).
STORED_MEMBERS = union_all(
    select(member).where(
        func.left(member.c.community_code, 6) == any_(bindparam("districts", type_=ARRAY(Text))),
        member.c.external_id == any_(bindparam("codes", type_=ARRAY(Text))),
    ),
    select(member).where(member.c.id == any_(bindparam("ids", type_=ARRAY(Uuid)))),
)


async def _stored_members(
    conn: AsyncConnection, codes: set[str], districts: set[str]
) -> list[dict]:
    """Members the file's codes may name: by external id in the rows' `districts` (the only
    place `_Keys.find` looks a code up), or by id anywhere (what an export wrote)."""
    if not codes:
        return []
    ids = [u for u in (_as_uuid(c) for c in codes) if u is not None]
    params = {"codes": sorted(codes), "districts": sorted(districts), "ids": ids}
    found = {r["id"]: dict(r) for r in (await conn.execute(STORED_MEMBERS, params)).mappings()}
    return list(found.values())  # a member found both ways, once


async def _homes(rows: list[_Row], homes_of: HomesOf | None) -> dict[str, _HomeIndex]:
    wanted = sorted(
        {
            str(r.values["community"])
            for r in rows
            if r.values.get("home") and r.values.get("community")
        }
    )
    if not wanted or homes_of is None:
        return {}
    return {code: _HomeIndex(homes) for code, homes in (await homes_of(wanted)).items()}


class _HomeIndex:
    """One community's buildings by id, by address and by name (compared squeezed); an
    address or name two buildings share matches neither."""

    def __init__(self, homes: list[Home]) -> None:
        self.ids = {h.id for h in homes}
        self.by_address: dict[str, list[Home]] = {}
        self.by_name: dict[str, list[Home]] = {}
        for h in homes:
            self.by_address.setdefault(squeeze(h.address), []).append(h)
            self.by_name.setdefault(squeeze(h.name), []).append(h)

    def match(self, text: str) -> Home | None:
        key = squeeze(text)
        for index in (self.by_address, self.by_name):
            found = index.get(key, [])
            if len(found) == 1:
                return found[0]
        return None


_NO_HOMES = _HomeIndex([])


def _member_rules(
    row: _Row, organizations: _Keys, homes: dict[str, _HomeIndex], report: Report
) -> None:
    """The checks of one member row that reach beyond its own cells, in order: the stored
    member, its organization, its home, its dates, its reporting in, then the details as
    a whole (what a form's write would refuse)."""
    _member_stored(row)
    _member_organization(row, organizations)
    _member_home(row, homes, report)
    _member_dates(row)
    _member_reporting(row)
    _member_details(row)


def _member_stored(row: _Row) -> None:
    """A member stays in its community; blank cells keep what is stored."""
    values, stored = row.values, row.values["stored"]
    community = values.get("community")
    if stored and community and stored["community_code"] != community:
        _problem(
            row,
            "community",
            "member.moved",
            f"党员属于社区 {stored['community_code']}：转到其他社区请办理组织关系转接",
            f"The member belongs to {stored['community_code']}: moving is a transfer",
        )
    for key in _KEPT_WHEN_BLANK:
        if stored and values.get(key) in (None, ""):
            values[key] = stored[key]
    _keep_stored_spelling(values, stored, ("name", "ethnicity", "employer_unit", "phone"))


def _member_organization(row: _Row, organizations: _Keys) -> None:
    """The organization, by code or by name within the community."""
    values = row.values
    community = values.get("community")
    values["organization_id"] = None
    org_text = values.get("organization")
    if org_text and community:
        org = organizations.find(str(org_text), values["district"])
        if org is None:
            named = organizations.by_name.get((community, squeeze(str(org_text))), [])
            org = named[0] if len(named) == 1 else None
            if org is None:
                _problem(
                    row,
                    "organization",
                    "organization.ambiguous" if named else "organization.unknown",
                    f"{'党组织重名，请填写组织编码' if named else '未找到党组织'}：{org_text}",
                    f"{'Organization named twice: give its code' if named else 'No organization'}"
                    f": {org_text}",
                )
        if org is not None:
            values["organization_id"] = org["id"]
            values["organization_row"] = org


def _member_home(row: _Row, homes: dict[str, _HomeIndex], report: Report) -> None:
    """The home: a building id of the community, or an address matched against its buildings."""
    values, stored = row.values, row.values["stored"]
    community = values.get("community")
    values["home_building_id"] = None
    home_text = values.get("home")
    if home_text and community:
        known = homes.get(community, _NO_HOMES)
        building_id = _as_uuid(str(home_text))
        if building_id is not None:
            if building_id in known.ids:
                values["home_building_id"] = building_id
            else:
                _problem(
                    row,
                    "home",
                    "building.unknown",
                    f"社区 {community} 没有这个楼栋：{home_text}",
                    f"No building {home_text} in community {community}",
                )
        else:
            home = known.match(str(home_text))
            if home is None:
                report.unmatched_homes.append((row.number, str(home_text)))
                if stored:  # an address the grid does not know yet keeps the stored home
                    values["home_building_id"] = stored["home_building_id"]
            else:
                values["home_building_id"] = home.id


def _member_dates(row: _Row) -> None:
    values = row.values
    values["is_probationary"] = values.get("category") == "probationary"
    if values.get("confirmed_on"):
        if values["is_probationary"]:
            _problem(
                row,
                "confirmed_on",
                "member.confirmed_on",
                "预备党员没有转正日期",
                "A probationary member has no confirmation date",
            )
        elif values.get("joined_on") and values["confirmed_on"] < values["joined_on"]:
            _problem(
                row,
                "confirmed_on",
                "member.confirmed_on",
                "转正日期早于入党日期",
                "Confirmed before joining",
            )
    for key in ("confirmed_on", "reported_in_on"):
        if values.get(key) and values[key] > dt.date.today():
            _problem(row, key, "value.future", "日期不能晚于今天", "A date in the future")


def _member_reporting(row: _Row) -> None:
    """Self-managed members do not report in; the others report to a unit."""
    values, stored = row.values, row.values["stored"]
    management = values.get("management")
    if management == "self":
        if values.get("reporting_status") or values.get("reported_in_on"):
            _problem(
                row,
                "reporting_status",
                "member.reporting",
                "自管党员无需报到：报到情况、报到日期应为空",
                "Self-managed members do not report in: leave reporting in blank",
            )
        values["reporting_status"] = None
        kept = stored if stored and stored["management"] == "self" else {}
        values["reporting_unit"] = kept.get("reporting_unit")
    elif management:
        values["reporting_status"] = values.get("reporting_status") or "pending"
        if stored and stored["management"] != "self":
            values["reporting_unit"] = stored["reporting_unit"]  # the roster has no column
        else:
            values["reporting_unit"] = values.get("employer_unit")


def _member_details(row: _Row) -> None:
    """The details as a whole, checked as the member forms check them."""
    values = row.values
    community, management = values.get("community"), values.get("management")
    if any(
        p.column in ("birth_date", "joined_on", "gender", "education", "management")
        for p in row.problems
    ):
        return  # the details cannot be checked as a whole
    if None in (community, values.get("birth_date"), values.get("joined_on"), management):
        return
    details = MemberDetails(
        community_code=str(community),
        name=str(values.get("name") or ""),
        gender=str(values.get("gender")),
        birth_date=values["birth_date"],
        education=str(values.get("education")),
        joined_on=values["joined_on"],
        is_probationary=bool(values["is_probationary"]),
        management=str(management),
        organization_id=values["organization_id"],
        employer_unit=values.get("employer_unit"),
    )
    if any(p.column == "organization" for p in row.problems):
        return
    try:
        check_details(details, values.get("organization_row"))
    except DomainError as refused:
        column = _DETAIL_COLUMNS.get((refused.field or [""])[-1])
        _problem(row, column, f"member.{column}", refused.message, refused.message_en)


def _member_changed(row: _Row) -> bool:
    stored = row.values["stored"]
    return stored is None or any(stored[f] != row.values[f] for f in _MEMBER_FIELDS)


def _member_values(row: _Row) -> dict:
    values = {f: row.values[f] for f in _MEMBER_FIELDS}
    return values | {
        "id": uuid.uuid4(),
        "community_code": row.values["community"],
        "external_id": row.values.get("external_id"),
    }


def refused_rows_file(report: Report) -> bytes | None:
    """The refused rows as the same roster with an error column, or None when none."""
    if not report.refused_rows:
        return None
    from services.org.roster.workbook import workbook

    columns = COLUMNS[report.kind]
    rows = [
        [r.values.get(c.key) for c in columns]
        + ["；".join(f"{report.headers.get(p.column or '', '')}：{p.message}" for p in r.problems)]
        for r in report.refused_rows
    ]
    return workbook(report.kind, rows, errors=True)
