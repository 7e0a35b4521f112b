"""Write a generated district into the org and grid schemas, each as its own role."""

from __future__ import annotations

import uuid

from geoalchemy2.shape import from_shape
from sqlalchemy import Connection, Engine, create_engine, func, insert, pool, select

from infra.demo.model import Demo, Member, Organization
from services.grid.models import SRID, building, community, zone
from services.org.models import committee_membership, member, party_organization, region


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
    pilots = {c.code for c in demo.communities if c.is_pilot}
    conn.execute(
        insert(region),
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
    conn.execute(
        insert(party_organization),
        [
            {
                "id": o.id,
                "community_code": o.community_code,
                "name": o.name,
                "kind": o.kind,
                "parent_id": o.parent_id,
                "units": [o.unit] if o.unit else [],
            }
            for o in _parents_first(demo.organizations)
        ],
    )
    conn.execute(
        insert(member),
        [
            {
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
                "reporting_unit": None if m.management == "self" else m.employer_unit,
                "reporting_status": _reporting_status(m),
            }
            for m in demo.members
        ],
    )
    community_org = {
        o.community_code: o.id
        for o in demo.organizations
        if o.kind in ("community_committee", "general_branch", "branch")
    }
    seats = [
        {
            "id": uuid.uuid5(m.id, "committee"),
            "community_code": m.community_code,
            "organization_id": community_org[m.community_code],
            "member_id": m.id,
            "role": m.committee_role,
        }
        for m in demo.members
        if m.committee_role and m.community_code in community_org
    ]
    if seats:
        conn.execute(insert(committee_membership), seats)


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


def _reporting_status(m: Member) -> str | None:
    if m.management == "self":
        return None
    return "reported" if m.reported_in_on else "pending"


def _parents_first(organizations: list[Organization]) -> list[Organization]:
    by_id = {o.id: o for o in organizations}

    def depth(o: Organization) -> int:
        d = 0
        while o.parent_id is not None:
            o = by_id[o.parent_id]
            d += 1
        return d

    return sorted(organizations, key=depth)
