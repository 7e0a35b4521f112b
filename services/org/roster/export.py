"""Exporting organizations and members into their roster templates, so a department can fix
its data in Excel and import it again: export → import changes nothing.

Each row's code is its external id, or its id when it has none, so a re-import updates it.
Personal fields (birth date, phone) are filled only for callers who may read them there
(district, street office, community secretary within scope: services/common/auth.py); the
import keeps the stored value of a blank personal cell.
"""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import Identity, is_region_code, require_scope
from services.org.models import committee_membership, member, party_organization
from services.org.roster.columns import (
    MEMBER_COLUMNS,
    ORGANIZATION_COLUMNS,
    ORGANIZATIONS,
)
from services.org.roster.workbook import workbook

_ORG = {c.key: c for c in ORGANIZATION_COLUMNS}
_MEMBER = {c.key: c for c in MEMBER_COLUMNS}


def _code(row: dict) -> str:
    return row["external_id"] or str(row["id"])


async def export_roster(
    conn: AsyncConnection, kind: str, region_code: str, identity: Identity
) -> bytes:
    """The roster of `kind` for the communities at or under `region_code` as .xlsx."""
    if not is_region_code(region_code):
        raise ValueError(f"region {region_code!r}: expected 6, 9 or 12 digits")
    require_scope(identity, region_code)
    rows = await (_organizations if kind == ORGANIZATIONS else _members)(
        conn, region_code, identity
    )
    return await asyncio.to_thread(workbook, kind, rows)  # seconds for a district: off the loop


async def _organizations(
    conn: AsyncConnection, region_code: str, _identity: Identity
) -> list[list[object]]:
    query = select(party_organization).where(
        party_organization.c.dissolved_at.is_(None),
        party_organization.c.community_code.startswith(region_code, autoescape=True),
    )
    orgs = [dict(r) for r in (await conn.execute(query)).mappings()]
    by_id = {o["id"]: o for o in orgs}
    secretaries = await _secretaries(conn, list(by_id))

    def depth(o: dict) -> int:
        n, at = 0, o
        while at["parent_id"] in by_id and n < 50:
            n, at = n + 1, by_id[at["parent_id"]]
        return n

    orgs.sort(key=lambda o: (o["community_code"], depth(o), o["name"], str(o["id"])))
    return [
        [
            _code(o),
            o["name"],
            _ORG["kind"].label_of(o["kind"]),
            _code(by_id[o["parent_id"]]) if o["parent_id"] in by_id else None,
            o["community_code"],
            "、".join(_ORG["units"].label_of(u) for u in sorted(o["units"])) or None,
            o["founded_on"],
            secretaries.get(o["id"]),
        ]
        for o in orgs
    ]


async def _secretaries(conn: AsyncConnection, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    query = (
        select(committee_membership.c.organization_id, member.c.name)
        .join(member, member.c.id == committee_membership.c.member_id)
        .where(
            committee_membership.c.organization_id.in_(ids),
            committee_membership.c.role == "secretary",
            committee_membership.c.ended_on.is_(None),
        )
    )
    return dict((await conn.execute(query)).all())


async def _members(
    conn: AsyncConnection, region_code: str, identity: Identity
) -> list[list[object]]:
    orgs = {
        r["id"]: _code(dict(r))
        for r in (
            await conn.execute(
                select(party_organization.c.id, party_organization.c.external_id).where(
                    party_organization.c.community_code.startswith(region_code, autoescape=True)
                )
            )
        ).mappings()
    }
    query = (
        select(member)
        .where(
            member.c.left_on.is_(None),
            member.c.community_code.startswith(region_code, autoescape=True),
        )
        .order_by(member.c.community_code, member.c.name, member.c.id)
    )
    rows = []
    for r in (await conn.execute(query)).mappings():
        personal = identity.may_read_personal(r["community_code"])
        rows.append(
            [
                _code(dict(r)),
                r["name"],
                _MEMBER["gender"].label_of(r["gender"]),
                r["ethnicity"],
                r["birth_date"] if personal else None,
                _MEMBER["education"].label_of(r["education"]),
                r["joined_on"],
                r["confirmed_on"],
                "预备党员" if r["is_probationary"] else "正式党员",
                _MEMBER["management"].label_of(r["management"]),
                orgs.get(r["organization_id"]),
                r["community_code"],
                str(r["home_building_id"]) if r["home_building_id"] else None,
                r["employer_unit"],
                r["phone"] if personal else None,
                _MEMBER["reporting_status"].label_of(r["reporting_status"]) or None,
                r["reported_in_on"],
            ]
        )
    return rows
