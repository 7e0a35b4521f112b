"""One community while its life is generated (members by index, per-member traits)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TypedDict, Unpack

import numpy as np

from infra.demo.generator.draws import Ids, after, pick
from infra.demo.generator.grids import Grid
from infra.demo.generator.organizations import OrgTree
from infra.demo.generator.plans import LifePlan
from infra.demo.model import (
    SELF_MANAGED,
    CommitteeSeat,
    Evaluation,
    EvaluationFeedback,
    Member,
    MemberCategory,
    MemberOffice,
    Post,
    ResidentUnit,
    VolunteerTeam,
    VolunteerTeamMember,
)


class SeatExtras(TypedDict, total=False):
    """A seat's optional fields beyond the term (see CommitteeSeat)."""

    ended_on: dt.date | None
    resident_unit_id: uuid.UUID | None


_PHONE_PREFIXES = tuple(
    f"{p}"
    for p in (
        *range(130, 140),
        *(150, 151, 152, 153, 155, 156, 157, 158, 159),
        *(166, 173, 175, 176, 177, 178),
        *range(180, 190),
        *(191, 198, 199),
    )
)  # mobile number blocks of 1[3-9]x: 11 digits in all


def party_org_name(unit: str) -> str:
    """The name a unit's own Party organization plausibly has."""
    if unit.endswith(("局", "厅", "法院", "检察院", "委员会")):
        return f"{unit}机关党委"
    if unit.endswith(("所", "站", "支行", "支局", "大队", "馆", "小学")):
        return f"{unit}党支部"
    return f"{unit}党委"


def random_phone(rng: np.random.Generator) -> str:
    return f"{pick(rng, _PHONE_PREFIXES)}{int(rng.integers(10**8)):08d}"


@dataclass
class Life:
    """What one community adds to the district apart from its grid and organizations."""

    members: list[Member]
    seats: list[CommitteeSeat]
    resident_units: list[ResidentUnit]
    offices: list[MemberOffice]
    categories: list[MemberCategory]
    posts: list[Post]
    teams: list[VolunteerTeam]
    team_members: list[VolunteerTeamMember]
    evaluations: list[Evaluation]
    feedback: list[EvaluationFeedback]


@dataclass
class Town:
    """One community while its life is generated: members by index, and lookups."""

    rng: np.random.Generator
    ids: Ids
    grid: Grid
    kind: str
    tree: OrgTree
    plan: LifePlan
    members: list[Member]
    org_name: dict[uuid.UUID, str]
    home: np.ndarray  # building index per member, -1 none
    zone: np.ndarray  # zone index per member, -1 none (no home, or an orphan building)
    age: np.ndarray  # years on AS_OF
    employer: list[str | None]  # employer units; heads of resident units move to their unit

    @property
    def code(self) -> str:
        return self.grid.place.code

    @property
    def top(self) -> uuid.UUID:
        return self.tree.community_org

    def home_org(self, i: int) -> uuid.UUID:
        """Member i's own organization, or for others the one whose activities they join
        (plan 三: 把居民楼栋中的非自管党员纳入楼栋（片区）党小组（党支部）活动和管理)."""
        m = self.members[i]
        if m.organization_id is not None:
            return m.organization_id
        home = int(self.home[i])
        return self.tree.home_org(home if home >= 0 else None, int(self.zone[i]))

    def seat(
        self,
        org: uuid.UUID,
        i: int,
        role: str,
        start: dt.date,
        end: dt.date | None,
        **extra: Unpack[SeatExtras],
    ) -> CommitteeSeat:
        m = self.members[i]
        return CommitteeSeat(
            id=self.ids("seat", org, m.id, *(["ended"] if extra.get("ended_on") else [])),
            community_code=self.code,
            organization_id=org,
            member_id=m.id,
            role=role,
            term_start=after(start, m.joined_on + dt.timedelta(days=30)),
            term_end=end,
            **extra,
        )


@dataclass(frozen=True)
class Traits:
    """Per-member draws of one community, as arrays by member index."""

    is_self: np.ndarray
    seated: np.ndarray  # holds a seat on the community committee
    reported: np.ndarray  # non-self-managed and reported in (jointly managed always are)
    frail: np.ndarray  # 年老体弱
    unable: np.ndarray  # not 有活动能力
    mobile: np.ndarray  # 外出流动
    hardship: np.ndarray  # 生活困难
    unit_known: np.ndarray  # reporting_unit recorded
    phones: list[str | None]

    @property
    def in_care(self) -> np.ndarray:
        """Members the community manages: its own, and the others once they have reported."""
        return self.is_self | self.reported

    @property
    def active(self) -> np.ndarray:
        """能够正常参加组织活动的党员 (plan 五): able, here, and in the community's care."""
        return self.in_care & ~self.unable & ~self.mobile


def member_traits(town: Town) -> Traits:
    rng, members, age = town.rng, town.members, town.age
    n = len(members)
    u = rng.random((n, 6))
    is_self = np.array([m.management == SELF_MANAGED for m in members])
    seated = np.array([m.committee_role is not None for m in members])
    reported = np.array([m.reported_in_on is not None for m in members])
    # plan (五): 外出流动、年老体弱、生活困难等特殊类别党员 -- about 5%, 8% and 3% of members.
    frail_share = np.select([age >= 80, age >= 70, age >= 60], [0.45, 0.18, 0.05], 0.0)
    frail = (u[:, 0] < frail_share) & ~seated
    # About 8% cannot take part in activities: mostly the frail, a few others through illness.
    unable_share = np.select([age >= 75, age >= 60], [0.06, 0.03], 0.005)
    unable = np.where(frail, u[:, 1] < 0.75, u[:, 1] < unable_share) & ~seated
    mobile = is_self & ~seated & ~frail & (age < 58) & (u[:, 2] < 0.155)
    hardship = is_self & ~seated & (u[:, 3] < 0.03 + 0.08 * unable)
    # Most who have not reported still gave their unit; a few are unknown.
    unit_known = ~is_self & (reported | (u[:, 4] < 0.6))
    prefixes = rng.integers(len(_PHONE_PREFIXES), size=n)
    numbers = rng.integers(10**8, size=n)
    no_phone = (age >= 80) & (u[:, 5] < 0.3)  # some of the very old have no mobile phone
    phones = [
        None if no_phone[i] else f"{_PHONE_PREFIXES[prefixes[i]]}{numbers[i]:08d}" for i in range(n)
    ]
    return Traits(is_self, seated, reported, frail, unable, mobile, hardship, unit_known, phones)
