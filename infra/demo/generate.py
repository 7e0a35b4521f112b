"""Generate the demo district, 管城回族区 of 郑州市 (code 410104), from a seed.

The district outline is the real one (a public administrative polygon in WGS-84,
infra/demo/data/guancheng_outline.geojson), so real files of the area line up with the demo.
Everything else spatial is synthetic: the community and zone boundaries and every building are
made up inside the outline's north-west (the outline clipped to lon 113.66-113.76, lat
34.70-34.77; the district's other street offices are not in the demo); none of it is surveyed.
Street office, township and community
names are plausible and the codes follow the 统计用区划代码 scheme (6/9/12 digits, 乡 from 200),
but which code goes with which name is made up as well.

``generate`` is pure: the same seed gives an equal ``Demo``. Every random draw comes from a numpy
generator keyed by the seed and a stage number, and every id is a uuid5 of the seed and a stable
name (e.g. ``2020/zone/410104001002/3``). The data is a snapshot taken on ``AS_OF`` (end of April
2020, before the plan's 分类定级 by mid-May); no date in it is later, except the planned ends
of committee terms (``term_end``: 3-year terms from the 2018 elections).

The stages are modules of ``infra.demo.generator``, named for what they make: ``places``
(the region tree), ``outlines`` (community outlines, zones and gap strips), ``compounds`` and
``grids`` (buildings and the grid of one community), ``plans`` (district-wide choices, the
deliberate breaches among them), ``organizations``, ``members``, ``committees`` and ``people``
(a community's residents and committee); then ``life`` runs one community's regional pattern
and member life over ``town`` (its members by index) in ``resident_units``, ``offices``,
``categories``, ``posts``, ``evaluations`` and ``departures``. ``draws`` and ``geometry`` hold
the seeded draws and the metre/degree helpers.

Shape of the district:
- 4 street offices and 1 township, 14 communities tiling that area (a Voronoi diagram of
  jittered nominal centres); 3-6 zones per community, separated by 4 m roads; buildings stand
  in walled compounds (院) of rotated rectangles, all inside one zone or one gap strip.
- Ranked by households, the 5 largest communities have a 社区党委, the next 5 a 社区党总支 and
  the rest (the township's among them) a 社区党支部.
- In branch communities Party groups sit in zones, not buildings ("社区党支部应将党小组建在片区"):
  their buildings have no group by design, which is not a gap.
- Self-managed members belong to their building's Party group, else (branch communities) their
  zone's group, else the community organization. Non-self-managed and jointly managed members
  belong to no organization here (their membership is with their employer).
- Members without a home building: 1-2 per community, the secretaries of pilot communities,
  cadres sent down from outside ("试点社区书记由下派科级干部担任", ``is_sent_down_cadre``), and
  1-3 non-self-managed members per community who reported in and have since moved away
  (``reporting_status`` "left", ``left_on`` set).

The regional pattern and member life (plan 三、五), as kept:
- Committees: every community's committee seats as ``CommitteeSeat`` rows (elected in 2018,
  3-year terms), plus the secretary of each grid branch and the leader (组长) of each Party group
  (role "secretary" on that organization): a self-managed member of the group, else a neighbour
  in its zone; some grid-branch secretaries are committee members ("下属支部书记"). A few former
  委员 seats have ended (``ended_on``) and are history, not current seats.
- Resident units (驻社区单位): 2-6 per community, most with their own Party organization; most of
  those have signed a co-building agreement (共建协议). The heads of their Party organizations
  are non-self-managed residents who have reported in (office "resident_unit_party_head"; their
  employer is that unit); 2-4 of them (1-3 outside 党委 communities) sit on the big committee
  (大党委) as part-time members ("parttime_member", with the unit).
- Offices: the secretary heads the workstation (站长); the part-time deputy usually directs the
  综治办; a committee member (or a resident) directs the 居委会.
- Members: non-self-managed ones carry ``reporting_status`` ("pending" until they report in,
  "reported", "left"; None exactly for self-managed ones) and mostly their ``reporting_unit``
  (their employer). About 8% are not able (``is_able`` False), mostly the old and frail. Phone
  numbers are made up (1[3-9]x and 8 digits).
- Special categories (分类管理): about 5% mobile (外出流动, self-managed, under 58), 8% elderly or
  frail (年老体弱, by age), 3% in hardship (生活困难), each with a helper member of the community
  or an outside contact.
- Posts (明岗定责), for the members able to take part (``is_able``, not mobile, and in the
  community's care: self-managed, or reported in). In service (在职) means non-self-managed
  (employed by their unit) or self-managed under the statutory retirement age (60 for men, 55
  for women): they hold a "job" post. Grid-branch secretaries and group leaders hold a
  "grid_management" post on their organization. 无职党员 -- active members with no current seat
  and no office -- claim one or two "volunteer" posts, attached to their own organization (for
  others: their building's group, "纳入楼栋党小组活动"). Some posts claimed at the 2020 outbreak
  (疫情防控卡点值守岗) were released in March/April.
- A 党员志愿者服务队 per community, led by its volunteer-team special branch (else the community
  organization): some self-managed volunteers, the jointly managed members, some reported
  non-self-managed ones.
- 双争 2020: 3-8 nominations per community, at every stage (nominated, publicized for seven
  days, chosen or not); each chosen one has its feedback to the member's own unit's Party
  organization: the employer's (by a resident unit of that name if any) for non-self-managed
  members, the community organization for self-managed ones.

Deliberate gaps and breaches, for the coverage, grading and issue modules to find. Communities
are picked by rank or by the seed, so which names carry them depends on the seed.

Grid (plan 二, "社区党委、党总支应将分支部建在片区、党小组建到楼栋上"):
1. Orphan buildings: in 4 urban communities a strip along one side (12-16% of the area) is in
   no zone; 7-10% of those communities' buildings (about 2.5% of all) stand in it. Orphans
   never have a Party group.
2. Zones without a grid branch: one zone in each of 3 committee/general-branch communities.
   The Party groups of that zone's buildings hang directly under the community organization.
3. A zone without its Party group in 1 branch community.
4. Buildings without a Party group: 4-9% of the zoned buildings of every committee/general-branch
   community (about 5% of all buildings); half of them have resident members (the most severe
   gap), the other half have none.
Organizations:
5. Functional branches (社区工作站、综治办、居委会): one community lacks the 综治办 and 居委会
   branches, another has none at all.
6. Two communities have no volunteer-team (志愿者服务队) special branch.
Members (plan 三, "党员向社区党组织报到"):
7. About 25% of non-self-managed members have not reported in (``reported_in_on`` None).
Committees (plan 二):
8. The largest committee community has 8 committee members ("社区党委设委员5至7人"), and all
   but its secretary are over 50 without an associate degree ("以40岁左右、大专以上文化程度的
   同志为主体").
9. The second largest committee community: the full-time deputy has under 2 years' Party
   standing ("专职副书记应由党龄2年以上...的党员担任") and the part-time deputy is probationary
   ("另一名副书记一般应由是正式党员的社区综治办主任兼任").
10. The largest general-branch community has no full-time deputy ("专职副书记1人").
11. About 4% of grid branches and Party groups have no secretary (组长) seat.
12. In 1-2 communities the secretary does not head the workstation ("书记兼任社区工作站站长"):
    another committee member does.
13. One pilot community's secretary is a local member, not a cadre sent down
    ("试点社区书记由下派科级干部担任").
The regional pattern (plan 三):
14. One 社区党委 community (not one of 8-9) has no big committee: no part-time member
    ("吸纳为社区党委...委员会兼职委员，组成社区'大党委'").
15. Co-building agreements: units without their own Party organization have none, and about
    18% of the others have not signed ("社区党组织与驻社区党组织签订协议"); one is forced.
16. In 1-2 communities the volunteer team has self-managed members only ("联合组建社区党员志愿者
    服务队"; "联管党员纳入...社区党员志愿者服务队活动").
Member activities (plan 五):
17. 无职党员 without a volunteer post: 5-15% per community (about 10% in all); some of them
    hold only a released outbreak post ("无职党员...认领一个以上的...义务奉献岗位").
18. Special-category members without a helper or contact: 4-16% per community (about 10%)
    ("加强对外出流动、年老体弱、生活困难等特殊类别党员的服务帮扶").
"""

from __future__ import annotations

from infra.demo.generator.draws import STAGE_LIFE, Ids, stage_rng
from infra.demo.generator.grids import build_grid, plan_grid
from infra.demo.generator.life import community_life
from infra.demo.generator.outlines import community_boundaries
from infra.demo.generator.people import community_people
from infra.demo.generator.places import demo_places, demo_regions
from infra.demo.generator.plans import plan_life, plan_orgs
from infra.demo.model import Community, Demo


def generate(seed: int = 2020) -> Demo:
    """The demo district for seed: pure and deterministic (equal seeds, equal Demos)."""
    ids = Ids(seed)
    places = demo_places()
    boundaries = community_boundaries(seed, places)
    grid_plan = plan_grid(seed, places)
    grids = [
        build_grid(seed, i, place, boundary, grid_plan, ids)
        for i, (place, boundary) in enumerate(zip(places, boundaries, strict=True))
    ]
    org_plan = plan_orgs(seed, grids)
    life_plan = plan_life(seed, grids, org_plan, grid_plan.pilots)
    demo = Demo(regions=demo_regions())
    for i, grid in enumerate(grids):
        tree, members = community_people(i, grid, org_plan, life_plan, grid_plan.pilots, ids)
        life = community_life(
            stage_rng(seed, STAGE_LIFE, i),
            ids,
            grid,
            org_plan.kinds[grid.place.code],
            tree,
            members,
            life_plan,
        )
        demo.communities.append(
            Community(grid.place.code, grid.boundary, grid.place.code in grid_plan.pilots)
        )
        demo.zones.extend(grid.zones)
        demo.buildings.extend(grid.buildings)
        demo.organizations.extend(tree.organizations)
        demo.members.extend(life.members)
        demo.committee_seats.extend(life.seats)
        demo.resident_units.extend(life.resident_units)
        demo.member_offices.extend(life.offices)
        demo.member_categories.extend(life.categories)
        demo.posts.extend(life.posts)
        demo.volunteer_teams.extend(life.teams)
        demo.volunteer_team_members.extend(life.team_members)
        demo.evaluations.extend(life.evaluations)
        demo.evaluation_feedback.extend(life.feedback)
    return demo
