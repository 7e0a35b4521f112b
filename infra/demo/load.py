"""Write a generated district into the org and grid schemas, each as its own role."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from geoalchemy2.shape import from_shape
from sqlalchemy import Connection, Engine, Table, create_engine, func, insert, pool, select

from infra.demo.model import Demo, Member, Organization
from services.grid.models import SRID, building, community, zone
from services.org.models import (
    committee_membership,
    evaluation,
    evaluation_feedback,
    member,
    member_category,
    member_office,
    party_organization,
    post,
    region,
    resident_unit,
    volunteer_team,
    volunteer_team_member,
)


def is_loaded(org_url: str) -> bool:
    """True when the org schema already holds regions (demo or real data)."""
    engine = _engine(org_url)
    try:
        with engine.connect() as conn:
            return bool(conn.execute(select(func.count()).select_from(region)).scalar())
    finally:
        engine.dispose()


def load(demo: Demo, *, org_url: str, grid_url: str) -> None:
    """Insert the whole district; each service's rows in one transaction of its own."""
    for url, writer in ((org_url, _write_org), (grid_url, _write_grid)):
        engine = _engine(url)
        try:
            with engine.begin() as conn:
                writer(conn, demo)
        finally:
            engine.dispose()


def _engine(url: str) -> Engine:
    return create_engine(url, poolclass=pool.NullPool)


def _write_org(conn: Connection, demo: Demo) -> None:
    """Every org table, parents before children so each foreign key finds its row."""
    pilots = {c.code for c in demo.communities if c.is_pilot}
    _insert(
        conn,
        region,
        [
            {
                "code": r.code,
                "name": r.name,
                "name_en": r.name_en,
                "level": r.level,
                "parent_code": r.parent_code,
                "is_pilot": r.code in pilots,
            }
            # Parents first: codes nest, so shorter codes are higher in the tree.
            for r in sorted(demo.regions, key=lambda r: (len(r.code), r.code))
        ],
    )
    _insert(
        conn,
        party_organization,
        [
            {
                "id": o.id,
                "community_code": o.community_code,
                "name": o.name,
                "kind": o.kind,
                "parent_id": o.parent_id,
                "units": list(o.units),
            }
            for o in _parents_first(demo.organizations)
        ],
    )
    _insert(conn, member, [_member_row(m) for m in demo.members])
    # Resident units before the seats and offices that name them; teams before their members;
    # evaluations before their feedback.
    _insert(conn, resident_unit, _rows(demo.resident_units))
    _insert(conn, committee_membership, _rows(demo.committee_seats))
    _insert(conn, member_office, _rows(demo.member_offices))
    _insert(conn, member_category, _rows(demo.member_categories))
    _insert(conn, post, _rows(demo.posts))
    _insert(conn, volunteer_team, _rows(demo.volunteer_teams))
    _insert(conn, volunteer_team_member, _rows(demo.volunteer_team_members))
    _insert(conn, evaluation, _rows(demo.evaluations))
    _insert(conn, evaluation_feedback, _rows(demo.evaluation_feedback))


def _member_row(m: Member) -> dict[str, Any]:
    return {
        "id": m.id,
        "community_code": m.community_code,
        "name": m.name,
        "gender": m.gender,
        "birth_date": m.birth_date,
        "education": m.education,
        "joined_on": m.joined_on,
        "is_probationary": m.is_probationary,
        "management": m.management,
        "organization_id": m.organization_id,
        "home_building_id": m.home_building_id,
        "employer_unit": m.employer_unit,
        "reported_in_on": m.reported_in_on,
        "reporting_unit": m.reporting_unit,
        "reporting_status": m.reporting_status,
        "is_able": m.is_able,
        "is_sent_down_cadre": m.is_sent_down_cadre,
        "phone": m.phone,
        "left_on": m.left_on,
    }


def _rows(items: Sequence[object]) -> list[dict[str, Any]]:
    """Rows of dataclasses whose field names are the table's column names."""
    return [dict(vars(item)) for item in items]


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(table), rows)


def _write_grid(conn: Connection, demo: Demo) -> None:
    conn.execute(
        insert(community),
        [
            {
                "code": c.code,
                "street_code": c.code[:9],
                "district_code": c.code[:6],
                "boundary": from_shape(c.boundary, srid=SRID),
            }
            for c in demo.communities
        ],
    )
    zone_org = {o.zone_id: o.id for o in demo.organizations if o.zone_id is not None}
    conn.execute(
        insert(zone),
        [
            {
                "id": z.id,
                "community_code": z.community_code,
                "name": z.name,
                "boundary": from_shape(z.boundary, srid=SRID),
                "organization_id": zone_org.get(z.id),
            }
            for z in demo.zones
        ],
    )
    group_of = {
        o.building_id: o.id
        for o in demo.organizations
        if o.building_id is not None and o.kind == "party_group"
    }
    conn.execute(
        insert(building),
        [
            {
                "id": b.id,
                "community_code": b.community_code,
                "name": b.name,
                "address": b.address,
                "households": b.households,
                "footprint": from_shape(b.footprint, srid=SRID),
                "party_group_id": group_of.get(b.id),
            }
            for b in demo.buildings
        ],
    )


def _parents_first(organizations: list[Organization]) -> list[Organization]:
    by_id = {o.id: o for o in organizations}

    def depth(o: Organization) -> int:
        d = 0
        while o.parent_id is not None:
            o = by_id[o.parent_id]
            d += 1
        return d

    return sorted(organizations, key=depth)
