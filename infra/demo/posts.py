"""Posts (明岗定责) and the volunteer team."""

from __future__ import annotations

import datetime as dt
import uuid

import numpy as np

from infra.demo.draws import AS_OF, NAMESPACE, after, random_day
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
from infra.demo.town import Town, Traits

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


def member_posts(
    town: Town,
    traits: Traits,
    leaders: list[tuple[int, uuid.UUID, dt.date]],
    holders: set[uuid.UUID],
) -> list[Post]:
    """明岗定责 (plan 五) for the members able to take part in activities."""
    rng, members, code, seed = town.rng, town.members, town.code, town.ids.seed
    launch = random_day(rng, *_POSTS_LAUNCH)
    n = len(members)
    # Every draw up front, one array per purpose: members are many, and scalar draws slow.
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
    posts: list[Post] = []

    def claim(
        i: int,
        kind: str,
        title: str,
        org: uuid.UUID | None,
        day: dt.date,
        released_on: dt.date | None = None,
    ) -> None:
        m = members[i]
        floor = m.joined_on + dt.timedelta(days=1)
        if m.reported_in_on is not None and m.reported_in_on > floor:
            floor = m.reported_in_on
        posts.append(
            Post(
                id=uuid.uuid5(NAMESPACE, f"{seed}/post/{m.id}/{len(posts)}"),
                community_code=code,
                member_id=m.id,
                kind=kind,
                title=title,
                organization_id=org,
                claimed_on=min(max(day, floor), AS_OF),
                released_on=released_on,
            )
        )

    def outbreak_post(i: int, org: uuid.UUID) -> None:
        m, day = members[i], dt.date.fromordinal(int(outbreak[i]))
        if m.joined_on < day and (m.reported_in_on is None or m.reported_in_on < day):
            end = dt.date.fromordinal(int(released[i]))
            claim(i, VOLUNTEER_POST, _EPIDEMIC_POST, org, day, end)

    active = np.flatnonzero(traits.active).tolist()
    top_name = town.org_name[town.top]
    # plan (五): 社区组织在职党员以本职岗位为责任岗.
    for i in active:
        m = members[i]
        if m.management == SELF_MANAGED and town.age[i] >= _RETIREMENT_AGE[m.gender]:
            continue  # retired
        day = launch + dt.timedelta(days=int(job_days[i]))
        if m.committee_role:
            claim(i, JOB_POST, f"{top_name}{_ROLE_NAMES[m.committee_role]}", town.top, day)
        elif m.management == SELF_MANAGED:
            claim(i, JOB_POST, f"本职岗位：{_SELF_JOBS[jobs[i]]}", m.organization_id, day)
        else:
            claim(i, JOB_POST, f"本职岗位：{town.employer[i]}", None, day)
    # plan (五): 居民楼栋党支部书记、党小组长兼任网格化管理岗位.
    for i, org, start in leaders:
        claim(i, GRID_POST, f"{town.org_name[org]}网格化管理岗", org, max(launch, start))
    # plan (五): 无职党员通过设岗定责各自认领一个以上的社区管理服务义务奉献岗位 -- about a tenth
    # have none (breach 17); some of those only held a post at the outbreak, since released.
    leader_ids = {members[i].id for i, _, _ in leaders}
    miss = rng.uniform(0.05, 0.15)
    for i in active:
        m = members[i]
        if m.id in holders or m.id in leader_ids:
            continue
        org = town.home_org(i)
        if u[i, 0] < miss:
            if u[i, 1] < 0.3:
                outbreak_post(i, org)
            continue
        titles = (first[i], second[i]) if u[i, 0] > 0.85 else (first[i],)
        for t, offset in zip(titles, volunteer_days[i], strict=False):
            day = launch + dt.timedelta(days=int(offset))
            claim(i, VOLUNTEER_POST, _VOLUNTEER_POSTS[t], org, day)
        if u[i, 2] < 0.08:
            outbreak_post(i, org)
    return posts


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
