"""Coverage of the two-level grid: which buildings and zones have their Party organization,
and the gaps, ranked as DOMAIN "The coverage graph" ranks them.

Gaps, most severe first (DOMAIN "The coverage graph"):
1. a building with resident Party members and no Party group;
2. a building with no Party group;
3. a zone with no grid branch (committee/general-branch communities) or no group (branch);
4. an orphan building (in no zone);
5. a non-self-managed member living in the community who has not reported in.

Rules beyond that list, kept consistent with the map pages (gateway/maps/coverage.py):
- An orphan is gap 4 only, never also 1 or 2 (its missing zone is the root cause).
- In a branch community (社区党支部) "党小组建在片区": a building needs no group of its own and
  is covered when its zone has its group. Its buildings are never gaps 1/2; when the zone lacks
  its group the zone is gap 3, and those buildings count as not covered (state GAP/
  GAP_WITH_MEMBERS, as on the maps) without a gap entry of their own.
- Resident members come from org in one call for the scope's communities (a building absent
  from org's answer has none). When org does not answer, the figures are given without them
  (``residents_known`` False: gap 1 cannot be told from gap 2, and there is no gap 5), and a
  community's kind is inferred from the grid: one with no building group at all is taken to
  be a branch community.

Gap 5 is listed per building (one entry for the members of a building who have not reported
in); ``GapCounts.not_reported_in`` counts the members. Each gap's ``residents`` is the number of
Party members it concerns, which ranks gaps of one severity: the building's resident members
(gaps 1, 2, 4), those of the zone's buildings in the requested area (3), or the members not
reported in (5). Ties go by name (as people read it: 2号楼 before 10号楼, the database's
`natural_key`), then community code and id, so the order is total.

The domain takes the connection and the org client explicitly; no GraphQL here.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, field, fields
from enum import Enum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import is_region_code
from services.common.subgraph_client import SubgraphUnavailableError
from services.grid.models import SRID, building, community, zone
from services.grid.org_client import CoverageFacts, OrgClient, Residents
from services.grid.places import GEOJSON_DIGITS

BRANCH = "branch"  # 社区党支部: Party groups sit in zones


class BuildingState(Enum):
    """A building's coverage, as the map pages colour it."""

    # Members are singletons, so identity hashing is correct; Enum's own __hash__ is Python
    # code, and classification hashes states and kinds for every building it counts.
    __hash__ = object.__hash__

    COVERED = "covered"
    GAP = "gap"
    GAP_WITH_MEMBERS = "gap_with_members"
    ORPHAN = "orphan"


class GapKind(Enum):
    """The five gaps; the value is the severity (1 most severe)."""

    __hash__ = object.__hash__  # as BuildingState's

    BUILDING_WITH_MEMBERS = 1
    BUILDING = 2
    ZONE = 3
    ORPHAN = 4
    NOT_REPORTED_IN = 5


@dataclass(frozen=True)
class BBox:
    """A longitude/latitude box (WGS-84), as (minLon, minLat, maxLon, maxLat)."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def __post_init__(self) -> None:
        if not (self.min_lon <= self.max_lon and self.min_lat <= self.max_lat):
            raise ValueError("bbox: min must not exceed max")
        if not (self.min_lon >= -180 and self.max_lon <= 180):
            raise ValueError("bbox: longitude outside -180..180")
        if not (self.min_lat >= -90 and self.max_lat <= 90):
            raise ValueError("bbox: latitude outside -90..90")


@dataclass(frozen=True)
class Scope:
    """What to cover: a region (by code prefix), or one zone, or some buildings; and a box."""

    region_code: str | None = None
    zone_id: uuid.UUID | None = None
    building_ids: tuple[uuid.UUID, ...] | None = None
    bbox: BBox | None = None

    def __post_init__(self) -> None:
        if self.region_code is not None and not is_region_code(self.region_code):
            raise ValueError(
                f"regionCode {self.region_code!r}: expected 6 (district), 9 (street) or "
                "12 (community) digits"
            )


@dataclass(frozen=True)
class PlacedBuilding:
    """A building as coverage sees it (from SQL), with its state by the database's one rule
    (`grid.building_coverage`) both ways its community's kind may go: known only when org
    answers, which a region's coverage asks while the SQL runs."""

    id: uuid.UUID
    community_code: str
    name: str
    name_key: str  # sorts as people read the name
    zone_id: uuid.UUID | None
    # BuildingState values as SQL gives them (made enums only for the one state used):
    state: str  # groups in buildings (党小组建到楼栋): committee, general branch communities
    state_zone_grouped: str  # groups in zones (党小组建在片区): branch communities


@dataclass(frozen=True)
class PlacedZone:
    id: uuid.UUID
    community_code: str
    name: str
    name_key: str
    has_organization: bool


@dataclass(frozen=True)
class PlacedCommunity:
    code: str
    street_code: str
    district_code: str
    any_building_group: bool  # for inferring the kind when org does not answer


@dataclass(frozen=True)
class Gap:
    kind: GapKind
    community_code: str
    name: str
    name_key: str
    residents: int  # Party members the gap concerns (see the module docstring)
    not_reported_in: int = 0
    building_id: uuid.UUID | None = None
    zone_id: uuid.UUID | None = None

    @property
    def severity(self) -> int:
        return self.kind.value

    @property
    def id(self) -> uuid.UUID:
        found = self.building_id or self.zone_id
        assert found is not None
        return found

    def sort_key(self) -> tuple[int, int, str, str, str]:
        """Severity, then members concerned (most first), then name: a total order."""
        return (self.severity, -self.residents, self.name_key, self.community_code, str(self.id))


@dataclass(frozen=True)
class GapCounts:
    building_with_members: int = 0
    building: int = 0
    zone: int = 0
    orphan: int = 0
    not_reported_in: int = 0  # members, not buildings

    def __add__(self, other: GapCounts) -> GapCounts:
        return GapCounts(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


@dataclass(frozen=True)
class Figures:
    """Counts of one community or of a sum of them."""

    buildings: int = 0
    covered: int = 0
    orphans: int = 0
    zones: int = 0
    zones_without_organization: int = 0
    residents: int = 0  # resident Party members of the buildings counted
    # Buildings by state (as the maps colour them). Unlike gap counts, a branch community's
    # building in a zone without a group is counted here by its own state, not as the zone.
    uncovered: int = 0  # GAP
    uncovered_with_members: int = 0  # GAP_WITH_MEMBERS
    # Buildings with a resident Party member, and of them the covered ones (plan 二 "党小组建到
    # 楼栋": the share an assessment grades; orphans count as not covered).
    member_buildings: int = 0
    member_buildings_covered: int = 0
    gap_counts: GapCounts = field(default_factory=GapCounts)

    def __add__(self, other: Figures) -> Figures:
        # Every field sums, gap_counts included (GapCounts.__add__).
        return Figures(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def percent(self) -> float | None:
        """Share of buildings covered; None when there are no buildings to cover."""
        return 100.0 * self.covered / self.buildings if self.buildings else None


@dataclass(frozen=True)
class CommunityCoverage:
    code: str
    street_code: str
    district_code: str
    kind: str | None  # community_committee | general_branch | branch, None if unknown
    figures: Figures


@dataclass(frozen=True)
class Coverage:
    """The coverage of a scope: totals, per-community figures, states and ranked gaps."""

    scope: Scope
    figures: Figures
    communities: list[CommunityCoverage]
    gaps: list[Gap]  # ranked, most severe first
    states: dict[uuid.UUID, BuildingState]
    residents_known: bool


# --- SQL -------------------------------------------------------------------------------


# Statements are built once per scope shape (what the scope names, and whether it has a box)
# and bound per call: building a Core statement and its cache key costs SQLAlchemy more than
# the database spends on one community.
_BOX = tuple(bindparam(f"box_{i}", type_=Float) for i in range(4))


def _in_box(geometry: ColumnElement, boxed: bool) -> ColumnElement:
    # `&&` lets the GiST index pick candidates; ST_Intersects keeps only true overlaps.
    if not boxed:
        return true()
    envelope = func.ST_MakeEnvelope(*_BOX, SRID)
    return and_(geometry.op("&&")(envelope), func.ST_Intersects(geometry, envelope))


def _community_filter(shape: str) -> ColumnElement:
    if shape in ("district", "street", "community"):
        column = {
            "district": community.c.district_code,
            "street": community.c.street_code,
            "community": community.c.code,
        }
        return column[shape] == bindparam("code")
    if shape == "zone":
        return community.c.code.in_(
            select(zone.c.community_code).where(zone.c.id == bindparam("zone_id"))
        )
    return community.c.code.in_(
        select(building.c.community_code).where(building.c.id.in_(bindparam("building_ids")))
    )


def _building_filter(shape: str, boxed: bool) -> ColumnElement:
    conditions = [_in_box(building.c.footprint, boxed)]
    if shape == "zone":
        conditions.append(building.c.zone_id == bindparam("zone_id"))
    if shape == "buildings":
        conditions.append(building.c.id.in_(bindparam("building_ids")))
    return and_(*conditions)


def _zone_filter(shape: str, boxed: bool) -> ColumnElement:
    if shape == "buildings":
        return false()  # building states need no zone figures
    conditions = [_in_box(zone.c.boundary, boxed)]
    if shape == "zone":
        conditions.append(zone.c.id == bindparam("zone_id"))
    return and_(*conditions)


def _coverage_state(zone_grouped: bool) -> ColumnElement:
    """A building's state by the one rule, which the tiles' SQL uses too."""
    return func.grid.building_coverage(
        building.c.zone_id,
        building.c.party_group_id.is_not(None),
        zone.c.organization_id.is_not(None),
        true() if zone_grouped else false(),
    )


@functools.cache
def _statements(shape: str, boxed: bool) -> tuple[Select, Select]:
    """The zones query and the buildings query for one scope shape."""
    any_group = exists().where(
        building.c.community_code == community.c.code, building.c.party_group_id.is_not(None)
    )
    zones = (
        select(
            community.c.code,
            community.c.street_code,
            community.c.district_code,
            any_group.label("any_building_group"),
            zone.c.id,
            zone.c.name,
            zone.c.name_key,
            zone.c.organization_id.is_not(None).label("has_organization"),
        )
        .select_from(
            community.outerjoin(
                zone,
                and_(zone.c.community_code == community.c.code, _zone_filter(shape, boxed)),
            )
        )
        .where(_community_filter(shape))
        .order_by(community.c.code, zone.c.name_key, zone.c.id)
    )
    buildings = (
        select(
            building.c.id,
            building.c.community_code,
            building.c.name,
            building.c.name_key,
            building.c.zone_id,
            _coverage_state(False).label("state"),
            _coverage_state(True).label("state_zone_grouped"),
        )
        .select_from(
            building.join(community, community.c.code == building.c.community_code).outerjoin(
                zone, zone.c.id == building.c.zone_id
            )
        )
        .where(_community_filter(shape), _building_filter(shape, boxed))
        .order_by(building.c.community_code, building.c.name_key, building.c.id)
    )
    return zones, buildings


_LEVELS = {6: "district", 9: "street", 12: "community"}
_STATES = {s.value: s for s in BuildingState}
_GAP, _GAP_WITH_MEMBERS = BuildingState.GAP, BuildingState.GAP_WITH_MEMBERS


def _shape_and_params(scope: Scope) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {}
    if scope.bbox is not None:
        params.update(zip((p.key for p in _BOX), astuple(scope.bbox), strict=True))
    if scope.region_code is not None:
        return _LEVELS[len(scope.region_code)], {**params, "code": scope.region_code}
    if scope.zone_id is not None:
        return "zone", {**params, "zone_id": scope.zone_id}
    return "buildings", {**params, "building_ids": list(scope.building_ids or ())}


async def _load_places(
    conn: AsyncConnection, scope: Scope
) -> tuple[list[PlacedCommunity], list[PlacedZone], list[PlacedBuilding]]:
    """The scope's communities with their zones (one query) and buildings (a second)."""
    shape, params = _shape_and_params(scope)
    zones_query, buildings_query = _statements(shape, scope.bbox is not None)
    communities: dict[str, PlacedCommunity] = {}
    zones: list[PlacedZone] = []
    for code, street, district, any_group, zone_id, name, key, has_org in await conn.execute(
        zones_query, params
    ):
        if code not in communities:
            communities[code] = PlacedCommunity(code, street, district, any_group)
        if zone_id is not None:
            zones.append(PlacedZone(zone_id, code, name, key, has_org))
    rows = await conn.execute(buildings_query, params)
    buildings = [PlacedBuilding(*row) for row in rows]
    return list(communities.values()), zones, buildings


async def gap_geometries(conn: AsyncConnection, gaps: Sequence[Gap]) -> dict[uuid.UUID, str]:
    """GeoJSON text of each gap's place: the building's footprint or the zone's boundary."""
    building_ids = [g.building_id for g in gaps if g.building_id is not None]
    zone_ids = [g.zone_id for g in gaps if g.zone_id is not None]
    found: dict[uuid.UUID, str] = {}
    if building_ids:
        rows = await conn.execute(
            select(building.c.id, func.ST_AsGeoJSON(building.c.footprint, GEOJSON_DIGITS)).where(
                building.c.id.in_(building_ids)
            )
        )
        found.update(rows.all())
    if zone_ids:
        rows = await conn.execute(
            select(zone.c.id, func.ST_AsGeoJSON(zone.c.boundary, GEOJSON_DIGITS)).where(
                zone.c.id.in_(zone_ids)
            )
        )
        found.update(rows.all())
    return found


# --- org -------------------------------------------------------------------------------


async def _org_facts(org: OrgClient, region_codes: list[str]) -> CoverageFacts | None:
    """Community kinds and resident counts from org in one request; None if org is down."""
    if not region_codes:
        return CoverageFacts(kinds={}, residents={})
    try:
        return await org.coverage_facts(region_codes)
    except SubgraphUnavailableError:
        return None


# --- pure classification and ranking ---------------------------------------------------


def building_state(b: PlacedBuilding, *, branch: bool, residents: int) -> BuildingState:
    """The state by the database's rule for the community's kind (orphan; covered by its own
    group, or in branch communities, "党小组建在片区", by its zone's group; else a gap), a gap
    worse with resident members (which the tiles do not know)."""
    state = _STATES[b.state_zone_grouped if branch else b.state]
    if residents and state is _GAP:
        return _GAP_WITH_MEMBERS
    return state


def _gap_kind(state: BuildingState, *, branch: bool) -> GapKind | None:
    """The gap a building's state makes: an orphan is gap 4 only (never also 1/2); in a branch
    community a building is never gap 1/2 ("党小组建在片区": its zone is the gap, 3)."""
    if state == BuildingState.ORPHAN:
        return GapKind.ORPHAN
    if branch:
        return None
    return {
        BuildingState.GAP_WITH_MEMBERS: GapKind.BUILDING_WITH_MEMBERS,
        BuildingState.GAP: GapKind.BUILDING,
    }.get(state)


def rank(gaps: Iterable[Gap]) -> list[Gap]:
    """Most severe first; within a severity, most members concerned first, then by name."""
    return sorted(gaps, key=Gap.sort_key)


def _figures(count: Counter) -> Figures:
    return Figures(
        buildings=count["buildings"],
        covered=count[BuildingState.COVERED],
        orphans=count[BuildingState.ORPHAN],
        zones=count["zones"],
        zones_without_organization=count[GapKind.ZONE],
        residents=count["residents"],
        uncovered=count[BuildingState.GAP],
        uncovered_with_members=count[BuildingState.GAP_WITH_MEMBERS],
        member_buildings=count["member_buildings"],
        member_buildings_covered=count["member_buildings_covered"],
        gap_counts=GapCounts(
            building_with_members=count[GapKind.BUILDING_WITH_MEMBERS],
            building=count[GapKind.BUILDING],
            zone=count[GapKind.ZONE],
            orphan=count[GapKind.ORPHAN],
            not_reported_in=count[GapKind.NOT_REPORTED_IN],
        ),
    )


def classify(
    communities: Sequence[PlacedCommunity],
    zones: Sequence[PlacedZone],
    buildings: Sequence[PlacedBuilding],
    kinds: dict[str, str | None] | None,
    residents: dict[uuid.UUID, Residents] | None,
    scope: Scope,
) -> Coverage:
    """States, per-community figures and the ranked gaps; kinds/residents None: org is down."""
    is_branch = {
        c.code: (kinds.get(c.code) == BRANCH) if kinds is not None else not c.any_building_group
        for c in communities
    }
    states: dict[uuid.UUID, BuildingState] = {}
    gaps: list[Gap] = []
    counts: dict[str, Counter] = {c.code: Counter() for c in communities}
    zone_residents: dict[uuid.UUID, int] = {}
    for b in buildings:
        r = (residents or {}).get(b.id, Residents())
        state = building_state(b, branch=is_branch[b.community_code], residents=r.total)
        states[b.id] = state
        if b.zone_id is not None:
            zone_residents[b.zone_id] = zone_residents.get(b.zone_id, 0) + r.total
        kind = _gap_kind(state, branch=is_branch[b.community_code])
        if kind is not None:
            gaps.append(Gap(kind, b.community_code, b.name, b.name_key, r.total, building_id=b.id))
        if r.not_reported_in:  # gap 5, listed per building
            gaps.append(
                Gap(
                    GapKind.NOT_REPORTED_IN,
                    b.community_code,
                    b.name,
                    b.name_key,
                    r.not_reported_in,
                    not_reported_in=r.not_reported_in,
                    building_id=b.id,
                )
            )
        count = counts[b.community_code]
        count["buildings"] += 1
        count[state] += 1
        count[kind] += 1
        count["residents"] += r.total
        if r.total:
            count["member_buildings"] += 1
            count["member_buildings_covered"] += state is BuildingState.COVERED
        count[GapKind.NOT_REPORTED_IN] += r.not_reported_in  # members, not buildings
    for z in zones:
        missing = not z.has_organization  # plan 二: 分支部建在片区 / 党小组建在片区
        if missing:
            gaps.append(
                Gap(
                    GapKind.ZONE,
                    z.community_code,
                    z.name,
                    z.name_key,
                    zone_residents.get(z.id, 0),
                    zone_id=z.id,
                )
            )
        counts[z.community_code]["zones"] += 1
        counts[z.community_code][GapKind.ZONE] += missing
    per_community = [
        CommunityCoverage(
            c.code,
            c.street_code,
            c.district_code,
            (kinds or {}).get(c.code),
            _figures(counts[c.code]),
        )
        for c in communities
    ]
    return Coverage(
        scope=scope,
        figures=sum((c.figures for c in per_community), Figures()),
        communities=per_community,
        gaps=rank(gaps),
        states=states,
        residents_known=residents is not None,
    )


# --- entry points ----------------------------------------------------------------------


async def coverage(conn: AsyncConnection, org: OrgClient, *, scope: Scope) -> Coverage:
    """Coverage of a region (district, street office, community by code prefix), a zone or
    some buildings, optionally within a box: two set-based queries and one org request,
    whatever its size. A region's org request runs while the queries do (org answers by
    region code); a zone or buildings need the queries first to know their communities."""
    if scope.region_code is not None:
        asked = asyncio.ensure_future(_org_facts(org, [scope.region_code]))
        try:
            communities, zones, buildings = await _load_places(conn, scope)
        except BaseException:
            asked.cancel()
            raise
        facts = await asked
    else:
        communities, zones, buildings = await _load_places(conn, scope)
        facts = await _org_facts(org, [c.code for c in communities])
    if facts is None:
        return classify(communities, zones, buildings, None, None, scope)
    return classify(communities, zones, buildings, facts.kinds, facts.residents, scope)


async def org_facts(org: OrgClient, region_codes: list[str]) -> CoverageFacts | None:
    """What coverage needs of org for these regions, asked once; None when org is down."""
    return await _org_facts(org, region_codes)


async def coverage_with(
    conn: AsyncConnection, scope: Scope, facts: CoverageFacts | None
) -> Coverage:
    """`coverage` with org's facts already in hand (None: org is down). A planner's preview
    counts a community before and after its write, which changes nothing org knows, so it
    asks org once (services/grid/planner/plan.py)."""
    communities, zones, buildings = await _load_places(conn, scope)
    if facts is None:
        return classify(communities, zones, buildings, None, None, scope)
    return classify(communities, zones, buildings, facts.kinds, facts.residents, scope)


async def building_states(
    conn: AsyncConnection, org: OrgClient, ids: Sequence[uuid.UUID]
) -> list[BuildingState | None]:
    """The state of each building (None if unknown), in the ids' order; for a DataLoader."""
    result = await coverage(conn, org, scope=Scope(building_ids=tuple(ids)))
    return [result.states.get(i) for i in ids]


def gaps_of(result: Coverage, *, severity: int | None = None) -> list[Gap]:
    """The ranked gaps, optionally of one severity only."""
    return [g for g in result.gaps if severity is None or g.severity == severity]


def gap_page(gaps: Sequence[Gap], *, after_key: Sequence[Any] | None, size: int) -> list[Gap]:
    """Up to ``size`` gaps ranked after ``after_key`` (a keyset cursor: a gap's sort key)."""
    start = 0
    if after_key is not None:
        key = tuple(after_key)
        start = next((i for i, g in enumerate(gaps) if g.sort_key() > key), len(gaps))
    return list(gaps[start : start + size])
