"""What star ratings, five-good evaluations and 七一 lists read of org and grid, and the facts
computed from it.

Everything is read from the subgraph that owns it, directly, as the service itself (issue 7:
"never by reading other services' tables"). A community is read in a few small documents (its
units with their committees and its members' post holdings per organization from org, its zones and buildings
from grid) so each stays small. The facts are pure functions of what was read; the criteria document
(services/assess/commendations/data/commendation_criteria.yaml) names them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.assess.shared.peers import Peers
from services.common.subgraph_client import SubgraphClient

UNIT_KINDS = ("grid_branch", "party_group")  # plan (五): 星级模范楼栋党支部/党小组


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StarUnitsParams(_Params):
    min_stars: int = Field(default=3, ge=1, le=5)


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    management: str  # self | non_self | joint
    part_time: bool = False  # holds a big-committee part-time seat (大党委兼职委员)


@dataclass(frozen=True)
class Unit:
    """A grid branch or Party group and what its star criteria look at."""

    id: str
    name: str
    kind: str
    parent_id: str | None
    leader: Person | None  # its secretary (支部书记) or group leader (组长)
    leader_grid_post: bool  # the leader holds a grid-management post on this unit


@dataclass(frozen=True)
class BuildingState:
    id: str
    zone_organization_id: str | None
    group_id: str | None
    covered: bool
    residents: int


@dataclass(frozen=True)
class PostHolding:
    """An organization's able members and how many of them hold a post (org's postHoldings)."""

    able: int
    with_posts: int


@dataclass
class CommunityGraph:
    """One community as the facts need it."""

    code: str
    name: str
    organization_id: str | None = None
    organization_name: str = ""
    committee_roles: list[str] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    buildings: list[BuildingState] = field(default_factory=list)
    holdings: dict[str, PostHolding] = field(default_factory=dict)  # by organization id
    resident_units: list[tuple[bool, bool]] = field(default_factory=list)  # (has org, signed)
    chosen_evaluations: int = 0  # 双争 chosen in the year


@dataclass(frozen=True)
class Fact:
    """A computed value: a share 0..1 or a count; None when there is nothing to measure."""

    value: float | None
    detail: str
    detail_en: str


@dataclass(frozen=True)
class FactSpec:
    name: str
    title: str
    title_en: str
    kind: str  # share | count
    params: type[BaseModel] = _Params


def _share(part: int, whole: int, what: str, what_en: str) -> Fact:
    if whole == 0:
        return Fact(None, f"无{what}", f"no {what_en}")
    return Fact(part / whole, f"{what} {part}/{whole}", f"{what_en} {part}/{whole}")


def _flag(ok: bool, yes: str, no: str, yes_en: str, no_en: str) -> Fact:
    return Fact(1.0 if ok else 0.0, yes if ok else no, yes_en if ok else no_en)


# -- unit facts (star criteria) -------------------------------------------------------------


def _has_leader(unit: Unit, graph: CommunityGraph) -> Fact:
    name = unit.leader.name if unit.leader else ""
    return _flag(unit.leader is not None, f"书记（组长）：{name}", "未配书记（组长）",
                 f"leader: {name}", "no secretary or leader")  # fmt: skip


def _leader_grid_post(unit: Unit, graph: CommunityGraph) -> Fact:
    return _flag(unit.leader_grid_post, "书记（组长）认领网格化管理岗位", "书记（组长）无网格化管理岗位",
                 "leader holds a grid-management post", "leader holds no grid-management post")  # fmt: skip


def area_of(unit: Unit, graph: CommunityGraph) -> list[BuildingState]:
    """The buildings a unit looks after: a grid branch its zones' buildings; a Party group the
    buildings assigned to it, or its zone's (branch communities: 党小组建在片区)."""
    return [
        b
        for b in graph.buildings
        if b.zone_organization_id == unit.id
        or (unit.kind == "party_group" and b.group_id == unit.id)
    ]


def _area_covered(unit: Unit, graph: CommunityGraph) -> Fact:
    area = area_of(unit, graph)
    if not area:
        return Fact(0.0, "未分配片区或楼栋", "no zone or building assigned")
    lived = [b for b in area if b.residents > 0]
    if not lived:
        return Fact(
            1.0, f"楼栋 {len(area)} 栋，无党员居住", f"{len(area)} buildings, none with members"
        )
    return _share(
        sum(b.covered for b in lived),
        len(lived),
        "有党员居住的楼栋已覆盖",
        "member buildings covered",
    )


def unit_holding(unit: Unit, graph: CommunityGraph) -> PostHolding:
    """Able members of the unit, and of its groups for a grid branch, and those with a post."""
    ids = {unit.id} | {u.id for u in graph.units if u.parent_id == unit.id}
    found = [graph.holdings[i] for i in ids if i in graph.holdings]
    return PostHolding(sum(h.able for h in found), sum(h.with_posts for h in found))


def _members_with_posts(unit: Unit, graph: CommunityGraph) -> Fact:
    held = unit_holding(unit, graph)
    return _share(held.with_posts, held.able, "党员认领岗位", "members with a post")


UnitFact = Callable[[Unit, CommunityGraph], Fact]
UNIT_FACTS: dict[str, tuple[FactSpec, UnitFact]] = {
    spec.name: (spec, fn)
    for spec, fn in (
        (FactSpec("unit.has_leader", "配有书记（组长）", "Has a secretary or leader", "share"), _has_leader),
        (FactSpec("unit.leader_grid_post", "书记（组长）担任网格化管理岗位", "Leader holds a grid-management post", "share"), _leader_grid_post),
        (FactSpec("unit.area_covered", "所辖楼栋党员全覆盖", "Member buildings of its area covered", "share"), _area_covered),
        (FactSpec("unit.members_with_posts", "党员明岗定责", "Members holding a post", "share"), _members_with_posts),
    )
}  # fmt: skip


# -- community facts (five-good conditions) -------------------------------------------------


def _units_with_leader(graph: CommunityGraph, params: Any, awarded: Mapping[str, int]) -> Fact:
    units = graph.units
    return _share(
        sum(u.leader is not None for u in units),
        len(units),
        "网格党组织配有书记（组长）",
        "units with a leader",
    )


def _star_units(graph: CommunityGraph, params: Any, awarded: Mapping[str, int]) -> Fact:
    least = params.min_stars
    units = graph.units
    good = sum(awarded.get(u.id, 0) >= least for u in units)
    return _share(
        good, len(units), f"评定{least}星以上的网格党组织", f"units awarded {least}+ stars"
    )


def _committee_core(graph: CommunityGraph, params: Any, awarded: Mapping[str, int]) -> Fact:
    ok = {"secretary", "fulltime_deputy"} <= set(graph.committee_roles)
    return _flag(ok, "书记、专职副书记在岗", "书记或专职副书记缺位",
                 "secretary and full-time deputy seated", "secretary or full-time deputy missing")  # fmt: skip


def _part_time_members(graph: CommunityGraph, params: Any, awarded: Mapping[str, int]) -> Fact:
    n = graph.committee_roles.count("parttime_member")
    return Fact(float(n), f"大党委兼职委员 {n} 人", f"{n} big-committee part-time members")


def _co_building(graph: CommunityGraph, params: Any, awarded: Mapping[str, int]) -> Fact:
    with_org = [signed for has_org, signed in graph.resident_units if has_org]
    return _share(sum(with_org), len(with_org), "驻社区党组织签订共建协议", "resident units signed")


def _excellent_members(graph: CommunityGraph, params: Any, awarded: Mapping[str, int]) -> Fact:
    n = graph.chosen_evaluations
    return Fact(float(n), f"“双争”评选优秀党员 {n} 人", f"{n} members chosen in 双争")


CommunityFact = Callable[[CommunityGraph, Any, Mapping[str, int]], Fact]
COMMUNITY_FACTS: dict[str, tuple[FactSpec, CommunityFact]] = {
    spec.name: (spec, fn)
    for spec, fn in (
        (FactSpec("community.committee_core", "书记、专职副书记在岗", "Secretary and full-time deputy seated", "share"), _committee_core),
        (FactSpec("community.units_with_leader", "网格党组织配有书记（组长）", "Units with a leader", "share"), _units_with_leader),
        (FactSpec("community.star_units", "星级模范网格党组织", "Units awarded stars", "share", StarUnitsParams), _star_units),
        (FactSpec("community.part_time_members", "大党委兼职委员", "Big-committee part-time members", "count"), _part_time_members),
        (FactSpec("community.co_building_agreements", "驻社区单位共建协议", "Co-building agreements", "share"), _co_building),
        (FactSpec("community.excellent_members", "“双争”优秀党员", "Members chosen in 双争", "count"), _excellent_members),
    )
}  # fmt: skip


# -- reading org and grid ------------------------------------------------------------------

UNITS = """query ($c: String!, $kind: OrganizationKind!, $after: String) {
  organizations(regionCode: $c, kind: $kind, first: 200, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id name kind parent { id }
      committee { role member { id name management committeeSeats { role }
                               posts { kind organization { id } } } } } } }"""
# A community's places: org knows it and its resident units; grid its zones and buildings;
# then org who lives in each of those buildings (merged by building id: absent, none).
COMMUNITY = """query ($c: String!) { community(code: $c) { code name
  organization { id name committee { role } } }
  residentUnits(communityCode: $c) { partyOrganizationName agreement { signedOn } } }"""
PLACES = """query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Community {
  zones { organization { id } buildings { id coverageState partyGroup { id } } }
  orphanBuildings { id coverageState } } } }"""
# A building's residents are the members whose home building it is, whatever their community
# (org's Building.residentMemberCount): a member who moved community and kept the building
# still lives there. org's regionResidents counts a community's own members only.
RESIDENTS = """query ($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Building { id residentMemberCount } } }"""
# Per organization, its able members under the community and those holding a post: one
# answer, not member pages (what the 明岗定责 share counts).
HOLDINGS = """query ($c: String!) {
  postHoldings(regionCode: $c) { organizationId ableMembers withPosts } }"""
CHOSEN = """query ($r: String!, $year: Int!, $after: String) {
  evaluations(regionCode: $r, year: $year, stage: CHOSEN, first: 200, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id year title reason decidedOn
      member { id name management leftOn community { code } committeeSeats { role } } } } }"""
CHOSEN_COUNT = """query ($r: String!, $year: Int!) {
  evaluations(regionCode: $r, year: $year, stage: CHOSEN, first: 1) { totalCount } }"""
MEMBER = """query ($id: ID!) { member(id: $id) {
  id name management leftOn community { code } committeeSeats { role } } }"""
UNIT = """query ($id: ID!) { organization(id: $id) { id name kind isLive community { code } } }"""


async def _pages(org: SubgraphClient, document: str, variables: dict, root: str) -> list[dict]:
    nodes: list[dict] = []
    after = None
    while True:
        page = (await org.query(document, {**variables, "after": after}))[root]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def person(member: Mapping[str, Any]) -> Person:
    seats = member.get("committeeSeats") or []
    return Person(
        id=member["id"],
        name=member["name"],
        management=member["management"].lower(),
        part_time=any(s["role"] == "PARTTIME_MEMBER" for s in seats),
    )


def _unit(node: Mapping[str, Any]) -> Unit:
    seat = next((s for s in node["committee"] if s["role"] == "SECRETARY"), None)
    leader = person(seat["member"]) if seat else None
    grid_post = seat is not None and any(
        p["kind"] == "GRID_MANAGEMENT" and (p["organization"] or {}).get("id") == node["id"]
        for p in seat["member"]["posts"]
    )
    return Unit(
        id=node["id"],
        name=node["name"],
        kind=node["kind"].lower(),
        parent_id=(node["parent"] or {}).get("id"),
        leader=leader,
        leader_grid_post=grid_post,
    )


def _buildings(places: Mapping[str, Any], living: Mapping[str, int]) -> list[BuildingState]:
    """Grid's buildings of a community with org's resident members (by building id)."""
    found = [
        BuildingState(
            id=b["id"],
            zone_organization_id=(zone["organization"] or {}).get("id"),
            group_id=(b["partyGroup"] or {}).get("id"),
            covered=b["coverageState"] == "COVERED",
            residents=living.get(b["id"], 0),
        )
        for zone in places["zones"]
        for b in zone["buildings"]
    ]
    orphans = [
        BuildingState(b["id"], None, None, False, living.get(b["id"], 0))
        for b in places["orphanBuildings"]
    ]
    return found + orphans


async def _places(peers: Peers, code: str) -> list[BuildingState]:
    """Grid's zones and buildings of a community (none when grid has not mapped it), with
    how many members live in each (org)."""
    found = await peers.grid.entities(PLACES, [{"__typename": "Community", "code": code}])
    places = found[0] or {"zones": [], "orphanBuildings": []}
    ids = [b["id"] for z in places["zones"] for b in z["buildings"]]
    ids += [b["id"] for b in places["orphanBuildings"]]
    counted = await peers.org.entities(
        RESIDENTS, [{"__typename": "Building", "id": i} for i in ids]
    )
    living = {b["id"]: b["residentMemberCount"] for b in counted if b}
    return _buildings(places, living)


async def _base(peers: Peers, code: str) -> tuple[Any, ...]:
    """What every read of a community reads: org's community, its places, its units."""
    org = peers.org
    return tuple(
        await asyncio.gather(
            org.query(COMMUNITY, {"c": code}),
            _places(peers, code),
            _pages(org, UNITS, {"c": code, "kind": "GRID_BRANCH"}, "organizations"),
            _pages(org, UNITS, {"c": code, "kind": "PARTY_GROUP"}, "organizations"),
        )
    )


# A request's reads of communities' bases (`CommendationsContext.community_bases`): a
# community's star board and its five goods asked in one document read it once.
Bases = dict[str, "asyncio.Future[tuple[Any, ...]]"]


def _base_once(peers: Peers, code: str, once: Bases | None) -> Awaitable[tuple[Any, ...]]:
    if once is None:
        return _base(peers, code)
    found = once.get(code)
    if found is None:
        found = once[code] = asyncio.ensure_future(_base(peers, code))
    return found


async def read_community(
    peers: Peers,
    code: str,
    *,
    year: int | None = None,
    members: bool = True,
    once: Bases | None = None,
) -> CommunityGraph | None:
    """A community's units, buildings and (optionally) members; None if there is none.
    `once`: the request's bases, so its other reads of the community share them."""
    org = peers.org

    async def base() -> list[Any]:
        return list(await _base_once(peers, code, once))

    reads: list[Awaitable[Any]] = [base()]
    if members:
        reads.append(org.query(HOLDINGS, {"c": code}))
    if year is not None:
        reads.append(org.query(CHOSEN_COUNT, {"r": code, "year": year}))
    gathered: list[Any] = list(await asyncio.gather(*reads))
    found = [*gathered[0], *gathered[1:]]
    known, buildings, branches, groups = found[0], found[1], found[2], found[3]
    community = known["community"]
    if community is None:
        return None
    organization = community["organization"] or {}
    graph = CommunityGraph(
        code=code,
        name=community["name"],
        organization_id=organization.get("id"),
        organization_name=organization.get("name", ""),
        committee_roles=[s["role"].lower() for s in organization.get("committee", [])],
        units=[_unit(n) for n in branches + groups],
        buildings=buildings,
        resident_units=[
            (bool(u["partyOrganizationName"]), u["agreement"] is not None)
            for u in known["residentUnits"]
        ],
    )
    rest = list(found[4:])
    if members:
        graph.holdings = {
            h["organizationId"]: PostHolding(h["ableMembers"], h["withPosts"])
            for h in rest.pop(0)["postHoldings"]
        }
    if year is not None:
        graph.chosen_evaluations = rest.pop(0)["evaluations"]["totalCount"]
    return graph


async def chosen_evaluations(org: SubgraphClient, region: str, years: list[int]) -> list[dict]:
    """双争 evaluations chosen in these years under a region, with their members."""
    found = await asyncio.gather(
        *(_pages(org, CHOSEN, {"r": region, "year": y}, "evaluations") for y in years)
    )
    return [e for page in found for e in page]


async def read_member(org: SubgraphClient, member_id: str) -> dict | None:
    return (await org.query(MEMBER, {"id": member_id}))["member"]


async def read_unit(org: SubgraphClient, unit_id: str) -> dict | None:
    return (await org.query(UNIT, {"id": unit_id}))["organization"]
