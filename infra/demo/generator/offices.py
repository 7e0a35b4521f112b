"""Committee seats, grid and group leaders, and the community's offices."""

from __future__ import annotations

import datetime as dt
import uuid

import numpy as np

from infra.demo.generator.draws import after, plus_years, random_day
from infra.demo.generator.town import Town, Traits
from infra.demo.model import (
    BRANCH,
    COMMITTEE,
    FULLTIME_DEPUTY,
    GRID_BRANCH,
    JUWEIHUI_DIRECTOR,
    MEMBER,
    PARTTIME_DEPUTY,
    PARTTIME_MEMBER,
    PARTY_GROUP,
    RESIDENT_UNIT_PARTY_HEAD,
    SECRETARY,
    SELF_MANAGED,
    WORKSTATION_HEAD,
    ZONGZHIBAN_DIRECTOR,
    CommitteeSeat,
    MemberOffice,
    ResidentUnit,
)

_ELECTION = (dt.date(2018, 3, 1), dt.date(2018, 6, 30))  # the committees' last 换届


_TERM_YEARS = 3


def seats_and_offices(
    town: Town, traits: Traits, units: list[ResidentUnit], heads: list[tuple[int, int]]
) -> tuple[list[CommitteeSeat], list[tuple[int, uuid.UUID, dt.date]], list[MemberOffice]]:
    """Committee seats (community, big committee, grid branches and groups) and offices."""
    rng, members, code, top = town.rng, town.members, town.code, town.top
    election = random_day(rng, *_ELECTION)
    term_end = plus_years(election, _TERM_YEARS)
    seats: list[CommitteeSeat] = []
    roles: dict[str, list[int]] = {}
    for i, m in enumerate(members):
        if m.committee_role:
            roles.setdefault(m.committee_role, []).append(i)
            seats.append(town.seat(top, i, m.committee_role, election, term_end))

    # plan (三): 驻社区单位党组织负责人...吸纳为社区党委（总支、支部）委员会兼职委员 -- 2-4 in a 党委
    # community, 1-3 in the others; none in one 党委 community (breach 14).
    if code == town.plan.no_big_committee:
        wanted = 0
    else:
        wanted = int(rng.integers(2, 5) if town.kind == COMMITTEE else rng.integers(1, 4))
    for i, k in heads[:wanted]:
        start = random_day(rng, dt.date(2018, 7, 1), dt.date(2020, 3, 31))
        seats.append(
            town.seat(
                top,
                i,
                PARTTIME_MEMBER,
                after(start, members[i].reported_in_on),
                term_end,
                resident_unit_id=units[k].id,
            )
        )

    # A former committee member's seat, ended and kept as history (not a current seat).
    seated_now = {i for group in roles.values() for i in group}
    if code in town.plan.history_seats:
        former = np.flatnonzero(traits.is_self & (town.age >= 55) & (town.age <= 70))
        i = int(rng.choice([j for j in former if j not in seated_now]))
        ended = random_day(rng, dt.date(2018, 9, 1), dt.date(2019, 12, 31))
        seats.append(town.seat(top, i, MEMBER, election, term_end, ended_on=ended))

    leader_seats, leaders = _leaders(town, traits, roles, election)
    seats += leader_seats
    return seats, leaders, _offices(town, roles, units, heads, seats)


def _leaders(
    town: Town, traits: Traits, roles: dict[str, list[int]], election: dt.date
) -> tuple[list[CommitteeSeat], list[tuple[int, uuid.UUID, dt.date]]]:
    """Secretaries of grid branches and leaders (组长) of Party groups: most have one."""
    rng = town.rng
    by_zone, by_building, committee_by_zone = _leader_candidates(town, traits, roles)
    used: set[int] = set()
    seats, leaders = [], []
    term_end = plus_years(election, _TERM_YEARS)
    zone_kind = GRID_BRANCH if town.kind != BRANCH else PARTY_GROUP
    units: list[tuple[uuid.UUID, int, int | None]] = [
        (org, k, None) for k, org in sorted(town.tree.zone_unit.items())
    ]
    units += [(org, int(town.grid.zone_of[b]), b) for b, org in town.tree.building_group.items()]
    for org, k, building in units:
        if rng.random() < 0.04:
            continue  # a few have no secretary or leader (breach 11)
        if building is None:
            prefer = committee_by_zone.get(k) if rng.random() < 0.6 else None
            i = _take(used, prefer, by_zone.get(k))
            start = election + dt.timedelta(days=int(rng.integers(0, 90)))
            end: dt.date | None = term_end if zone_kind == GRID_BRANCH else None
        else:
            # The group's own member, else a neighbour of the zone (a 楼栋 without one).
            i = _take(used, by_building.get(building), by_zone.get(k))
            start, end = random_day(rng, dt.date(2018, 3, 1), dt.date(2019, 12, 31)), None
        if i is None:
            continue
        seat = town.seat(org, i, SECRETARY, start, end)
        assert seat.term_start is not None  # Town.seat always dates the seat
        seats.append(seat)
        leaders.append((i, org, seat.term_start))
    return seats, leaders


_Pools = dict[int, list[int]]  # zone or building index -> member indexes, popped from the end


def _leader_candidates(
    town: Town, traits: Traits, roles: dict[str, list[int]]
) -> tuple[_Pools, _Pools, _Pools]:
    """Members fit to lead, by zone and by building in a random order, and the committee
    members by zone."""
    rng, members = town.rng, town.members
    probationary = np.array([m.is_probationary for m in members])
    fit = (
        traits.is_self
        & ~traits.seated
        & ~traits.unable
        & ~traits.mobile
        & ~traits.frail
        & ~probationary
        & (town.age >= 28)
        & (town.age <= 72)
    )
    by_zone: dict[int, list[int]] = {}
    by_building: dict[int, list[int]] = {}
    for i in rng.permutation(np.flatnonzero(fit)).tolist():
        by_zone.setdefault(int(town.zone[i]), []).append(i)
        by_building.setdefault(int(town.home[i]), []).append(i)
    # plan (二): 其他委员一般应是...威信高、影响力大的下属支部书记（党小组长）.
    committee_by_zone: dict[int, list[int]] = {}
    for i in roles.get(MEMBER, []):
        committee_by_zone.setdefault(int(town.zone[i]), []).append(i)
    return by_zone, by_building, committee_by_zone


def _take(used: set[int], *pools: list[int] | None) -> int | None:
    """The next member of the first pool that has one not used yet, marked used."""
    for pool in pools:
        while pool:
            i = pool.pop()
            if i not in used:
                used.add(i)
                return i
    return None


def _offices(
    town: Town,
    roles: dict[str, list[int]],
    units: list[ResidentUnit],
    heads: list[tuple[int, int]],
    seats: list[CommitteeSeat],
) -> list[MemberOffice]:
    rng, members, code = town.rng, town.members, town.code
    start = {s.member_id: s.term_start for s in seats if s.organization_id == town.top}
    secretary = roles[SECRETARY][0]
    fulltime = roles.get(FULLTIME_DEPUTY, [])
    parttime = roles.get(PARTTIME_DEPUTY, [])
    others = list(roles.get(MEMBER, []))
    offices: list[tuple[str, int, int | None]] = []  # office, member, resident unit
    # plan (二): 书记兼任社区工作站站长 -- but not in one or two communities (breach 12).
    if code in town.plan.not_workstation_head:
        head = (fulltime or others or parttime)[0]
    else:
        head = secretary
    offices.append((WORKSTATION_HEAD, head, None))
    # plan (二): 另一名副书记一般应由...社区综治办主任兼任 -- usually, not always.
    free = [i for i in others + fulltime if i != head]
    if parttime and (rng.random() < 0.85 or not free):
        director = parttime[0]
    elif free:
        director = free.pop(0)
    else:
        director = None
    if director is not None:
        offices.append((ZONGZHIBAN_DIRECTOR, director, None))
    # 居委会主任: a committee member (plan 二: 其他委员...居委会等组织的党员负责人), else a resident.
    taken = {head, director}
    pool = [i for i in others if i not in taken]
    if not pool or rng.random() >= 0.7:
        pool = [
            i
            for i in np.flatnonzero((town.age >= 35) & (town.age <= 60)).tolist()
            if members[i].management == SELF_MANAGED and i not in taken and town.home[i] >= 0
        ]
    offices.append((JUWEIHUI_DIRECTOR, pool[int(rng.integers(len(pool)))], None))
    offices += [(RESIDENT_UNIT_PARTY_HEAD, i, k) for i, k in heads]
    result = []
    for office, i, k in offices:
        m = members[i]
        since = start.get(m.id) or random_day(rng, dt.date(2014, 1, 1), dt.date(2019, 12, 31))
        result.append(
            MemberOffice(
                id=town.ids("office", code, office, m.id),
                community_code=code,
                member_id=m.id,
                office=office,
                resident_unit_id=units[k].id if k is not None else None,
                since=since,
            )
        )
    return result
