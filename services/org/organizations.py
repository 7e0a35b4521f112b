"""Party organizations and the members they hold (queries; rules come with their issue)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    CTE,
    ColumnElement,
    Row,
    ScalarSelect,
    Select,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection

from services.org.models import member, party_organization, region
from services.org.regions import tree as regions

# plan (二): 社区党委、社区党总支、社区党支部 — the three kinds of community organization.
COMMUNITY_KINDS = ("community_committee", "general_branch", "branch")

_live = party_organization.c.dissolved_at.is_(None)


async def organizations_by_id(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[dict | None]:
    rows = (
        await conn.execute(select(party_organization).where(party_organization.c.id.in_(ids)))
    ).mappings()
    found = {row["id"]: dict(row) for row in rows}
    return [found.get(i) for i in ids]


async def community_organization_of(
    conn: AsyncConnection, community_codes: Sequence[str]
) -> list[dict | None]:
    """The one live community Party organization of each community."""
    rows = (
        await conn.execute(
            select(party_organization).where(
                party_organization.c.community_code.in_(community_codes),
                party_organization.c.kind.in_(COMMUNITY_KINDS),
                _live,
            )
        )
    ).mappings()
    found = {row["community_code"]: dict(row) for row in rows}
    return [found.get(code) for code in community_codes]


async def children_of(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[list[dict]]:
    rows = (
        await conn.execute(
            select(party_organization)
            .where(party_organization.c.parent_id.in_(ids), _live)
            .order_by(party_organization.c.kind, party_organization.c.name)
        )
    ).mappings()
    grouped: dict[uuid.UUID, list[dict]] = {i: [] for i in ids}
    for row in rows:
        grouped[row["parent_id"]].append(dict(row))
    return [grouped[i] for i in ids]


async def member_counts(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[int]:
    """How many members (who have not left) each organization holds the membership of."""
    rows = await conn.execute(
        select(member.c.organization_id, func.count())
        .where(member.c.organization_id.in_(ids), member.c.left_on.is_(None))
        .group_by(member.c.organization_id)
    )
    counts: dict[uuid.UUID, int] = dict(rows.tuples().all())
    return [counts.get(i, 0) for i in ids]


async def resident_member_counts(
    conn: AsyncConnection, building_ids: Sequence[uuid.UUID]
) -> list[int]:
    """How many Party members live in each building (all management types)."""
    rows = await conn.execute(
        select(member.c.home_building_id, func.count())
        .where(member.c.home_building_id.in_(building_ids), member.c.left_on.is_(None))
        .group_by(member.c.home_building_id)
    )
    counts: dict[uuid.UUID, int] = dict(rows.tuples().all())
    return [counts.get(i, 0) for i in building_ids]


def _no_residents() -> dict[str, int]:
    return {"total": 0, "self": 0, "non_self": 0, "joint": 0, "pending": 0}


def _count_residents(which: ColumnElement[bool]) -> Select:
    """One GROUP BY over the members who have not left and match `which`: per home building,
    the total, each management type (self, non_self, joint) and those not yet reported in
    (pending), ordered by building. Buildings with no such member are absent. The database
    does the sums: one row per building reaches Python."""
    management = member.c.management
    return (
        select(
            member.c.home_building_id,
            func.count(),
            func.count().filter(management == "self"),
            func.count().filter(management == "non_self"),
            func.count().filter(management == "joint"),
            func.count().filter(member.c.reporting_status == "pending"),
        )
        .where(which, member.c.home_building_id.is_not(None), member.c.left_on.is_(None))
        .group_by(member.c.home_building_id)
        .order_by(member.c.home_building_id)  # the database sorts UUIDs far faster than Python
    )


def _by_building(rows: Iterable[Row]) -> dict[uuid.UUID, dict[str, int]]:
    return {
        building: {
            "total": total,
            "self": own,
            "non_self": non_self,
            "joint": joint,
            "pending": pending,
        }
        for building, total, own, non_self, joint, pending in rows
    }


def _community_kinds(prefixes: Sequence[str]) -> tuple[CTE, CTE]:
    """The communities at or below some regions (`prefixes`, LIKE patterns) and the kind of
    each one's live community organization (None when it has none): shared by both
    statements below."""
    communities = (
        select(region.c.code)
        .where(
            region.c.level == "community",
            region.c.code.like(any_(bindparam("prefixes", list(prefixes), type_=ARRAY(Text)))),
        )
        .cte("communities")
    )
    o = party_organization
    return communities, (
        select(communities.c.code, o.c.kind)
        .select_from(
            communities.outerjoin(
                o,
                and_(
                    o.c.community_code == communities.c.code,
                    o.c.kind.in_(COMMUNITY_KINDS),
                    o.c.dissolved_at.is_(None),
                ),
            )
        )
        .cte("kinds")
    )


async def resident_counts(conn: AsyncConnection, building_ids: Sequence[uuid.UUID]) -> list[dict]:
    """Members living in each building, by management type, and those not yet reported in."""
    rows = await conn.execute(_count_residents(member.c.home_building_id.in_(building_ids)))
    counts = _by_building(rows)
    return [counts.get(b) or _no_residents() for b in building_ids]


async def community_kinds_in_regions(
    conn: AsyncConnection, region_codes: Sequence[str]
) -> list[tuple[str, str | None]]:
    """(code, kind of its live community organization or None) for every community at or
    below these regions, by code."""
    patterns = regions.prefixes(region_codes)
    if not patterns:
        return []
    _, kinds = _community_kinds(patterns)
    rows = await conn.execute(select(kinds.c.code, kinds.c.kind).order_by(kinds.c.code))
    return [(code, kind) for code, kind in rows]


@dataclass(frozen=True)
class RegionResidents:
    """The communities at or below some regions with their organizations' kinds, and the
    resident members of their buildings, as parallel columns (entry i: building i)."""

    community_codes: list[str]
    community_kinds: list[str | None]
    building_ids: list[str]
    total: list[int]
    self_managed: list[int]
    non_self_managed: list[int]
    jointly_managed: list[int]
    not_reported_in: list[int]


# Grid's coverage asks this for every coverage it computes: one statement builds every column
# as an array in the database, so no row reaches Python (the per-row work and a second round
# trip were most of the call's time).
def _region_residents(prefixes: Sequence[str]) -> Select:
    communities, kinds = _community_kinds(prefixes)
    m = member
    counts = (
        select(
            m.c.home_building_id.label("building"),
            func.count().label("total"),
            func.count().filter(m.c.management == "self").label("own"),
            func.count().filter(m.c.management == "non_self").label("non_self"),
            func.count().filter(m.c.management == "joint").label("joint"),
            func.count().filter(m.c.reporting_status == "pending").label("pending"),
        )
        .where(
            m.c.community_code.in_(select(communities.c.code)),
            m.c.home_building_id.is_not(None),
            m.c.left_on.is_(None),
        )
        .group_by(m.c.home_building_id)
        .order_by(m.c.home_building_id)  # sorted once; the aggregates below keep this order
        .cte("counts")
    )

    def of_kinds(column: ColumnElement) -> ScalarSelect:
        return select(func.array_agg(aggregate_order_by(column, kinds.c.code))).scalar_subquery()

    return select(
        of_kinds(kinds.c.code),
        of_kinds(kinds.c.kind),
        func.array_agg(cast(counts.c.building, Text)),
        *(func.array_agg(counts.c[name]) for name in ("total", "own", "non_self", "joint")),
        func.array_agg(counts.c.pending),
    )


async def region_residents(conn: AsyncConnection, region_codes: Sequence[str]) -> RegionResidents:
    """Kinds and resident counts for the communities at or below these regions (6, 9 or
    12-digit codes; others are a ValueError), in one statement. A member's home is a building
    of the member's own community: registering or moving a member checks that with grid."""
    patterns = regions.prefixes(region_codes)
    if not patterns:
        return RegionResidents([], [], [], [], [], [], [], [])
    row = (await conn.execute(_region_residents(patterns))).one()
    return RegionResidents(*(list(column or []) for column in row))
