"""The member roster (党员花名册): each row checked against its stored member, organization,
home and the member forms' rules, then written in batches."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from sqlalchemy import Text, Uuid, any_, bindparam, func, insert, select, union_all, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import DomainError
from services.org.grid_client import Home
from services.org.member_records import MemberDetails, check_details
from services.org.models import member, party_organization
from services.org.roster.columns import (
    COLUMNS,
    MEMBERS,
    squeeze,
)
from services.org.roster.report import Report
from services.org.roster.rows import (
    WRITE_BATCH,
    HomesOf,
    ImportOptions,
    RosterRow,
    StoredKeys,
    add_problem,
    as_uuid,
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


async def members_roster(
    conn: AsyncConnection,
    data: bytes,
    options: ImportOptions,
    homes_of: HomesOf | None,
    progress: Callable[[int], None] | None,
) -> Report:
    report, _sheet, rows = await start_import(data, MEMBERS, options)
    communities = await known_communities(conn)
    organizations = StoredKeys(
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
    refuse_duplicates(rows, options)  # sets each row's district, which the lookup needs
    codes = {str(r.values["external_id"]) for r in rows if r.values.get("external_id")}
    districts = {str(r.values["district"]) for r in rows if r.values.get("district")}
    stored = StoredKeys(await _stored_members(conn, codes, districts))
    for row in rows:
        row.values["stored"] = _stored_member(row, stored, options)
        check_required(
            row, COLUMNS[MEMBERS], _KEPT_WHEN_BLANK if row.values["stored"] else frozenset()
        )
        row.values["community"] = row_community(row, options, communities)
    homes = await _homes(rows, homes_of)
    for row in rows:
        _member_rules(row, organizations, homes, report)
    passed = passed_rows(report, rows)
    if report.refused and not options.partial:
        return report
    changes, new = tally(report, passed, _member_changed)
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


def _stored_member(row: RosterRow, stored: StoredKeys, options: ImportOptions) -> dict | None:
    """The stored member a row names by its number."""
    code = row.values.get("external_id")
    found = stored.find(str(code), row.values["district"]) if code else None
    # Another place's members are not the caller's to see (nor their birth dates, which
    # the checks below would compare): a code of theirs in the row's district is refused
    # as taken, naming nothing.
    if found is not None and not options.identity.covers(found["community_code"]):
        code_taken(row, "党员编号", "member number")
        found = None
    return found


async def _write_members(
    conn: AsyncConnection,
    changes: list[RosterRow],
    new: list[RosterRow],
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
    place `StoredKeys.find` looks a code up), or by id anywhere (what an export wrote)."""
    if not codes:
        return []
    ids = [u for u in (as_uuid(c) for c in codes) if u is not None]
    params = {"codes": sorted(codes), "districts": sorted(districts), "ids": ids}
    found = {r["id"]: dict(r) for r in (await conn.execute(STORED_MEMBERS, params)).mappings()}
    return list(found.values())  # a member found both ways, once


async def _homes(rows: list[RosterRow], homes_of: HomesOf | None) -> dict[str, _HomeIndex]:
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
    row: RosterRow, organizations: StoredKeys, homes: dict[str, _HomeIndex], report: Report
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


def _member_stored(row: RosterRow) -> None:
    """A member stays in its community; blank cells keep what is stored."""
    values, stored = row.values, row.values["stored"]
    community = values.get("community")
    if stored and community and stored["community_code"] != community:
        add_problem(
            row,
            "community",
            "member.moved",
            f"党员属于社区 {stored['community_code']}：转到其他社区请办理组织关系转接",
            f"The member belongs to {stored['community_code']}: moving is a transfer",
        )
    for key in _KEPT_WHEN_BLANK:
        if stored and values.get(key) in (None, ""):
            values[key] = stored[key]
    keep_stored_spelling(values, stored, ("name", "ethnicity", "employer_unit", "phone"))


def _member_organization(row: RosterRow, organizations: StoredKeys) -> None:
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
                add_problem(
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


def _member_home(row: RosterRow, homes: dict[str, _HomeIndex], report: Report) -> None:
    """The home: a building id of the community, or an address matched against its buildings."""
    values, stored = row.values, row.values["stored"]
    community = values.get("community")
    values["home_building_id"] = None
    home_text = values.get("home")
    if home_text and community:
        known = homes.get(community, _NO_HOMES)
        building_id = as_uuid(str(home_text))
        if building_id is not None:
            if building_id in known.ids:
                values["home_building_id"] = building_id
            else:
                add_problem(
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


def _member_dates(row: RosterRow) -> None:
    values = row.values
    values["is_probationary"] = values.get("category") == "probationary"
    if values.get("confirmed_on"):
        if values["is_probationary"]:
            add_problem(
                row,
                "confirmed_on",
                "member.confirmed_on",
                "预备党员没有转正日期",
                "A probationary member has no confirmation date",
            )
        elif values.get("joined_on") and values["confirmed_on"] < values["joined_on"]:
            add_problem(
                row,
                "confirmed_on",
                "member.confirmed_on",
                "转正日期早于入党日期",
                "Confirmed before joining",
            )
    for key in ("confirmed_on", "reported_in_on"):
        if values.get(key) and values[key] > dt.date.today():
            add_problem(row, key, "value.future", "日期不能晚于今天", "A date in the future")


def _member_reporting(row: RosterRow) -> None:
    """Self-managed members do not report in; the others report to a unit."""
    values, stored = row.values, row.values["stored"]
    management = values.get("management")
    if management == "self":
        if values.get("reporting_status") or values.get("reported_in_on"):
            add_problem(
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


def _member_details(row: RosterRow) -> None:
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
        add_problem(row, column, f"member.{column}", refused.message, refused.message_en)


def _member_changed(row: RosterRow) -> bool:
    stored = row.values["stored"]
    return stored is None or any(stored[f] != row.values[f] for f in _MEMBER_FIELDS)


def _member_values(row: RosterRow) -> dict:
    values = {f: row.values[f] for f in _MEMBER_FIELDS}
    return values | {
        "id": uuid.uuid4(),
        "community_code": row.values["community"],
        "external_id": row.values.get("external_id"),
    }
