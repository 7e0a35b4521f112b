"""The facts the rule checker reads, loaded for a set of communities in a few batched queries.

Checks in `services.org.rules` are pure functions over `CommunityFacts`; this module is the
only one that touches the database (SQLAlchemy Core, one query per table filtered by
`community_code IN (...)`, never one per row) or asks grid (one `communities` call).

What is left out on purpose: members that left (`left_on` set) and their seats, posts,
offices and categories, and their help (a category whose helper member left has no helper);
seats that ended; posts that were released; seats on dissolved organizations. Dissolved
organizations themselves are kept, marked not live, so a zone that grid still assigns to one
can be named.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Executable, Row, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.subgraph_client import SubgraphUnavailableError
from services.org.grid_client import CommunityGrid, GridClient
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
from services.org.rules.facts_cache import FACTS
from services.org.rules.settings import RulesSettings

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


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What a check needs besides the facts: the check date (ages and Party standing are
    measured on it) and the configurable thresholds."""

    as_of: dt.date
    settings: RulesSettings


@dataclass(frozen=True, slots=True)
class OrganizationFact:
    id: uuid.UUID
    community_code: str
    name: str
    kind: str
    parent_id: uuid.UUID | None
    units: tuple[str, ...]
    is_live: bool


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class SeatFact:
    """A current committee seat (ended seats are history and not loaded)."""

    organization_id: uuid.UUID
    member_id: uuid.UUID
    role: str
    resident_unit_id: uuid.UUID | None = None  # a part-time member's unit (驻社区单位)


@dataclass(frozen=True, slots=True)
class CategoryFact:
    member_id: uuid.UUID
    category: str  # mobile | elderly_frail | hardship
    helper_member_id: uuid.UUID | None = None
    helper_contact: str | None = None

    @property
    def has_helper(self) -> bool:
        return self.helper_member_id is not None or bool((self.helper_contact or "").strip())


@dataclass(frozen=True, slots=True)
class TeamFact:
    """A volunteer team (党员志愿者服务队) and its members who have not left."""

    id: uuid.UUID
    name: str
    member_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True, slots=True)
class ResidentUnitFact:
    """A resident unit (驻社区单位) and whether it signed a co-building agreement (共建协议)."""

    id: uuid.UUID
    name: str
    party_organization_name: str | None
    agreement_signed_on: dt.date | None


@dataclass(frozen=True, slots=True)
class Breach:
    """What a check yields; `rules.checker` adds the rule's id, severity and clause.

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
    # org.facts_version they were loaded at (None: inside a transaction that wrote).
    version: tuple[int, str] | None = field(default=None, compare=False)

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
        return by_name(self.members.values())

    def organization_for(self, m: MemberFact) -> uuid.UUID | None:
        """Where a member's finding goes: the live organization holding its membership, else
        the community organization (non-self-managed members report in to it)."""
        own = self.live(m.organization_id)
        if own is not None:
            return own.id
        top = self.community_organization
        return top.id if top else None


def by_name(members: Iterable[MemberFact]) -> list[MemberFact]:
    """Members in the stable order of `CommunityFacts.sorted_members` (name, id). Checks sort
    the few members they name, not the whole community (a district is ~10,000 members)."""
    return sorted(members, key=lambda m: (m.name, str(m.id)))


async def load_facts(
    conn: AsyncConnection, grid: GridClient | None, *, community_codes: Sequence[str]
) -> list[CommunityFacts]:
    """Facts of the given communities (unknown codes are skipped), ordered by code.

    `grid` None, or grid unavailable, leaves `grid` empty with `grid_problem` saying why: the
    placement rules then report that they could not check, and nothing fails."""
    codes = sorted(set(community_codes))
    version = await FACTS.current_version(conn)
    kept = FACTS.kept(version, codes)
    missing = [c for c in codes if c not in kept]
    loaded: dict[str, CommunityFacts] = {}
    if missing:
        query = select(region.c.code, region.c.name, region.c.is_pilot).where(
            region.c.code.in_(missing), region.c.level == "community"
        )
        loaded = {
            code: CommunityFacts(code, name, pilot)
            for code, name, pilot in await _rows(conn, query)
        }
    known = sorted([*kept, *loaded])
    if not known:
        return []
    # Grid answers from another process: ask it first and read our tables meanwhile.
    asked = asyncio.ensure_future(_ask_grid(grid, known))
    if loaded:
        fresh = sorted(loaded)
        try:
            await _load_organizations(conn, loaded, fresh)
            await _load_members(conn, loaded, fresh)
            await _load_member_records(conn, loaded, fresh)
            await _load_teams(conn, loaded, fresh)
            await _load_resident_units(conn, loaded, fresh)
        except BaseException:
            asked.cancel()
            raise
        FACTS.keep(version, loaded)
    # Each caller fills in grid's part on its own copy: the kept facts stay as org's tables
    # had them (the copies share the org parts, which nothing changes after loading).
    facts = {code: dataclasses.replace((kept | loaded)[code], version=version) for code in known}
    await _load_grid(conn, await asked, facts)
    return [facts[c] for c in known]


# A row of any width: the loaders unpack each into its fact's fields.
AnyRow = Row[*tuple[Any, ...]]


async def _rows(conn: AsyncConnection, query: Executable) -> Sequence[AnyRow]:
    """Plain rows (tuples), for unpacking: the loaders select only the columns they use, in
    order, since mappings per row were most of the cost of loading a district."""
    return (await conn.execute(query)).all()


# The columns an OrganizationFact is made of, in its fields' order.
_ORGANIZATION_COLUMNS = (
    party_organization.c.id,
    party_organization.c.community_code,
    party_organization.c.name,
    party_organization.c.kind,
    party_organization.c.parent_id,
    party_organization.c.units,
    party_organization.c.dissolved_at.is_(None).label("is_live"),
)


def _organization(row: AnyRow) -> OrganizationFact:
    id_, code, name, kind, parent_id, units, is_live = row
    return OrganizationFact(id_, code, name, kind, parent_id, tuple(units or ()), is_live)


async def _load_organizations(
    conn: AsyncConnection, facts: dict[str, CommunityFacts], codes: list[str]
) -> None:
    query = select(*_ORGANIZATION_COLUMNS).where(party_organization.c.community_code.in_(codes))
    for row in await _rows(conn, query):
        org = _organization(row)
        facts[org.community_code].organizations[org.id] = org


async def _load_members(
    conn: AsyncConnection, facts: dict[str, CommunityFacts], codes: list[str]
) -> None:
    m = member.c
    query = select(  # MemberFact's fields, in order
        m.id, m.community_code, m.name, m.birth_date, m.education, m.joined_on,
        m.is_probationary, m.management, m.reporting_status, m.organization_id,
        m.home_building_id, m.is_able, m.is_sent_down_cadre,
    ).where(m.community_code.in_(codes), m.left_on.is_(None))  # fmt: skip
    by_code = {code: c.members for code, c in facts.items()}
    for row in await _rows(conn, query):
        by_code[row[1]][row[0]] = MemberFact(*row)


async def _load_member_records(
    conn: AsyncConnection, facts: dict[str, CommunityFacts], codes: list[str]
) -> None:
    """Seats, offices, categories and posts of the members loaded (left members' are dropped)."""
    cm = committee_membership.c
    seats = select(
        cm.community_code, cm.organization_id, cm.member_id, cm.role, cm.resident_unit_id
    ).where(cm.community_code.in_(codes), cm.ended_on.is_(None))
    for code, organization_id, member_id, role, unit_id in await _rows(conn, seats):
        c = facts[code]
        if member_id in c.members and c.live(organization_id):
            c.seats.append(SeatFact(organization_id, member_id, role, unit_id))

    offices: dict[str, dict[uuid.UUID, set[str]]] = {code: {} for code in codes}
    query = select(
        member_office.c.community_code, member_office.c.member_id, member_office.c.office
    )
    for code, member_id, office in await _rows(
        conn, query.where(member_office.c.community_code.in_(codes))
    ):
        offices[code].setdefault(member_id, set()).add(office)

    # A helper who has left helps no more: the category's helper is then missing.
    helper = member.alias("helper")
    mc = member_category.c
    categories = (
        select(
            mc.community_code,
            mc.member_id,
            mc.category,
            mc.helper_member_id,
            mc.helper_contact,
            helper.c.left_on.is_not(None).label("helper_gone"),
        )
        .outerjoin(helper, helper.c.id == mc.helper_member_id)
        .where(mc.community_code.in_(codes))
        .order_by(mc.category)
    )
    for code, member_id, category, helper_id, contact, gone in await _rows(conn, categories):
        c = facts[code]
        if member_id in c.members:
            c.categories.append(
                CategoryFact(member_id, category, None if gone else helper_id, contact)
            )

    kinds: dict[str, dict[uuid.UUID, set[str]]] = {code: {} for code in codes}
    posts = select(post.c.community_code, post.c.member_id, post.c.kind).where(
        post.c.community_code.in_(codes), post.c.released_on.is_(None)
    )
    for code, member_id, kind in await _rows(conn, posts):
        kinds[code].setdefault(member_id, set()).add(kind)

    for code, c in facts.items():
        c.offices = {m: frozenset(o) for m, o in offices[code].items() if m in c.members}
        c.post_kinds = {m: frozenset(k) for m, k in kinds[code].items() if m in c.members}


async def _load_teams(
    conn: AsyncConnection, facts: dict[str, CommunityFacts], codes: list[str]
) -> None:
    joined: dict[uuid.UUID, list[uuid.UUID]] = {}
    vtm = volunteer_team_member.c
    links = select(vtm.team_id, vtm.member_id).where(vtm.community_code.in_(codes))
    for team_id, member_id in await _rows(conn, links):
        joined.setdefault(team_id, []).append(member_id)
    vt = volunteer_team.c
    teams = select(vt.id, vt.community_code, vt.name).where(vt.community_code.in_(codes))
    for team_id, code, name in await _rows(conn, teams.order_by(vt.name, vt.id)):
        c = facts[code]
        present = sorted((m for m in joined.get(team_id, []) if m in c.members), key=str)
        c.teams.append(TeamFact(team_id, name, tuple(present)))


async def _load_resident_units(
    conn: AsyncConnection, facts: dict[str, CommunityFacts], codes: list[str]
) -> None:
    ru = resident_unit.c
    query = (
        select(
            ru.id, ru.community_code, ru.name, ru.party_organization_name, ru.agreement_signed_on
        )
        .where(ru.community_code.in_(codes))
        .order_by(ru.name, ru.id)
    )
    for id_, code, name, party_name, signed_on in await _rows(conn, query):
        facts[code].resident_units.append(ResidentUnitFact(id_, name, party_name, signed_on))


async def _ask_grid(
    grid: GridClient | None, codes: list[str]
) -> dict[str, CommunityGrid] | tuple[str, str]:
    """Grid's zones and buildings of the communities, or (zh, en) why there are none."""
    if grid is None:
        return ("未查询网格数据", "grid facts were not requested")
    try:
        return await grid.communities(codes)
    except SubgraphUnavailableError:
        return ("网格服务暂不可用", "the grid service is unavailable")


async def _load_grid(
    conn: AsyncConnection,
    grids: dict[str, CommunityGrid] | tuple[str, str],
    facts: dict[str, CommunityFacts],
) -> None:
    """Zones and buildings from grid, and the organizations it names that live elsewhere."""
    if isinstance(grids, tuple):
        for c in facts.values():
            c.grid_problem = grids
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
        query = select(*_ORGANIZATION_COLUMNS).where(party_organization.c.id.in_(foreign))
        others = [_organization(row) for row in await _rows(conn, query)]
        for c in facts.values():
            c.elsewhere = {o.id: o for o in others}
