"""The facts the rule checker reads, loaded for a set of communities in a few batched queries.

Checks in `services.org.rules*` are pure functions over `CommunityFacts`; this module is the
only one that touches the database (SQLAlchemy Core, one query per table filtered by
`community_code IN (...)`, never one per row) or asks grid (one `communities` call).

What is left out on purpose: members that left (`left_on` set) and their seats, posts,
offices and categories, and their help (a category whose helper member left has no helper);
seats that ended; posts that were released; seats on dissolved organizations. Dissolved
organizations themselves are kept, marked not live, so a zone that grid still assigns to one
can be named.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Executable, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.org.grid_client import CommunityGrid, GridClient, GridUnavailableError
from services.org.models import (
    committee_membership,
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
from services.org.rules_settings import RulesSettings

# plan (二): 社区党委、社区党总支、社区党支部 — the one community organization.
COMMUNITY_KINDS = ("community_committee", "general_branch", "branch")
KIND_NAMES = {  # kind -> (中文, English), for messages
    "community_committee": ("社区党委", "community Party committee"),
    "general_branch": ("社区党总支", "community general Party branch"),
    "branch": ("社区党支部", "community Party branch"),
    "grid_branch": ("网格党支部", "grid Party branch"),
    "party_group": ("党小组", "Party group"),
    "functional_branch": ("功能型党支部", "functional Party branch"),
    "functional_group": ("功能型党小组", "functional Party group"),
    "special_branch": ("特色党支部", "special Party branch"),
    "special_group": ("特色党小组", "special Party group"),
}


@dataclass(frozen=True)
class RuleContext:
    """What a check needs besides the facts: the check date (ages and Party standing are
    measured on it) and the configurable thresholds."""

    as_of: dt.date
    settings: RulesSettings


@dataclass(frozen=True)
class OrganizationFact:
    id: uuid.UUID
    community_code: str
    name: str
    kind: str
    parent_id: uuid.UUID | None
    units: tuple[str, ...]
    is_live: bool


@dataclass(frozen=True)
class MemberFact:
    id: uuid.UUID
    community_code: str
    name: str
    birth_date: dt.date
    education: str
    joined_on: dt.date
    is_probationary: bool
    management: str  # self | non_self | joint
    reporting_status: str | None  # pending | reported | left (None: self-managed)
    organization_id: uuid.UUID | None
    home_building_id: uuid.UUID | None = None
    is_able: bool = True
    is_sent_down_cadre: bool = False


@dataclass(frozen=True)
class SeatFact:
    """A current committee seat (ended seats are history and not loaded)."""

    organization_id: uuid.UUID
    member_id: uuid.UUID
    role: str
    resident_unit_id: uuid.UUID | None = None  # a part-time member's unit (驻社区单位)


@dataclass(frozen=True)
class CategoryFact:
    member_id: uuid.UUID
    category: str  # mobile | elderly_frail | hardship
    helper_member_id: uuid.UUID | None = None
    helper_contact: str | None = None

    @property
    def has_helper(self) -> bool:
        return self.helper_member_id is not None or bool((self.helper_contact or "").strip())


@dataclass(frozen=True)
class TeamFact:
    """A volunteer team (党员志愿者服务队) and its members who have not left."""

    id: uuid.UUID
    name: str
    member_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True)
class ResidentUnitFact:
    """A resident unit (驻社区单位) and whether it signed a co-building agreement (共建协议)."""

    id: uuid.UUID
    name: str
    party_organization_name: str | None
    agreement_signed_on: dt.date | None


@dataclass(frozen=True)
class Breach:
    """What a check yields; `services.org.rules` adds the rule's id, severity and clause.

    `key` orders breaches that share community, organization and member (e.g. zones)."""

    community_code: str
    message: str
    message_en: str
    organization_id: uuid.UUID | None = None
    member_id: uuid.UUID | None = None
    key: str = ""


@dataclass
class CommunityFacts:
    """Everything the rules read about one community."""

    code: str
    name: str
    is_pilot: bool = False
    organizations: dict[uuid.UUID, OrganizationFact] = field(default_factory=dict)
    members: dict[uuid.UUID, MemberFact] = field(default_factory=dict)
    seats: list[SeatFact] = field(default_factory=list)
    offices: dict[uuid.UUID, frozenset[str]] = field(default_factory=dict)
    categories: list[CategoryFact] = field(default_factory=list)
    post_kinds: dict[uuid.UUID, frozenset[str]] = field(default_factory=dict)  # current posts
    teams: list[TeamFact] = field(default_factory=list)
    resident_units: list[ResidentUnitFact] = field(default_factory=list)
    # Zones and buildings as grid sees them; None when grid could not be asked.
    grid: CommunityGrid | None = None
    grid_problem: tuple[str, str] | None = None  # (zh, en) why grid facts are missing
    # Organizations of other communities that grid assigns here (found by id).
    elsewhere: dict[uuid.UUID, OrganizationFact] = field(default_factory=dict)

    @property
    def community_organization(self) -> OrganizationFact | None:
        """The live 社区党委/党总支/党支部 (a unique index allows at most one)."""
        return next(
            (o for o in self.organizations.values() if o.is_live and o.kind in COMMUNITY_KINDS),
            None,
        )

    def live(self, organization_id: uuid.UUID | None) -> OrganizationFact | None:
        """A live organization of this community, or None."""
        org = self.organizations.get(organization_id) if organization_id else None
        return org if org is not None and org.is_live else None

    def seats_of(self, organization_id: uuid.UUID) -> list[SeatFact]:
        return [s for s in self.seats if s.organization_id == organization_id]

    def has_office(self, member_id: uuid.UUID, office: str) -> bool:
        return office in self.offices.get(member_id, frozenset())

    def sorted_members(self) -> list[MemberFact]:
        """Members in a stable order (name, id), for stable messages."""
        return sorted(self.members.values(), key=lambda m: (m.name, str(m.id)))

    def organization_for(self, m: MemberFact) -> uuid.UUID | None:
        """Where a member's finding goes: the live organization holding its membership, else
        the community organization (non-self-managed members report in to it)."""
        own = self.live(m.organization_id)
        if own is not None:
            return own.id
        top = self.community_organization
        return top.id if top else None


async def load_facts(
    conn: AsyncConnection, grid: GridClient | None, *, community_codes: Sequence[str]
) -> list[CommunityFacts]:
    """Facts of the given communities (unknown codes are skipped), ordered by code.

    `grid` None, or grid unavailable, leaves `grid` empty with `grid_problem` saying why: the
    placement rules then report that they could not check, and nothing fails."""
    codes = sorted(set(community_codes))
    rows = await _rows(
        conn,
        select(region).where(region.c.code.in_(codes), region.c.level == "community"),
    )
    facts = {r["code"]: CommunityFacts(r["code"], r["name"], r["is_pilot"]) for r in rows}
    codes = sorted(facts)
    if not codes:
        return []
    await _load_organizations(conn, facts, codes)
    await _load_members(conn, facts, codes)
    await _load_member_records(conn, facts, codes)
    await _load_teams(conn, facts, codes)
    await _load_resident_units(conn, facts, codes)
    await _load_grid(conn, grid, facts, codes)
    return [facts[c] for c in codes]


async def _rows(conn: AsyncConnection, query: Executable) -> list[dict]:
    return [dict(r) for r in (await conn.execute(query)).mappings()]


def _organization(row: dict) -> OrganizationFact:
    return OrganizationFact(
        id=row["id"],
        community_code=row["community_code"],
        name=row["name"],
        kind=row["kind"],
        parent_id=row["parent_id"],
        units=tuple(row["units"] or ()),
        is_live=row["dissolved_at"] is None,
    )


async def _load_organizations(
    conn: AsyncConnection, facts: dict[str, CommunityFacts], codes: list[str]
) -> None:
    query = select(party_organization).where(party_organization.c.community_code.in_(codes))
    for row in await _rows(conn, query):
        facts[row["community_code"]].organizations[row["id"]] = _organization(row)


async def _load_members(
    conn: AsyncConnection, facts: dict[str, CommunityFacts], codes: list[str]
) -> None:
    query = select(member).where(member.c.community_code.in_(codes), member.c.left_on.is_(None))
    for row in await _rows(conn, query):
        facts[row["community_code"]].members[row["id"]] = MemberFact(
            id=row["id"],
            community_code=row["community_code"],
            name=row["name"],
            birth_date=row["birth_date"],
            education=row["education"],
            joined_on=row["joined_on"],
            is_probationary=row["is_probationary"],
            management=row["management"],
            reporting_status=row["reporting_status"],
            organization_id=row["organization_id"],
            home_building_id=row["home_building_id"],
            is_able=row["is_able"],
            is_sent_down_cadre=row["is_sent_down_cadre"],
        )


async def _load_member_records(
    conn: AsyncConnection, facts: dict[str, CommunityFacts], codes: list[str]
) -> None:
    """Seats, offices, categories and posts of the members loaded (left members' are dropped)."""
    seats = select(committee_membership).where(
        committee_membership.c.community_code.in_(codes), committee_membership.c.ended_on.is_(None)
    )
    for row in await _rows(conn, seats):
        c = facts[row["community_code"]]
        if row["member_id"] in c.members and c.live(row["organization_id"]):
            c.seats.append(
                SeatFact(
                    row["organization_id"], row["member_id"], row["role"], row["resident_unit_id"]
                )
            )

    offices: dict[str, dict[uuid.UUID, set[str]]] = {code: {} for code in codes}
    for row in await _rows(
        conn, select(member_office).where(member_office.c.community_code.in_(codes))
    ):
        offices[row["community_code"]].setdefault(row["member_id"], set()).add(row["office"])

    # A helper who has left helps no more: the category's helper is then missing.
    helper = member.alias("helper")
    categories = (
        select(member_category, helper.c.left_on.label("helper_left_on"))
        .outerjoin(helper, helper.c.id == member_category.c.helper_member_id)
        .where(member_category.c.community_code.in_(codes))
        .order_by(member_category.c.category)
    )
    for row in await _rows(conn, categories):
        c = facts[row["community_code"]]
        if row["member_id"] in c.members:
            gone = row["helper_left_on"] is not None
            c.categories.append(
                CategoryFact(
                    row["member_id"],
                    row["category"],
                    None if gone else row["helper_member_id"],
                    row["helper_contact"],
                )
            )

    kinds: dict[str, dict[uuid.UUID, set[str]]] = {code: {} for code in codes}
    posts = select(post.c.community_code, post.c.member_id, post.c.kind).where(
        post.c.community_code.in_(codes), post.c.released_on.is_(None)
    )
    for row in await _rows(conn, posts):
        kinds[row["community_code"]].setdefault(row["member_id"], set()).add(row["kind"])

    for code, c in facts.items():
        c.offices = {m: frozenset(o) for m, o in offices[code].items() if m in c.members}
        c.post_kinds = {m: frozenset(k) for m, k in kinds[code].items() if m in c.members}


async def _load_teams(
    conn: AsyncConnection, facts: dict[str, CommunityFacts], codes: list[str]
) -> None:
    joined: dict[uuid.UUID, list[uuid.UUID]] = {}
    links = select(volunteer_team_member).where(volunteer_team_member.c.community_code.in_(codes))
    for row in await _rows(conn, links):
        joined.setdefault(row["team_id"], []).append(row["member_id"])
    teams = select(volunteer_team).where(volunteer_team.c.community_code.in_(codes))
    for row in await _rows(conn, teams.order_by(volunteer_team.c.name, volunteer_team.c.id)):
        c = facts[row["community_code"]]
        present = sorted((m for m in joined.get(row["id"], []) if m in c.members), key=str)
        c.teams.append(TeamFact(row["id"], row["name"], tuple(present)))


async def _load_resident_units(
    conn: AsyncConnection, facts: dict[str, CommunityFacts], codes: list[str]
) -> None:
    query = (
        select(resident_unit)
        .where(resident_unit.c.community_code.in_(codes))
        .order_by(resident_unit.c.name, resident_unit.c.id)
    )
    for row in await _rows(conn, query):
        facts[row["community_code"]].resident_units.append(
            ResidentUnitFact(
                row["id"], row["name"], row["party_organization_name"], row["agreement_signed_on"]
            )
        )


async def _load_grid(
    conn: AsyncConnection,
    grid: GridClient | None,
    facts: dict[str, CommunityFacts],
    codes: list[str],
) -> None:
    """Zones and buildings from grid, and the organizations it names that live elsewhere."""
    if grid is None:
        for c in facts.values():
            c.grid_problem = ("未查询网格数据", "grid facts were not requested")
        return
    try:
        grids = await grid.communities(codes)
    except GridUnavailableError:
        for c in facts.values():
            c.grid_problem = ("网格服务暂不可用", "the grid service is unavailable")
        return
    foreign: set[uuid.UUID] = set()
    for code, c in facts.items():
        c.grid = grids.get(code)
        if c.grid is None:
            c.grid_problem = ("网格中没有该社区的片区、楼栋数据", "grid holds no zones for it")
            continue
        named = {z.organization_id for z in c.grid.zones}
        named |= {b.party_group_id for b in c.grid.buildings}
        foreign |= {i for i in named if i is not None and i not in c.organizations}
    if foreign:
        query = select(party_organization).where(party_organization.c.id.in_(foreign))
        others = [_organization(row) for row in await _rows(conn, query)]
        for c in facts.values():
            c.elsewhere = {o.id: o for o in others}
