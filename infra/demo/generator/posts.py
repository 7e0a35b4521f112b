"""Posts (明岗定责) and the volunteer team."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import numpy as np

from infra.demo.generator.draws import AS_OF, NAMESPACE, after, random_day
from infra.demo.generator.town import Town, Traits
from infra.demo.model import (
    FULLTIME_DEPUTY,
    GRID_POST,
    JOB_POST,
    JOINTLY_MANAGED,
    MEMBER,
    PARTTIME_DEPUTY,
    SECRETARY,
    SELF_MANAGED,
    VOLUNTEER_POST,
    Post,
    VolunteerTeam,
    VolunteerTeamMember,
)

_ROLE_NAMES = {
    SECRETARY: "书记",
    FULLTIME_DEPUTY: "专职副书记",
    PARTTIME_DEPUTY: "兼职副书记",
    MEMBER: "委员",
}


_SELF_JOBS = (
    "个体经营",
    "民营企业职工",
    "物业服务企业职工",
    "灵活就业",
    "社区卫生服务站医护人员",
    "快递物流从业人员",
    "社区工作站工作人员",
    "商户",
)


_VOLUNTEER_POSTS = (
    "楼道卫生监督岗",
    "治安巡逻岗",
    "文明劝导岗",
    "政策宣传岗",
    "邻里纠纷调解岗",
    "关爱空巢老人岗",
    "垃圾分类督导岗",
    "楼院环境整治岗",
    "便民服务岗",
    "文体活动组织岗",
    "楼栋信息采集岗",
    "法律咨询岗",
    "助学辅导岗",
    "义务理发岗",
)


_EPIDEMIC_POST = "疫情防控卡点值守岗"  # claimed at the 2020 outbreak, released by April


_POSTS_LAUNCH = (dt.date(2019, 3, 1), dt.date(2019, 6, 30))  # 明岗定责 began


_EPIDEMIC_CLAIMED = (dt.date(2020, 1, 25), dt.date(2020, 2, 10))


_EPIDEMIC_RELEASED = (dt.date(2020, 3, 15), dt.date(2020, 4, 25))


# In service (在职): a non-self-managed member (employed by their unit), or a self-managed one
# under the statutory retirement age -- 60 for men, 55 for women; everyone older is retired.
_RETIREMENT_AGE = {"M": 60, "F": 55}


@dataclass(frozen=True)
class _Draws:
    """Every draw of one community's posts, made up front, one array per purpose: members are
    many, and scalar draws slow."""

    launch: dt.date
    u: np.ndarray
    job_days: np.ndarray
    jobs: np.ndarray
    volunteer_days: np.ndarray
    first: np.ndarray
    second: np.ndarray
    outbreak: np.ndarray
    released: np.ndarray


def _draws(rng: np.random.Generator, n: int) -> _Draws:
    launch = random_day(rng, *_POSTS_LAUNCH)
    u = rng.random((n, 3))
    job_days = rng.integers(0, 60, n)
    jobs = rng.integers(len(_SELF_JOBS), size=n)
    volunteer_days = rng.integers(0, 300, (n, 2))
    first = rng.integers(len(_VOLUNTEER_POSTS), size=n)
    second = (first + 1 + rng.integers(len(_VOLUNTEER_POSTS) - 1, size=n)) % len(_VOLUNTEER_POSTS)
    outbreak = rng.integers(
        _EPIDEMIC_CLAIMED[0].toordinal(), _EPIDEMIC_CLAIMED[1].toordinal() + 1, n
    )
    released = rng.integers(
        _EPIDEMIC_RELEASED[0].toordinal(), _EPIDEMIC_RELEASED[1].toordinal() + 1, n
    )
    return _Draws(launch, u, job_days, jobs, volunteer_days, first, second, outbreak, released)


@dataclass
class _Claims:
    """The posts of one community as its members claim them (ids number them in order)."""

    town: Town
    draws: _Draws
    posts: list[Post] = field(default_factory=list)

    def claim(
        self,
        i: int,
        kind: str,
        title: str,
        org: uuid.UUID | None,
        day: dt.date,
        released_on: dt.date | None = None,
    ) -> None:
        m = self.town.members[i]
        floor = m.joined_on + dt.timedelta(days=1)
        if m.reported_in_on is not None and m.reported_in_on > floor:
            floor = m.reported_in_on
        self.posts.append(
            Post(
                id=uuid.uuid5(NAMESPACE, f"{self.town.ids.seed}/post/{m.id}/{len(self.posts)}"),
                community_code=self.town.code,
                member_id=m.id,
                kind=kind,
                title=title,
                organization_id=org,
                claimed_on=min(max(day, floor), AS_OF),
                released_on=released_on,
            )
        )

    def outbreak_post(self, i: int, org: uuid.UUID) -> None:
        m, day = self.town.members[i], dt.date.fromordinal(int(self.draws.outbreak[i]))
        if m.joined_on < day and (m.reported_in_on is None or m.reported_in_on < day):
            end = dt.date.fromordinal(int(self.draws.released[i]))
            self.claim(i, VOLUNTEER_POST, _EPIDEMIC_POST, org, day, end)


def member_posts(
    town: Town,
    traits: Traits,
    leaders: list[tuple[int, uuid.UUID, dt.date]],
    holders: set[uuid.UUID],
) -> list[Post]:
    """明岗定责 (plan 五) for the members able to take part in activities."""
    claims = _Claims(town, _draws(town.rng, len(town.members)))
    active = np.flatnonzero(traits.active).tolist()
    _job_posts(claims, active)
    # plan (五): 居民楼栋党支部书记、党小组长兼任网格化管理岗位.
    launch = claims.draws.launch
    for i, org, start in leaders:
        claims.claim(i, GRID_POST, f"{town.org_name[org]}网格化管理岗", org, max(launch, start))
    leader_ids = {town.members[i].id for i, _, _ in leaders}
    _volunteer_posts(claims, active, holders | leader_ids)
    return claims.posts


def _job_posts(claims: _Claims, active: list[int]) -> None:
    """plan (五): 社区组织在职党员以本职岗位为责任岗."""
    town, draws = claims.town, claims.draws
    top_name = town.org_name[town.top]
    for i in active:
        m = town.members[i]
        if m.management == SELF_MANAGED and town.age[i] >= _RETIREMENT_AGE[m.gender]:
            continue  # retired
        day = draws.launch + dt.timedelta(days=int(draws.job_days[i]))
        if m.committee_role:
            claims.claim(i, JOB_POST, f"{top_name}{_ROLE_NAMES[m.committee_role]}", town.top, day)
        elif m.management == SELF_MANAGED:
            title = f"本职岗位：{_SELF_JOBS[draws.jobs[i]]}"
            claims.claim(i, JOB_POST, title, m.organization_id, day)
        else:
            claims.claim(i, JOB_POST, f"本职岗位：{town.employer[i]}", None, day)


def _volunteer_posts(claims: _Claims, active: list[int], seated: set[uuid.UUID]) -> None:
    """plan (五): 无职党员通过设岗定责各自认领一个以上的社区管理服务义务奉献岗位 -- about a
    tenth have none (breach 17); some of those only held a post at the outbreak, since
    released. `seated`: members with an office, a current seat or a group to lead."""
    town, draws = claims.town, claims.draws
    miss = town.rng.uniform(0.05, 0.15)
    for i in active:
        if town.members[i].id in seated:
            continue
        org = town.home_org(i)
        if draws.u[i, 0] < miss:
            if draws.u[i, 1] < 0.3:
                claims.outbreak_post(i, org)
            continue
        titles = (draws.first[i], draws.second[i]) if draws.u[i, 0] > 0.85 else (draws.first[i],)
        for t, offset in zip(titles, draws.volunteer_days[i], strict=False):
            day = draws.launch + dt.timedelta(days=int(offset))
            claims.claim(i, VOLUNTEER_POST, _VOLUNTEER_POSTS[t], org, day)
        if draws.u[i, 2] < 0.08:
            claims.outbreak_post(i, org)


def volunteer_team(
    town: Town, traits: Traits, posts: list[Post]
) -> tuple[list[VolunteerTeam], list[VolunteerTeamMember]]:
    """plan (三): 动员驻社区单位在职党员、非自管的社区居民党员与社区党组织自管党员一起...联合组建
    社区党员志愿者服务队; plan (五): 联管党员纳入...社区党员志愿者服务队活动. In one or two
    communities the team has only self-managed members (breach 16)."""
    rng, members, code, tree = town.rng, town.members, town.code, town.tree
    led_by = next(
        (o.id for o in tree.organizations if "volunteer_team" in o.units), tree.community_org
    )
    founded = random_day(rng, dt.date(2017, 5, 1), dt.date(2018, 12, 31))
    team = VolunteerTeam(
        town.ids("volunteer_team", code),
        code,
        f"{town.grid.place.name}党员志愿者服务队",
        led_by,
        founded,
    )
    volunteering = {
        p.member_id for p in posts if p.kind == VOLUNTEER_POST and p.released_on is None
    }
    self_only = code in town.plan.self_only_team
    joined = []
    u = rng.random(len(members))
    for i in np.flatnonzero(traits.active).tolist():
        m = members[i]
        if m.management == SELF_MANAGED:
            join = m.id in volunteering and u[i] < 0.45
        elif m.management == JOINTLY_MANAGED:
            join = not self_only
        else:
            join = not self_only and u[i] < 0.3
        if join:
            day = founded + dt.timedelta(days=int(rng.integers(0, 600)))
            joined.append(
                VolunteerTeamMember(team.id, m.id, code, after(day, m.joined_on, m.reported_in_on))
            )
    return [team], joined
