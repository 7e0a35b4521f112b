"""The organization roster (组织花名册): each row checked against the file and the stored
organizations (one community organization per community, parents in place), then written
parents first."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Callable

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.org.lookups import COMMUNITY_KINDS
from services.org.models import party_organization
from services.org.organization_changes import UNIT_KINDS
from services.org.roster.columns import (
    COLUMNS,
    ORGANIZATIONS,
    squeeze,
)
from services.org.roster.report import Report
from services.org.roster.rows import (
    ImportOptions,
    RosterRow,
    StoredKeys,
    add_problem,
    check_required,
    code_taken,
    keep_stored_spelling,
    known_communities,
    passed_rows,
    refuse_duplicates,
    row_community,
    start_import,
    tally,
)

_ORGANIZATION_FIELDS = ("name", "kind", "parent_id", "units", "founded_on")


async def organizations_roster(
    conn: AsyncConnection,
    data: bytes,
    options: ImportOptions,
    progress: Callable[[int], None] | None,
) -> Report:
    report, _sheet, rows = await start_import(data, ORGANIZATIONS, options)
    communities = await known_communities(conn)
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
    keys = StoredKeys([r for r in stored if covered(r["community_code"])])
    foreign = StoredKeys([r for r in stored if not covered(r["community_code"])])
    if any(row.values.get("secretary") for row in rows):
        report.skip("书记列仅供查看，未读取 / secretary column not read", "书记")
    refuse_duplicates(rows, options)
    for row in rows:
        check_required(row, COLUMNS[ORGANIZATIONS], frozenset())
        row.values["community"] = row_community(row, options, communities)
        _match_stored_organization(row, keys, foreign)
    in_file, in_file_names = _organizations_in_file(rows)
    for row in rows:
        _organization_rules(row, keys, in_file, in_file_names)
    _one_per_community(rows, stored)
    _parents_refused(rows)
    passed = passed_rows(report, rows)
    if report.refused and not options.partial:
        return report
    changes, new = tally(report, passed, _organization_changed)
    if options.check_only or not changes:
        return report
    await _write_organizations(conn, changes, new, progress)
    report.written = True
    return report


def _match_stored_organization(row: RosterRow, keys: StoredKeys, foreign: StoredKeys) -> None:
    """The stored organization a row names by code (it keeps its id and community)."""
    code, district = row.values.get("external_id"), row.values["district"]
    row.values["stored"] = keys.find(str(code), district) if code else None
    if code and row.values["stored"] is None and foreign.find(str(code), district):
        code_taken(row, "组织编码", "organization code")
    stored_row = row.values["stored"]
    if (
        stored_row
        and row.values["community"]
        and (stored_row["community_code"] != row.values["community"])
    ):
        add_problem(
            row,
            "community",
            "organization.moved",
            f"组织 {code} 属于社区 {stored_row['community_code']}，不能改到其他社区",
            f"Organization {code} belongs to {stored_row['community_code']}: no moves",
        )
    row.values["id"] = stored_row["id"] if stored_row else uuid.uuid4()
    keep_stored_spelling(row.values, stored_row, ("name",))


def _organizations_in_file(
    rows: list[RosterRow],
) -> tuple[dict[tuple[str | None, str], RosterRow], dict[tuple[str, str], list[RosterRow]]]:
    """The file's organizations by (district, code) and by (community, name): parents."""
    in_file = {
        (r.values["district"], str(r.values["external_id"])): r
        for r in rows
        if r.values.get("external_id")
    }
    in_file_names: dict[tuple[str, str], list[RosterRow]] = {}
    for row in rows:
        if row.values.get("community") and row.values.get("name"):
            key = (str(row.values["community"]), squeeze(str(row.values["name"])))
            in_file_names.setdefault(key, []).append(row)
    return in_file, in_file_names


async def _write_organizations(
    conn: AsyncConnection,
    changes: list[RosterRow],
    new: list[RosterRow],
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


def _organization_cells(row: RosterRow) -> None:
    """Its units and founding date."""
    values, kind = row.values, row.values.get("kind")
    values.setdefault("units", [])
    if values.get("units") and kind and kind not in UNIT_KINDS:
        add_problem(
            row,
            "units",
            "organization.units",
            "只有功能型、特色党支部（党小组）设在单位中",
            "Only functional and special branches or groups sit in units",
        )
    if values.get("founded_on") and values["founded_on"] > dt.date.today():
        add_problem(row, "founded_on", "value.future", "日期不能晚于今天", "A date in the future")


def _organization_rules(
    row: RosterRow,
    keys: StoredKeys,
    in_file: dict[tuple[str | None, str], RosterRow],
    in_file_names: dict[tuple[str, str], list[RosterRow]],
) -> None:
    values = row.values
    kind, community = values.get("kind"), values.get("community")
    _organization_cells(row)
    parent_text = values.get("parent")
    values["parent_id"], values["parent_row"] = None, None
    if kind in COMMUNITY_KINDS:
        if parent_text:
            add_problem(
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
        add_problem(
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
        add_problem(
            row,
            "parent",
            "parent.ambiguous" if many else "parent.unknown",
            f"上级组织{'重名，请填写组织编码' if many else '未找到'}：{parent_text}",
            f"Parent organization {'named twice: give its code' if many else 'not found'}: "
            f"{parent_text}",
        )
        return
    if parent_community != community:
        add_problem(
            row,
            "parent",
            "parent.community",
            f"上级组织不属于社区 {community}",
            f"The parent organization is not of community {community}",
        )
    elif parent_kind == "party_group":
        add_problem(
            row,
            "parent",
            "organization.placement",
            "党小组下不能再设党组织",
            "Nothing sits under a Party group",
        )
    elif values["parent_id"] == values["id"]:
        add_problem(row, "parent", "parent.self", "不能是自己的上级", "Its own parent")


def _one_per_community(rows: list[RosterRow], stored: list[dict]) -> None:
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
                add_problem(
                    row,
                    "kind",
                    "organization.one_per_community",
                    "该社区已有社区党组织（党委、党总支或党支部只能有一个）",
                    "This community already has its community Party organization",
                )


def _parents_refused(rows: list[RosterRow]) -> None:
    """A row under a refused row (or in a loop of parents) cannot be written either."""
    changed = True
    while changed:
        changed = False
        for row in rows:
            parent = row.values.get("parent_row")
            if row.problems or parent is None:
                continue
            if parent.problems or _loops(row):
                add_problem(
                    row,
                    "parent",
                    "parent.refused",
                    f"上级组织（第{parent.number}行）未通过检查或形成循环",
                    f"The parent organization (row {parent.number}) is refused or loops",
                )
                changed = True


def _loops(row: RosterRow) -> bool:
    seen, at = {id(row)}, row.values.get("parent_row")
    while at is not None:
        if id(at) in seen:
            return True
        seen.add(id(at))
        at = at.values.get("parent_row")
    return False


def _by_depth(rows: list[RosterRow]) -> list[list[RosterRow]]:
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


def _organization_changed(row: RosterRow) -> bool:
    stored = row.values["stored"]
    if stored is None:
        return True
    return any(
        (sorted(stored[f]) if f == "units" else stored[f]) != row.values[f]
        for f in _ORGANIZATION_FIELDS
    )
