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

import datetime as dt
import json
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon, box, shape
from shapely.geometry.base import BaseGeometry

from infra.demo.model import (
    BRANCH,
    CHOSEN,
    COMMITTEE,
    COMMUNITY,
    DISTRICT,
    ELDERLY_FRAIL,
    FULLTIME_DEPUTY,
    FUNCTIONAL_BRANCH,
    FUNCTIONAL_GROUP,
    FUNCTIONAL_UNITS,
    GENERAL_BRANCH,
    GRID_BRANCH,
    GRID_POST,
    HARDSHIP,
    JOB_POST,
    JOINTLY_MANAGED,
    JUWEIHUI_DIRECTOR,
    LEFT,
    MANAGEMENT_VANGUARD,
    MEMBER,
    MOBILE,
    NOMINATED,
    NON_SELF_MANAGED,
    NOT_CHOSEN,
    PARTTIME_DEPUTY,
    PARTTIME_MEMBER,
    PARTY_GROUP,
    PENDING,
    PUBLICIZED,
    REPORTED,
    RESIDENT_UNIT_PARTY_HEAD,
    SECRETARY,
    SELF_MANAGED,
    SERVICE_MODEL,
    SPECIAL_BRANCH,
    SPECIAL_GROUP,
    SPECIAL_UNITS,
    STREET,
    TOWNSHIP,
    VOLUNTEER_POST,
    WORKSTATION_HEAD,
    ZONGZHIBAN_DIRECTOR,
    Building,
    CommitteeSeat,
    Community,
    Demo,
    Evaluation,
    EvaluationFeedback,
    Member,
    MemberCategory,
    MemberOffice,
    Organization,
    Post,
    Region,
    ResidentUnit,
    VolunteerTeam,
    VolunteerTeamMember,
    Zone,
)

T = TypeVar("T")

AS_OF = dt.date(2020, 4, 30)  # the snapshot date: "today" for ages and Party standing

# Any fixed UUID: ids are uuid5(namespace, "<seed>/<stable name>").
_NAMESPACE = uuid.UUID("3f0b7c52-8e1d-5a4e-9c27-6d2b1f4a9e80")

# Random streams, one per stage, so that changing one stage leaves the others' draws alone.
_STAGE_LAYOUT, _STAGE_PLAN, _STAGE_GRID, _STAGE_ORGS, _STAGE_PEOPLE = range(5)
_STAGE_REGIONAL, _STAGE_LIFE = 5, 6  # the regional pattern (plan 三) and member life (plan 五)

# Metres per degree at the district's latitude; a degree of longitude shrinks with cos(lat).
_LAT0 = 34.735
_M_PER_DEG_LAT = 110_950.0
_M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(_LAT0))

_ROAD_M = 4.0  # roads between zones: zones never touch, so they can never overlap
_SETBACK_M = 8.0  # compounds keep clear of a zone's edge, so no building straddles two zones
_WALL_M = 4.0  # margin between a compound's wall and its outer buildings
_JITTER_DEG = 0.002  # how far the seed moves a community's nominal centre
_MAX_ATTEMPTS = 300  # compound placements tried per zone before giving up on its quota

_CN_NUMERALS = "一二三四五六七八九十"
_FUNCTIONAL_UNITS = FUNCTIONAL_UNITS
_SPECIAL_UNITS = SPECIAL_UNITS
_UNIT_NAME = {
    "workstation": "工作站",
    "zongzhiban": "综治办",
    "juweihui": "居委会",
    "owners_committee": "业主委员会特色",
    "volunteer_team": "党员志愿者服务队特色",
    "culture_team": "文体活动宣传队特色",
}
# plan (二): 单独或联合建立党支部（党小组）: how often a unit has a 党小组 rather than a 党支部.
_GROUP_SHARE = {
    "workstation": 0.1,
    "zongzhiban": 0.35,
    "juweihui": 0.15,
    "owners_committee": 0.5,
    "volunteer_team": 0.15,
    "culture_team": 0.5,
}
_JOINT_UNITS = ("zongzhiban", "juweihui")  # the joint (联合) functional branch of one community
_COMMUNITY_ORG_SUFFIX = {COMMITTEE: "党委", GENERAL_BRANCH: "党总支", BRANCH: "党支部"}

# Deliberate committee breaches (module docstring, items 8-10).
_OVERSIZED_AGING, _JUNIOR_DEPUTIES, _NO_FULLTIME = "oversized_aging", "junior_deputies", "no_ft"


# --- the region tree -------------------------------------------------------------------------


@dataclass(frozen=True)
class _CommunitySpec:
    name: str
    name_en: str
    anchor: tuple[float, float]  # nominal centre (lon, lat); the seed jitters it


@dataclass(frozen=True)
class _DivisionSpec:
    code: str
    name: str
    name_en: str
    level: str
    communities: tuple[_CommunitySpec, ...]


_DISTRICT = Region("410104", "管城回族区", "Guancheng Hui District", DISTRICT, None)

_DIVISIONS = (
    _DivisionSpec(
        "410104001",
        "北下街街道",
        "Beixiajie Subdistrict",
        STREET,
        (
            _CommunitySpec("书院街社区", "Shuyuanjie Community", (113.673, 34.749)),
            _CommunitySpec("北大街社区", "Beidajie Community", (113.684, 34.751)),
            _CommunitySpec("管城街社区", "Guanchengjie Community", (113.690, 34.742)),
        ),
    ),
    _DivisionSpec(
        "410104002",
        "西大街街道",
        "Xidajie Subdistrict",
        STREET,
        (
            _CommunitySpec("西大街社区", "Xidajie Community", (113.673, 34.730)),
            _CommunitySpec("乔家门社区", "Qiaojiamen Community", (113.684, 34.734)),
            _CommunitySpec("顺河路社区", "Shunhelu Community", (113.686, 34.716)),
        ),
    ),
    _DivisionSpec(
        "410104003",
        "东大街街道",
        "Dongdajie Subdistrict",
        STREET,
        (
            _CommunitySpec("东大街社区", "Dongdajie Community", (113.711, 34.721)),
            _CommunitySpec("城隍庙社区", "Chenghuangmiao Community", (113.713, 34.733)),
            _CommunitySpec("文庙社区", "Wenmiao Community", (113.700, 34.727)),
        ),
    ),
    _DivisionSpec(
        "410104004",
        "紫荆山南路街道",
        "Zijingshan Nanlu Subdistrict",
        STREET,
        (
            _CommunitySpec("紫荆山南路社区", "Zijingshan Nanlu Community", (113.700, 34.715)),
            _CommunitySpec("英协路社区", "Yingxielu Community", (113.724, 34.724)),
            _CommunitySpec("南顺城街社区", "Nanshunchengjie Community", (113.712, 34.710)),
        ),
    ),
    _DivisionSpec(
        "410104200",
        "南曹乡",
        "Nancao Township",
        TOWNSHIP,
        (
            _CommunitySpec("南曹社区", "Nancao Community", (113.748, 34.746)),
            _CommunitySpec("山白社区", "Shanbai Community", (113.742, 34.712)),
        ),
    ),
)

# The real district outline (public administrative polygon, WGS-84; infra/demo/data/README.md).
_OUTLINE_FILE = Path(__file__).with_name("data") / "guancheng_outline.geojson"
# The demo's street offices and township cover the district's north-west, the old town and
# beyond: the real outline clipped to this box. The rest of the district is not in the demo.
_DEMO_BOX = (113.66, 34.70, 113.76, 34.77)


def _demo_area() -> Polygon:
    (feature,) = json.loads(_OUTLINE_FILE.read_text(encoding="utf-8"))["features"]
    area = shape(feature["geometry"]).intersection(box(*_DEMO_BOX))
    if not isinstance(area, Polygon):  # a changed outline or box must not split the demo
        raise ValueError(f"the demo area is a {area.geom_type}, not one polygon")
    return area


_DEMO_AREA = _demo_area()


@dataclass(frozen=True)
class _Place:
    code: str
    name: str
    is_township: bool
    anchor: tuple[float, float]


def _regions() -> list[Region]:
    regions = [_DISTRICT]
    for division in _DIVISIONS:
        regions.append(
            Region(division.code, division.name, division.name_en, division.level, _DISTRICT.code)
        )
        regions.extend(
            Region(place.code, spec.name, spec.name_en, COMMUNITY, division.code)
            for spec, place in zip(division.communities, _division_places(division), strict=True)
        )
    return regions


def _division_places(division: _DivisionSpec) -> list[_Place]:
    # Communities are 居委会, numbered from 001 under their street office or township.
    return [
        _Place(f"{division.code}{i:03d}", spec.name, division.level == TOWNSHIP, spec.anchor)
        for i, spec in enumerate(division.communities, start=1)
    ]


def _places() -> list[_Place]:
    return [place for division in _DIVISIONS for place in _division_places(division)]


# --- small helpers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ids:
    seed: int

    def __call__(self, *parts: object) -> uuid.UUID:
        return uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in (self.seed, *parts)))


def _rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, *keys])


def _m_to_deg(metres: float) -> float:
    # For buffers. A degree of longitude is the shorter one here, so the result is at least
    # `metres` in every direction.
    return metres / _M_PER_DEG_LON


def _to_lonlat(xy_m: np.ndarray, centre: np.ndarray, theta: float) -> np.ndarray:
    """Rotate local metre coordinates by theta and place them at centre (lon, lat)."""
    c, s = math.cos(theta), math.sin(theta)
    x, y = xy_m[..., 0], xy_m[..., 1]
    lon = centre[0] + (x * c - y * s) / _M_PER_DEG_LON
    lat = centre[1] + (x * s + y * c) / _M_PER_DEG_LAT
    return np.stack([lon, lat], axis=-1)


def _largest(geom: BaseGeometry) -> Polygon:
    """The largest polygon of a clipping result; slivers and fragments are dropped."""
    if isinstance(geom, Polygon):
        return geom
    polygons = [g for g in getattr(geom, "geoms", ()) if isinstance(g, Polygon)]
    return max(polygons, key=lambda p: p.area) if polygons else Polygon()


def _sample_points(rng: np.random.Generator, geom: BaseGeometry, n: int) -> np.ndarray:
    """n uniform random points inside geom, by rejection from its bounding box."""
    shapely.prepare(geom)
    minx, miny, maxx, maxy = geom.bounds
    found: list[np.ndarray] = []
    count = 0
    while count < n:
        candidates = rng.uniform((minx, miny), (maxx, maxy), size=(2 * n, 2))
        inside = candidates[shapely.contains_xy(geom, candidates[:, 0], candidates[:, 1])]
        found.append(inside)
        count += len(inside)
    return np.concatenate(found)[:n]


def _pick(rng: np.random.Generator, options: Sequence[T]) -> T:
    """One of options, uniformly (cheaper than rng.choice for a single draw)."""
    return options[int(rng.integers(len(options)))]


def _pick_weighted(rng: np.random.Generator, options: Sequence[T], cumulative: np.ndarray) -> T:
    """One of options, weighted by the cumulative shares in cumulative (last entry 1)."""
    index = int(np.searchsorted(cumulative, rng.random(), side="right"))
    return options[min(index, len(options) - 1)]


def _split(total: int, weights: list[float]) -> list[int]:
    """Split total into integer parts proportional to weights (largest remainders)."""
    if not weights:
        return []
    exact = total * np.asarray(weights) / sum(weights)
    parts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - parts), kind="stable")[: total - parts.sum()]:
        parts[i] += 1
    return parts.tolist()


# --- communities and zones -------------------------------------------------------------------


def _community_boundaries(seed: int, places: list[_Place]) -> list[Polygon]:
    """Voronoi cells of the jittered community centres, clipped to the district outline."""
    rng = _rng(seed, _STAGE_LAYOUT)
    anchors = np.array([p.anchor for p in places])
    points = anchors + rng.uniform(-_JITTER_DEG, _JITTER_DEG, anchors.shape)
    cells = shapely.voronoi_polygons(
        MultiPoint(points), extend_to=_DEMO_AREA.envelope.buffer(0.05), ordered=True
    )
    return [_largest(cell.intersection(_DEMO_AREA)) for cell in cells.geoms]


def _strip(rng: np.random.Generator, boundary: Polygon) -> BaseGeometry:
    """A band along one side of the community holding a set share of its area (the zone gap)."""
    share = rng.uniform(0.12, 0.16)
    side = int(rng.integers(4))
    minx, miny, maxx, maxy = boundary.bounds

    def band(f: float) -> Polygon:
        w, h = (maxx - minx) * f, (maxy - miny) * f
        return (
            box(minx, miny, minx + w, maxy),
            box(maxx - w, miny, maxx, maxy),
            box(minx, miny, maxx, miny + h),
            box(minx, maxy - h, maxx, maxy),
        )[side]

    # Bisect the band's width: the area share, not the width, decides how many orphans fit.
    lo, hi = 0.0, 1.0
    for _ in range(20):
        mid = (lo + hi) / 2
        if boundary.intersection(band(mid)).area < share * boundary.area:
            lo = mid
        else:
            hi = mid
    return boundary.intersection(band(hi))


def _zone_centres(rng: np.random.Generator, points: np.ndarray, k: int) -> np.ndarray:
    """k-means (Lloyd) centres of points: compact, evenly sized zones."""
    scale = np.array([_M_PER_DEG_LON, _M_PER_DEG_LAT])  # cluster in metres, not degrees
    xy = points * scale
    centres = xy[rng.choice(len(xy), size=k, replace=False)].copy()
    for _ in range(10):
        label = ((xy[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        for j in range(k):
            if (label == j).any():
                centres[j] = xy[label == j].mean(axis=0)
    return centres / scale


def _zone_polygons(rng: np.random.Generator, area: BaseGeometry) -> list[Polygon]:
    """3-6 zones tiling area, each shrunk by half a road so that siblings never touch."""
    k = int(rng.integers(3, 7))
    centres = _zone_centres(rng, _sample_points(rng, area, 400), k)
    cells = shapely.voronoi_polygons(
        MultiPoint(centres), extend_to=area.envelope.buffer(0.01), ordered=True
    )
    half_road = _m_to_deg(_ROAD_M / 2)
    zones = [
        _largest(cell.intersection(area).buffer(-half_road, join_style="mitre"))
        for cell in cells.geoms
    ]
    # Reading order, north-west first, so 第一片区 is where a map reader expects it.
    return sorted(
        (z for z in zones if not z.is_empty),
        key=lambda z: (-round(z.centroid.y, 3), z.centroid.x),
    )


# --- buildings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _BuildingType:
    width: tuple[float, float]  # metres, along a row
    depth: tuple[float, float]  # metres, across a row (>= 16.5 so a 8% shrink stays >= 15)
    gap_w: tuple[float, float]  # between neighbours in a row
    gap_d: tuple[float, float]  # between rows (sunlight spacing)
    households: tuple[int, int]
    max_cols: int
    max_rows: int


_TOWER = _BuildingType((18, 28), (18, 28), (18, 30), (22, 36), (48, 120), 4, 4)
_SLAB = _BuildingType((40, 60), (16.5, 20), (10, 18), (20, 32), (24, 96), 3, 6)
_LOWRISE = _BuildingType((24, 42), (16.5, 19), (6, 12), (12, 18), (12, 36), 3, 5)
_TYPES = (_TOWER, _SLAB, _LOWRISE)
_URBAN_MIX = (0.30, 0.45, 0.25)
_TOWNSHIP_MIX = (0.10, 0.30, 0.60)  # the township is mostly low-rise resettlement housing

_UNIT_SQUARE = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])


@dataclass(frozen=True)
class _Layout:
    """A compound in local metres around its centre: its wall and its buildings."""

    outline_m: np.ndarray  # (5, 2)
    footprints_m: np.ndarray  # (n, 5, 2)
    households: np.ndarray  # (n,)


@dataclass(frozen=True)
class _Compound:
    footprints: np.ndarray  # n shapely Polygons, lon/lat
    households: np.ndarray


def _layout(
    rng: np.random.Generator, mix: tuple[float, ...], remaining: int, shrink: float
) -> _Layout:
    kind = _TYPES[rng.choice(len(_TYPES), p=mix)]
    # Later attempts try smaller compounds, to fill the odd corners big ones miss.
    max_cols = max(1, round(kind.max_cols * (1 - shrink)))
    max_rows = max(1, round(kind.max_rows * (1 - shrink)))
    cols = int(rng.integers(1, max_cols + 1))
    rows = min(int(rng.integers(1, max_rows + 1)), math.ceil(remaining / cols))
    n = min(rows * cols, remaining)
    width, depth = rng.uniform(*kind.width), rng.uniform(*kind.depth)
    cell_w = width + rng.uniform(*kind.gap_w)
    cell_d = depth + rng.uniform(*kind.gap_d)

    index = np.arange(n)
    centres = np.stack(
        [(index % cols + 0.5 - cols / 2) * cell_w, (index // cols + 0.5 - rows / 2) * cell_d],
        axis=-1,
    )
    sizes = np.stack([width * rng.uniform(0.9, 1.0, n), depth * rng.uniform(0.92, 1.0, n)], -1)
    footprints = centres[:, None, :] + _UNIT_SQUARE[None, :, :] * sizes[:, None, :]
    wall = np.array([cols * cell_w + 2 * _WALL_M, rows * cell_d + 2 * _WALL_M])
    households = rng.integers(kind.households[0], kind.households[1] + 1, n)
    return _Layout(_UNIT_SQUARE * wall, footprints, households)


def _place_compounds(
    rng: np.random.Generator,
    region: BaseGeometry,
    quota: int,
    angle: float,
    mix: tuple[float, ...],
) -> list[_Compound]:
    """Walled compounds holding quota buildings, inside region and clear of each other."""
    inner = region.buffer(-_m_to_deg(_SETBACK_M), join_style="mitre")
    if quota <= 0 or inner.is_empty:
        return []
    shapely.prepare(inner)
    centres = _sample_points(rng, inner, _MAX_ATTEMPTS)
    walls: list[Polygon] = []
    compounds: list[_Compound] = []
    remaining = quota
    for attempt, centre in enumerate(centres):
        if remaining <= 0:
            break
        layout = _layout(rng, mix, remaining, attempt / _MAX_ATTEMPTS)
        theta = angle + rng.normal(0.0, 0.06)  # compounds roughly follow the street grid
        wall = Polygon(_to_lonlat(layout.outline_m, centre, theta))
        if not inner.contains(wall) or (walls and shapely.intersects(walls, wall).any()):
            continue
        walls.append(wall)
        footprints = shapely.polygons(_to_lonlat(layout.footprints_m, centre, theta))
        compounds.append(_Compound(footprints, layout.households))
        remaining -= len(footprints)
    return compounds


# --- the grid of one community ---------------------------------------------------------------


@dataclass(frozen=True)
class _GridPlan:
    strips: frozenset[str]  # communities with a zone gap (orphan buildings)
    pilots: frozenset[str]
    targets: dict[str, int]  # buildings wanted per community


@dataclass(frozen=True)
class _Grid:
    place: _Place
    boundary: Polygon
    zones: list[Zone]
    buildings: list[Building]
    zone_of: np.ndarray  # per building: index into zones by the placement rule, -1 = orphan

    @property
    def households(self) -> int:
        return sum(b.households for b in self.buildings)


def _plan_grid(seed: int, places: list[_Place]) -> _GridPlan:
    rng = _rng(seed, _STAGE_PLAN)
    urban = [p.code for p in places if not p.is_township]
    strips = frozenset(str(c) for c in rng.choice(urban, size=4, replace=False))
    pilots = frozenset(str(c) for c in rng.choice(urban, size=3, replace=False))
    targets = {
        p.code: int(rng.integers(130, 191) if p.is_township else rng.integers(200, 291))
        for p in places
    }
    return _GridPlan(strips, pilots, targets)


def _build_grid(
    seed: int, index: int, place: _Place, boundary: Polygon, plan: _GridPlan, ids: _Ids
) -> _Grid:
    rng = _rng(seed, _STAGE_GRID, index)
    strip = _strip(rng, boundary) if place.code in plan.strips else None
    zoned = boundary.difference(strip) if strip is not None else boundary
    zone_polygons = _zone_polygons(rng, zoned)
    zones = [
        Zone(ids("zone", place.code, k), place.code, f"第{_CN_NUMERALS[k - 1]}片区", polygon)
        for k, polygon in enumerate(zone_polygons, start=1)
    ]

    target = plan.targets[place.code]
    orphans = round(target * rng.uniform(0.07, 0.10)) if strip is not None else 0
    quotas = _split(target - orphans, [z.area for z in zone_polygons])
    regions: list[BaseGeometry] = list(zone_polygons)
    if strip is not None:
        regions.append(strip)
        quotas.append(orphans)
    angle = rng.uniform(-0.35, 0.35)  # this community's street-grid orientation, radians
    mix = _TOWNSHIP_MIX if place.is_township else _URBAN_MIX
    compounds = [
        c
        for region, quota in zip(regions, quotas, strict=True)
        for c in _place_compounds(rng, region, quota, angle, mix)
    ]
    buildings = _buildings(rng, place, compounds, ids)
    return _Grid(place, boundary, zones, buildings, _zone_of(zones, buildings))


def _buildings(
    rng: np.random.Generator, place: _Place, compounds: list[_Compound], ids: _Ids
) -> list[Building]:
    """Number buildings through the community (unique names) and compounds as 院."""
    buildings: list[Building] = []
    for yard, compound in enumerate(compounds, start=1):
        for footprint, households in zip(compound.footprints, compound.households, strict=True):
            number = len(buildings) + 1
            # About 1% are known by address only, so they are stored as a point.
            shape = footprint.centroid if rng.random() < 0.01 else footprint
            buildings.append(
                Building(
                    id=ids("building", place.code, number),
                    community_code=place.code,
                    name=f"{number}号楼",
                    address=f"{place.name} {yard}号院 {number}号楼",
                    households=int(households),
                    footprint=shape,
                )
            )
    return buildings


def _zone_of(zones: list[Zone], buildings: list[Building]) -> np.ndarray:
    """The placement rule the database applies: the zone covering the footprint's interior point."""
    points = shapely.point_on_surface([b.footprint for b in buildings])
    zone_of = np.full(len(buildings), -1)
    for k, zone in enumerate(zones):
        zone_of[(zone_of < 0) & shapely.covers(zone.boundary, points)] = k
    return zone_of


# --- organizations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _OrgPlan:
    kinds: dict[str, str]
    breaches: dict[str, str]  # community -> one of the committee breaches
    unbranched_zone: dict[str, int]  # community -> index of a zone left without its branch/group
    missing_functional: dict[str, tuple[str, ...]]
    no_volunteer_team: frozenset[str]


def _plan_orgs(seed: int, grids: list[_Grid]) -> _OrgPlan:
    rng = _rng(seed, _STAGE_ORGS)
    # "Committees in the larger communities": rank by households.
    ranked = [g.place.code for g in sorted(grids, key=lambda g: (-g.households, g.place.code))]
    kinds = {
        code: COMMITTEE if rank < 5 else GENERAL_BRANCH if rank < 10 else BRANCH
        for rank, code in enumerate(ranked)
    }
    committees = [c for c in ranked if kinds[c] == COMMITTEE]
    generals = [c for c in ranked if kinds[c] == GENERAL_BRANCH]
    branches = [c for c in ranked if kinds[c] == BRANCH]
    breaches = {
        committees[0]: _OVERSIZED_AGING,
        committees[1]: _JUNIOR_DEPUTIES,
        generals[0]: _NO_FULLTIME,
    }

    zones_count = {g.place.code: len(g.zones) for g in grids}
    unbranched = [str(c) for c in rng.choice(committees + generals, size=3, replace=False)]
    unbranched.append(str(rng.choice(branches)))
    unbranched_zone = {c: int(rng.integers(zones_count[c])) for c in sorted(unbranched)}

    picked = [str(c) for c in rng.choice(ranked, size=4, replace=False)]
    missing_functional = {picked[0]: ("zongzhiban", "juweihui"), picked[1]: _FUNCTIONAL_UNITS}
    return _OrgPlan(kinds, breaches, unbranched_zone, missing_functional, frozenset(picked[2:]))


@dataclass(frozen=True)
class _LifePlan:
    """District-wide choices for the regional pattern (plan 三) and member life (plan 五)."""

    group_units: frozenset[tuple[str, str]]  # (community, unit) with a 党小组, not a 党支部
    joint_functional: str  # its 综治办 and 居委会 share one joint (联合) branch
    resident_units: dict[str, tuple[str, ...]]  # community -> names of its resident units
    unsigned: str  # a community whose last resident unit has surely not signed (breach 15)
    no_big_committee: str  # a 党委 community without part-time members (breach 14)
    not_workstation_head: frozenset[str]  # secretary not heading the workstation (breach 12)
    local_pilot_secretary: str  # a pilot whose secretary is no cadre sent down (breach 13)
    self_only_team: frozenset[str]  # volunteer team of self-managed members only (breach 16)
    history_seats: frozenset[str]  # a former committee member's ended seat, kept as history


def _plan_life(seed: int, grids: list[_Grid], plan: _OrgPlan, pilots: frozenset[str]) -> _LifePlan:
    rng = _rng(seed, _STAGE_REGIONAL)
    codes = [g.place.code for g in grids]
    group_units = frozenset(
        (code, unit)
        for code in codes
        for unit in (*_FUNCTIONAL_UNITS, *_SPECIAL_UNITS)
        if rng.random() < _GROUP_SHARE[unit]
    )
    complete = [c for c in codes if c not in plan.missing_functional]
    clean_committees = [c for c in codes if plan.kinds[c] == COMMITTEE and c not in plan.breaches]

    def some(options: list[str], low: int, high: int) -> frozenset[str]:
        size = int(rng.integers(low, high + 1))
        return frozenset(str(c) for c in rng.choice(options, size=size, replace=False))

    return _LifePlan(
        group_units=group_units,
        joint_functional=str(rng.choice(complete)),
        resident_units=_plan_resident_units(rng, grids),
        unsigned=str(rng.choice(codes)),
        no_big_committee=str(rng.choice(clean_committees)),
        not_workstation_head=some(codes, 1, 2),
        local_pilot_secretary=str(rng.choice(sorted(pilots))),
        self_only_team=some(codes, 1, 2),
        history_seats=some(codes, 2, 2),
    )


@dataclass(frozen=True)
class _OrgTree:
    organizations: list[Organization]
    community_org: uuid.UUID
    building_group: dict[int, uuid.UUID]  # building index -> its Party group
    zone_group: dict[int, uuid.UUID]  # zone index -> its Party group (branch communities)
    zone_unit: dict[int, uuid.UUID]  # zone index -> its grid branch or (branch) Party group

    def home_org(self, building: int | None, zone: int) -> uuid.UUID:
        """A self-managed member's organization: their building's group, else their zone's
        group (branch communities), else the community organization."""
        if building is None:
            return self.community_org
        if building in self.building_group:
            return self.building_group[building]
        return self.zone_group.get(zone, self.community_org)


def _organizations(
    rng: np.random.Generator,
    grid: _Grid,
    plan: _OrgPlan,
    life: _LifePlan,
    ungrouped: set[int],
    ids: _Ids,
) -> _OrgTree:
    code, name = grid.place.code, grid.place.name
    kind = plan.kinds[code]
    top = Organization(
        ids("org", code, "community"), code, f"{name}{_COMMUNITY_ORG_SUFFIX[kind]}", kind, None
    )
    orgs = [top]
    skipped_zone = plan.unbranched_zone.get(code)
    zone_units: dict[int, uuid.UUID] = {}
    for k, zone in enumerate(grid.zones):
        if k == skipped_zone:
            continue
        # plan (二): 社区党委、党总支应将分支部建在片区; 社区党支部应将党小组建在片区.
        unit_kind, suffix = (
            (GRID_BRANCH, "网格党支部") if kind != BRANCH else (PARTY_GROUP, "党小组")
        )
        org = Organization(
            ids("org", code, "zone", k),
            code,
            f"{name}{zone.name}{suffix}",
            unit_kind,
            top.id,
            zone_id=zone.id,
        )
        orgs.append(org)
        zone_units[k] = org.id

    building_group: dict[int, uuid.UUID] = {}
    if kind != BRANCH:
        for i, building in enumerate(grid.buildings):
            zone = int(grid.zone_of[i])
            if zone < 0 or i in ungrouped:
                continue  # orphans and the deliberately ungrouped buildings
            # plan (二): 党小组建到楼栋上; under the zone's grid branch where there is one.
            group = Organization(
                ids("org", code, "building", i),
                code,
                f"{building.address.replace(' ', '')}党小组",
                PARTY_GROUP,
                zone_units.get(zone, top.id),
                building_id=building.id,
            )
            orgs.append(group)
            building_group[i] = group.id

    orgs.extend(_unit_branches(rng, grid, plan, life, top.id, ids))
    zone_group = zone_units if kind == BRANCH else {}
    return _OrgTree(orgs, top.id, building_group, zone_group, zone_units)


def _unit_branches(
    rng: np.random.Generator,
    grid: _Grid,
    plan: _OrgPlan,
    life: _LifePlan,
    parent: uuid.UUID,
    ids: _Ids,
) -> list[Organization]:
    """Functional branches in community organizations, special ones in mass organizations."""
    code, name = grid.place.code, grid.place.name
    missing = plan.missing_functional.get(code, ())
    # plan (二): 在社区工作站、综治办、居委会等社区组织中单独或联合建立党支部（党小组）.
    units = [(True, (u,)) for u in _FUNCTIONAL_UNITS if u not in missing]
    if code == life.joint_functional:  # one community's 综治办 and 居委会 share a joint branch
        units = [(True, ("workstation",)), (True, _JOINT_UNITS)]
    # plan (二): 在业主委员会、社区志愿者服务队、文体活动宣传队等群众组织中建立特色党支部（党小组）.
    # Every community but the planned gaps has a volunteer team (plan 三: 联合组建社区党员志愿者服务队);
    # some, and every one without a team, also have one other special branch.
    if code not in plan.no_volunteer_team:
        units.append((False, ("volunteer_team",)))
    if code in plan.no_volunteer_team or rng.random() < 0.5:
        others = [u for u in _SPECIAL_UNITS if u != "volunteer_team"]
        units.append((False, (_pick(rng, others),)))
    orgs = []
    for functional, unit_names in units:
        if len(unit_names) > 1:
            kind = FUNCTIONAL_BRANCH
            label = "".join(_UNIT_NAME[u] for u in unit_names) + "联合党支部"
        else:
            is_group = (code, unit_names[0]) in life.group_units
            kind = {
                (True, False): FUNCTIONAL_BRANCH,
                (True, True): FUNCTIONAL_GROUP,
                (False, False): SPECIAL_BRANCH,
                (False, True): SPECIAL_GROUP,
            }[functional, is_group]
            label = _UNIT_NAME[unit_names[0]] + ("党小组" if is_group else "党支部")
        orgs.append(
            Organization(
                ids("org", code, "+".join(unit_names)),
                code,
                f"{name}{label}",
                kind,
                parent,
                units=unit_names,
            )
        )
    return orgs


# --- members ---------------------------------------------------------------------------------

_SURNAMES = (
    "王王李李张张刘刘陈杨赵黄周吴徐孙胡朱高林何郭马马马罗梁宋郑谢韩唐冯于董程曹袁邓许"
    "傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白白崔"
    "康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺海沙穆"
)  # one character each; 马、白、海、沙、穆 are common among the district's Hui residents
_GIVEN_NAME_TEXT = {  # (gender, born before 1975 or not) -> given names of that generation
    ("M", "old"): (
        "建国 建华 国强 志强 卫东 红军 振华 德胜 保国 永刚 国庆 建军 海 明 军 勇 刚 平 忠 福生"
    ),
    ("M", "young"): (
        "伟 强 磊 鹏 涛 斌 超 杰 浩 宇 帅 鑫 浩然 子轩 宇航 俊杰 博文 一鸣 晨阳 志远 文博"
    ),
    ("F", "old"): (
        "秀英 桂英 玉兰 秀兰 桂兰 凤英 淑珍 桂芳 秀珍 玉珍 淑英 素梅 丽华 红梅 冬梅 爱华 兰 萍"
    ),
    ("F", "young"): (
        "静 敏 丽 艳 娟 婷 雪 慧 琳 晶 颖 倩 欣怡 梓涵 雨萱 思雨 佳怡 诗琪 晓雯 梦瑶 雅琪"
    ),
}
_GIVEN_NAMES = {key: tuple(text.split()) for key, text in _GIVEN_NAME_TEXT.items()}
_EDUCATION = ("primary", "junior", "senior", "associate", "bachelor", "master")
# Education by birth year: older members mostly left school early.
_EDUCATION_BY_ERA = (
    (1950, np.cumsum((0.30, 0.35, 0.25, 0.06, 0.04, 0.00))),
    (1965, np.cumsum((0.10, 0.30, 0.35, 0.15, 0.10, 0.00))),
    (1980, np.cumsum((0.02, 0.12, 0.30, 0.28, 0.25, 0.03))),
    (9999, np.cumsum((0.00, 0.03, 0.12, 0.30, 0.45, 0.10))),
)  # cumulative shares of _EDUCATION, for members born before the year
# Self-managed members skew old: many are retirees whose membership moved to the community.
_AGE_BANDS = ((20, 35), (35, 50), (50, 60), (60, 75), (75, 90))
_AGE_BAND_SHARES = np.cumsum((0.12, 0.18, 0.15, 0.35, 0.20))
_EMPLOYERS = (
    "郑州市第七人民医院",
    "河南省人民医院",
    "郑州市管城回族区人民医院",
    "郑州市第二中学",
    "郑州市管城回族区教育局",
    "管城回族区人民法院",
    "国网郑州供电公司",
    "中国铁路郑州局集团有限公司",
    "中国银行郑州分行",
    "郑州自来水投资控股有限公司",
    "郑州大学",
    "郑州日报社",
    "郑州市公共交通集团有限公司",
    "中原证券股份有限公司",
    "河南省交通运输厅",
    "郑州华润燃气股份有限公司",
)
_YEAR_DAYS = 365.25
_REPORTING_START = dt.date(2017, 6, 1)  # when the district began 党员报到


@dataclass(frozen=True)
class _Person:
    """The personal half of a member: who they are, apart from how they are managed."""

    name: str
    gender: str
    birth_date: dt.date
    education: str
    joined_on: dt.date
    is_probationary: bool


def _person(
    rng: np.random.Generator, age: float, standing: float | None, education: str | None = None
) -> _Person:
    """A member aged age years; Party standing in years (None: anywhere after 18), probationary
    when under a year (预备期一年)."""
    gender = "F" if rng.random() < 0.45 else "M"
    birth = AS_OF.toordinal() - round(age * _YEAR_DAYS)
    birth_date = dt.date.fromordinal(birth)
    if standing is None:
        standing = rng.uniform(1.1, max(1.2, min(age - 18.0, 50.0)))
    standing = min(standing, age - 18.05)  # nobody joins before 18 (a margin for leap days)
    joined_on = dt.date.fromordinal(AS_OF.toordinal() - max(1, round(standing * _YEAR_DAYS)))
    if education is None:
        shares = next(p for year, p in _EDUCATION_BY_ERA if birth_date.year < year)
        education = _pick_weighted(rng, _EDUCATION, shares)
    era = "old" if birth_date.year < 1975 else "young"
    name = _pick(rng, _SURNAMES) + _pick(rng, _GIVEN_NAMES[gender, era])
    return _Person(name, gender, birth_date, education, joined_on, standing < 1.0)


def _resident_age(rng: np.random.Generator, management: str) -> float:
    if management == SELF_MANAGED:
        lo, hi = _pick_weighted(rng, _AGE_BANDS, _AGE_BAND_SHARES)
        return rng.uniform(lo, hi)
    return rng.uniform(24, 58)  # non-self-managed members are in service elsewhere


def _management(rng: np.random.Generator) -> str:
    u = rng.random()
    return SELF_MANAGED if u < 0.75 else NON_SELF_MANAGED if u < 0.95 else JOINTLY_MANAGED


def _report_date(rng: np.random.Generator, joined_on: dt.date) -> dt.date:
    start = max(joined_on, _REPORTING_START).toordinal()
    return dt.date.fromordinal(int(rng.integers(start, AS_OF.toordinal() + 1)))


def _resident(
    rng: np.random.Generator, ids: _Ids, grid: _Grid, tree: _OrgTree, serial: int, home: int | None
) -> Member:
    management = _management(rng)
    # ~3% probationary: joined within the last year.
    standing = rng.uniform(0.05, 0.95) if rng.random() < 0.03 else None
    person = _person(rng, _resident_age(rng, management), standing)
    code = grid.place.code
    building_id = grid.buildings[home].id if home is not None else None
    zone = int(grid.zone_of[home]) if home is not None else -1
    common = {
        "id": ids("member", code, serial),
        "community_code": code,
        "home_building_id": building_id,
        "management": management,
        **vars(person),
    }
    if management == SELF_MANAGED:
        return Member(**common, organization_id=tree.home_org(home, zone))
    # plan (三): 非自管党员 report in (党员报到); a quarter deliberately have not (gap 7).
    reported = management == JOINTLY_MANAGED or rng.random() < 0.75
    return Member(
        **common,
        organization_id=None,
        employer_unit=_pick(rng, _EMPLOYERS),
        reported_in_on=_report_date(rng, person.joined_on) if reported else None,
        reporting_status=REPORTED if reported else PENDING,
    )


def _member_counts(rng: np.random.Generator, grid: _Grid, kind: str) -> tuple[np.ndarray, set[int]]:
    """Resident members per building, and the buildings deliberately left without a group."""
    households = np.array([b.households for b in grid.buildings])
    counts = rng.poisson(households * rng.uniform(0.045, 0.07))
    ungrouped: set[int] = set()
    if kind != BRANCH:
        zoned = np.flatnonzero(grid.zone_of >= 0)
        n = round(len(zoned) * rng.uniform(0.04, 0.09))
        chosen = rng.choice(zoned, size=n, replace=False)
        # Gap 4: half of them empty of members, half with residents (the severe case).
        counts[chosen[: n // 2]] = 0
        with_members = chosen[n // 2 :]
        counts[with_members] = np.maximum(
            counts[with_members], rng.integers(1, 6, len(with_members))
        )
        ungrouped = {int(i) for i in chosen}
    return counts, ungrouped


# --- committees ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Profile:
    age: tuple[float, float]
    education: tuple[str, ...]  # drawn uniformly; repeat an entry to weight it
    standing: tuple[float, float]  # years of Party standing on AS_OF


# plan (二): 以40岁左右、大专以上文化程度的同志为主体; 专职副书记党龄2年以上.
_PROFILES = {
    SECRETARY: _Profile((38, 50), ("associate", "bachelor", "bachelor", "master"), (10, 25)),
    FULLTIME_DEPUTY: _Profile((30, 45), ("associate", "bachelor"), (3, 15)),
    PARTTIME_DEPUTY: _Profile((35, 52), ("associate", "bachelor"), (4, 20)),
    MEMBER: _Profile((30, 52), ("senior", "associate", "bachelor", "bachelor"), (2, 25)),
}
_AGING = _Profile((54, 66), ("junior", "senior", "senior"), (15, 35))  # breach 8
_JUNIOR_FULLTIME = _Profile((27, 33), ("bachelor",), (1.2, 1.8))  # breach 9: standing < 2 years
_PROBATIONARY_PARTTIME = _Profile((30, 40), ("associate",), (0.3, 0.8))  # breach 9: 预备党员


def _committee_roles(rng: np.random.Generator, kind: str, breach: str | None) -> list[str]:
    if kind == COMMITTEE:
        # plan (二): 社区党委设委员5至7人，其中书记1人、专职副书记1人、兼职副书记1人.
        size = 8 if breach == _OVERSIZED_AGING else int(rng.integers(5, 8))
        return [SECRETARY, FULLTIME_DEPUTY, PARTTIME_DEPUTY] + [MEMBER] * (size - 3)
    if breach == _NO_FULLTIME:
        return [SECRETARY, PARTTIME_DEPUTY, MEMBER, MEMBER]
    # plan (二): 党总支、党支部委员会设委员3至5人，书记1人，专职副书记1人，可再设兼职副书记1人.
    size = int(rng.integers(3, 6))
    head = [SECRETARY, FULLTIME_DEPUTY] + ([PARTTIME_DEPUTY] if rng.random() < 0.5 else [])
    return head + [MEMBER] * (size - len(head))


def _profile(role: str, breach: str | None) -> _Profile:
    if breach == _OVERSIZED_AGING and role != SECRETARY:
        return _AGING
    if breach == _JUNIOR_DEPUTIES and role == FULLTIME_DEPUTY:
        return _JUNIOR_FULLTIME
    if breach == _JUNIOR_DEPUTIES and role == PARTTIME_DEPUTY:
        return _PROBATIONARY_PARTTIME
    return _PROFILES[role]


def _committee(
    rng: np.random.Generator,
    ids: _Ids,
    grid: _Grid,
    tree: _OrgTree,
    kind: str,
    breach: str | None,
    is_pilot: bool,
    local_secretary: bool,
) -> list[Member]:
    code = grid.place.code
    members = []
    for i, role in enumerate(_committee_roles(rng, kind, breach)):
        profile = _profile(role, breach)
        person = _person(
            rng,
            rng.uniform(*profile.age),
            rng.uniform(*profile.standing),
            _pick(rng, profile.education),
        )
        # plan (二): 试点社区书记由下派科级干部担任 -- a cadre sent down lives elsewhere; in one
        # pilot the secretary is a local member instead (breach 13).
        sent_down = is_pilot and role == SECRETARY and not local_secretary
        home = None if sent_down else int(rng.integers(len(grid.buildings)))
        members.append(
            Member(
                id=ids("member", code, "committee", i),
                community_code=code,
                management=SELF_MANAGED,
                organization_id=tree.home_org(
                    home, int(grid.zone_of[home]) if home is not None else -1
                ),
                home_building_id=None if home is None else grid.buildings[home].id,
                committee_role=role,
                is_sent_down_cadre=sent_down,
                **vars(person),
            )
        )
    return members


def _people(
    seed: int,
    index: int,
    grid: _Grid,
    plan: _OrgPlan,
    life: _LifePlan,
    pilots: frozenset[str],
    ids: _Ids,
) -> tuple[_OrgTree, list[Member]]:
    """The organizations and members of one community."""
    rng = _rng(seed, _STAGE_PEOPLE, index)
    code = grid.place.code
    kind = plan.kinds[code]
    counts, ungrouped = _member_counts(rng, grid, kind)
    tree = _organizations(rng, grid, plan, life, ungrouped, ids)
    homes: list[int | None] = np.repeat(np.arange(len(counts)), counts).tolist()
    homes += [None] * int(rng.integers(1, 3))  # a few members with no known home building
    members = [_resident(rng, ids, grid, tree, serial, home) for serial, home in enumerate(homes)]
    members += _committee(
        rng,
        ids,
        grid,
        tree,
        kind,
        plan.breaches.get(code),
        code in pilots,
        code == life.local_pilot_secretary,
    )
    return tree, members


# --- the regional pattern and member life (plan 三、五) ---------------------------------------

# Resident units (驻社区单位): district-wide institutions, each in one community, and units named
# after the community's street. All made up; any likeness to a real unit's address is chance.
_DISTRICT_UNITS = (
    "管城回族区税务局",
    "郑州市第十中学",
    "国网郑州管城供电公司",
    "管城回族区人民检察院",
    "管城回族区市场监督管理局",
    "郑州市回民中学",
    "管城回族区文化馆",
    "郑州商城遗址博物馆",
    "管城回族区人民武装部",
    "郑州市第四十七中学",
    "管城回族区城市管理局",
    "管城回族区中医院",
    "中国联通郑州管城分公司",
    "中国移动郑州管城分公司",
    "管城回族区消防救援大队",
    "郑州市第八十二中学",
    "中国工商银行郑州管城支行",
    "中国建设银行郑州管城支行",
    "中国农业银行郑州管城支行",
    "郑州银行管城支行",
    "管城回族区图书馆",
    "管城回族区妇幼保健院",
    "管城回族区实验小学",
    "管城回族区民政局",
    "管城回族区住房和城乡建设局",
    "管城回族区人力资源和社会保障局",
    "管城回族区卫生健康委员会",
    "中国邮政集团郑州市管城区分公司",
    "郑州公交第三运营公司",
    "郑州市自来水公司管城营业所",
    # Units some non-self-managed residents work for (_EMPLOYERS): feedback finds them by name.
    "郑州市第七人民医院",
    "郑州市第二中学",
    "郑州市管城回族区人民医院",
    "郑州市管城回族区教育局",
    "管城回族区人民法院",
    "郑州华润燃气股份有限公司",
)
_LOCAL_UNITS = ("{}派出所", "{}社区卫生服务站", "管城回族区{}小学", "{}邮政支局")
_AGREEMENT_ITEMS = (
    "阵地共用",
    "资源共享",
    "活动联办",
    "志愿服务共建",
    "结对帮扶困难群众",
    "联合开展环境整治",
    "党员教育共抓",
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
_RELATIONS = ("儿子", "女儿", "老伴", "侄子", "外甥女", "邻居", "网格员", "楼栋长")
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
_TITLE_NAMES = {MANAGEMENT_VANGUARD: "社区管理先锋", SERVICE_MODEL: "服务群众模范"}
_REASONS = {
    MANAGEMENT_VANGUARD: (
        "疫情防控期间坚守社区卡点值守一线",
        "带头参与老旧小区楼院环境整治",
        "主动承担楼栋信息采集和网格巡查",
        "积极参与社区治安巡逻，及时排查安全隐患",
    ),
    SERVICE_MODEL: (
        "长期结对帮扶空巢老人和困难群众",
        "热心调解邻里纠纷，群众口碑好",
        "坚持开展义务理发、便民维修等志愿服务",
        "疫情期间为居家隔离群众代购生活物资",
    ),
}
_STAGES = (NOMINATED, PUBLICIZED, CHOSEN, NOT_CHOSEN)
_STAGE_SHARES = np.cumsum((0.25, 0.2, 0.4, 0.15))

_ELECTION = (dt.date(2018, 3, 1), dt.date(2018, 6, 30))  # the committees' last 换届
_TERM_YEARS = 3
_POSTS_LAUNCH = (dt.date(2019, 3, 1), dt.date(2019, 6, 30))  # 明岗定责 began
_EPIDEMIC_CLAIMED = (dt.date(2020, 1, 25), dt.date(2020, 2, 10))
_EPIDEMIC_RELEASED = (dt.date(2020, 3, 15), dt.date(2020, 4, 25))
_YEAR = 2020  # the 双争 round in the snapshot
# In service (在职): a non-self-managed member (employed by their unit), or a self-managed one
# under the statutory retirement age -- 60 for men, 55 for women; everyone older is retired.
_RETIREMENT_AGE = {"M": 60, "F": 55}


def _plan_resident_units(
    rng: np.random.Generator, grids: list[_Grid]
) -> dict[str, tuple[str, ...]]:
    """2-6 resident units per community: some district institutions, some local units."""
    pool = [_DISTRICT_UNITS[i] for i in rng.permutation(len(_DISTRICT_UNITS))]
    result = {}
    for grid in grids:
        short = grid.place.name.removesuffix("社区")
        local = [_LOCAL_UNITS[i].format(short) for i in rng.permutation(len(_LOCAL_UNITS))]
        n = int(rng.integers(2, 7))
        from_pool = min(n - int(rng.integers(1, min(n, len(local)) + 1)), len(pool))
        names = pool[:from_pool] + local[: n - from_pool]
        pool = pool[from_pool:]
        result[grid.place.code] = tuple(names)
    return result


def _party_org_name(unit: str) -> str:
    """The name a unit's own Party organization plausibly has."""
    if unit.endswith(("局", "厅", "法院", "检察院", "委员会")):
        return f"{unit}机关党委"
    if unit.endswith(("所", "站", "支行", "支局", "大队", "馆", "小学")):
        return f"{unit}党支部"
    return f"{unit}党委"


def _day(rng: np.random.Generator, low: dt.date, high: dt.date) -> dt.date:
    """A day from low to high inclusive, uniformly."""
    return dt.date.fromordinal(int(rng.integers(low.toordinal(), high.toordinal() + 1)))


def _after(day: dt.date, *floors: dt.date | None) -> dt.date:
    """day, moved up to the latest of floors, and never past AS_OF."""
    return min(max(day, *(f for f in floors if f is not None)), AS_OF)


def _plus_years(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year + years, day=min(day.day, 28) if day.month == 2 else day.day)


def _phone(rng: np.random.Generator) -> str:
    return f"{_pick(rng, _PHONE_PREFIXES)}{int(rng.integers(10**8)):08d}"


@dataclass
class _Life:
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
class _Town:
    """One community while its life is generated: members by index, and lookups."""

    rng: np.random.Generator
    ids: _Ids
    grid: _Grid
    kind: str
    tree: _OrgTree
    plan: _LifePlan
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
        **extra: object,
    ) -> CommitteeSeat:
        m = self.members[i]
        return CommitteeSeat(
            id=self.ids("seat", org, m.id, *(["ended"] if extra.get("ended_on") else [])),
            community_code=self.code,
            organization_id=org,
            member_id=m.id,
            role=role,
            term_start=_after(start, m.joined_on + dt.timedelta(days=30)),
            term_end=end,
            **extra,  # type: ignore[arg-type]
        )


def _community_life(
    rng: np.random.Generator,
    ids: _Ids,
    grid: _Grid,
    kind: str,
    tree: _OrgTree,
    members: list[Member],
    plan: _LifePlan,
) -> _Life:
    building_index = {b.id: i for i, b in enumerate(grid.buildings)}
    home = np.array([building_index.get(m.home_building_id, -1) for m in members])  # type: ignore[arg-type]
    zone = np.where(home >= 0, grid.zone_of[np.maximum(home, 0)], -1)
    age = np.array([(AS_OF - m.birth_date).days for m in members]) / _YEAR_DAYS
    town = _Town(
        rng,
        ids,
        grid,
        kind,
        tree,
        plan,
        members,
        {o.id: o.name for o in tree.organizations},
        home,
        zone,
        age,
        [m.employer_unit for m in members],
    )
    traits = _traits(town)
    units, heads = _resident_units(town, traits)
    seats, leaders, offices = _seats_and_offices(town, traits, units, heads)
    categories = _categories(town, traits)
    holders = {o.member_id for o in offices} | {s.member_id for s in seats if s.ended_on is None}
    posts = _posts(town, traits, leaders, holders)
    teams, team_members = _volunteer_team(town, traits, posts)
    evaluations, feedback = _evaluations(town, traits, units)
    people = [
        Member(
            **{
                **vars(m),
                "employer_unit": town.employer[i],
                "reporting_unit": town.employer[i] if traits.unit_known[i] else None,
                "is_able": not traits.unable[i],
                "phone": traits.phones[i],
            }
        )
        for i, m in enumerate(members)
    ]
    return _Life(
        people + _left_members(town),
        seats,
        units,
        offices,
        categories,
        posts,
        teams,
        team_members,
        evaluations,
        feedback,
    )


@dataclass(frozen=True)
class _Traits:
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


def _traits(town: _Town) -> _Traits:
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
    return _Traits(is_self, seated, reported, frail, unable, mobile, hardship, unit_known, phones)


def _resident_units(
    town: _Town, traits: _Traits
) -> tuple[list[ResidentUnit], list[tuple[int, int]]]:
    """The community's resident units, and (member, unit) pairs of their Party heads."""
    rng, code = town.rng, town.code
    short = town.grid.place.name.removesuffix("社区")
    top_name = town.org_name[town.top]
    names = town.plan.resident_units[code]
    units = []
    for k, name in enumerate(names):
        # A few small local units have no Party organization of their own; the first two always
        # have one, so that every big committee can find its part-time members.
        has_party = k < 2 or name in _EMPLOYERS or rng.random() < 0.9
        party = _party_org_name(name) if has_party else None
        # plan (三): 社区党组织与驻社区党组织签订协议 -- most have; some not yet (breach 15).
        signed = has_party and rng.random() < 0.82
        if code == town.plan.unsigned and k == len(names) - 1:
            signed = False
        items = "、".join(_AGREEMENT_ITEMS[i] for i in sorted(rng.choice(7, 3, replace=False)))
        units.append(
            ResidentUnit(
                id=town.ids("resident_unit", code, k),
                community_code=code,
                name=name,
                address=f"管城回族区{short}{int(rng.integers(1, 200))}号",
                party_organization_name=party,
                agreement_signed_on=_day(rng, dt.date(2018, 3, 1), dt.date(2020, 4, 20))
                if signed
                else None,
                agreement_summary=f"{top_name}与{party}签订共建协议：{items}" if signed else None,
            )
        )
    # Heads of the units' Party organizations who live here: non-self-managed, reported in.
    candidates = np.flatnonzero(
        ~traits.is_self & traits.reported & (town.home >= 0) & (town.age >= 32) & ~traits.unable
    )
    order = rng.permutation(candidates).tolist()
    heads = []
    for k, unit in enumerate(units):
        if unit.party_organization_name and order:
            i = order.pop()
            heads.append((i, k))
            town.employer[i] = unit.name
    return units, heads


def _seats_and_offices(
    town: _Town, traits: _Traits, units: list[ResidentUnit], heads: list[tuple[int, int]]
) -> tuple[list[CommitteeSeat], list[tuple[int, uuid.UUID, dt.date]], list[MemberOffice]]:
    """Committee seats (community, big committee, grid branches and groups) and offices."""
    rng, members, code, top = town.rng, town.members, town.code, town.top
    election = _day(rng, *_ELECTION)
    term_end = _plus_years(election, _TERM_YEARS)
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
        start = _day(rng, dt.date(2018, 7, 1), dt.date(2020, 3, 31))
        seats.append(
            town.seat(
                top,
                i,
                PARTTIME_MEMBER,
                _after(start, members[i].reported_in_on),
                term_end,
                resident_unit_id=units[k].id,
            )
        )

    # A former committee member's seat, ended and kept as history (not a current seat).
    seated_now = {i for group in roles.values() for i in group}
    if code in town.plan.history_seats:
        former = np.flatnonzero(traits.is_self & (town.age >= 55) & (town.age <= 70))
        i = int(rng.choice([j for j in former if j not in seated_now]))
        ended = _day(rng, dt.date(2018, 9, 1), dt.date(2019, 12, 31))
        seats.append(town.seat(top, i, MEMBER, election, term_end, ended_on=ended))

    leader_seats, leaders = _leaders(town, traits, roles, election)
    seats += leader_seats
    return seats, leaders, _offices(town, roles, units, heads, seats)


def _leaders(
    town: _Town, traits: _Traits, roles: dict[str, list[int]], election: dt.date
) -> tuple[list[CommitteeSeat], list[tuple[int, uuid.UUID, dt.date]]]:
    """Secretaries of grid branches and leaders (组长) of Party groups: most have one."""
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
    used: set[int] = set()

    def take(*pools: list[int] | None) -> int | None:
        for pool in pools:
            while pool:
                i = pool.pop()
                if i not in used:
                    used.add(i)
                    return i
        return None

    seats, leaders = [], []
    term_end = _plus_years(election, _TERM_YEARS)
    zone_kind = GRID_BRANCH if town.kind != BRANCH else PARTY_GROUP
    units = [(org, k, None) for k, org in sorted(town.tree.zone_unit.items())]
    units += [(org, int(town.grid.zone_of[b]), b) for b, org in town.tree.building_group.items()]
    for org, k, building in units:
        if rng.random() < 0.04:
            continue  # a few have no secretary or leader (breach 11)
        if building is None:
            prefer = committee_by_zone.get(k) if rng.random() < 0.6 else None
            i = take(prefer, by_zone.get(k))
            start = election + dt.timedelta(days=int(rng.integers(0, 90)))
            end: dt.date | None = term_end if zone_kind == GRID_BRANCH else None
        else:
            # The group's own member, else a neighbour of the zone (a 楼栋 without one).
            i = take(by_building.get(building), by_zone.get(k))
            start, end = _day(rng, dt.date(2018, 3, 1), dt.date(2019, 12, 31)), None
        if i is None:
            continue
        seat = town.seat(org, i, SECRETARY, start, end)
        seats.append(seat)
        leaders.append((i, org, seat.term_start))
    return seats, leaders


def _offices(
    town: _Town,
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
        since = start.get(m.id) or _day(rng, dt.date(2014, 1, 1), dt.date(2019, 12, 31))
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


def _categories(town: _Town, traits: _Traits) -> list[MemberCategory]:
    """plan (五): 加强对外出流动、年老体弱、生活困难等特殊类别党员的服务帮扶 -- each with a helper
    member or a contact, except about a tenth (breach 18)."""
    rng, members, code = town.rng, town.members, town.code
    helper_fit = (
        (traits.is_self | traits.reported)
        & ~traits.unable
        & ~traits.mobile
        & ~traits.frail
        & (town.age >= 25)
        & (town.age <= 70)
    )
    helpers = np.flatnonzero(helper_fit).tolist()
    by_zone: dict[int, list[int]] = {}
    for i in helpers:
        by_zone.setdefault(int(town.zone[i]), []).append(i)
    miss = rng.uniform(0.04, 0.16)  # this community's share without a helper
    flags = ((MOBILE, traits.mobile), (ELDERLY_FRAIL, traits.frail), (HARDSHIP, traits.hardship))
    since_from = {
        MOBILE: dt.date(2016, 1, 1),
        ELDERLY_FRAIL: dt.date(2014, 1, 1),
        HARDSHIP: dt.date(2016, 1, 1),
    }
    result = []
    for category, flag in flags:
        for i in np.flatnonzero(flag).tolist():
            m = members[i]
            r = rng.random()
            helper_id, contact = None, None
            if r < miss:
                pass
            elif r < miss + 0.25:
                relation = _pick(rng, _RELATIONS)
                name = _pick(rng, _SURNAMES) + _pick(rng, _GIVEN_NAMES[_pick(rng, "MF"), "young"])
                contact = f"{relation} {name} {_phone(rng)}"
            else:
                pool = by_zone.get(int(town.zone[i])) or helpers
                j = pool[int(rng.integers(len(pool)))]
                if j == i:
                    j = helpers[int(rng.integers(len(helpers)))]
                helper_id = members[j].id if j != i else None
            since = _day(rng, since_from[category], dt.date(2020, 3, 31))
            result.append(
                MemberCategory(
                    id=town.ids("category", m.id, category),
                    community_code=code,
                    member_id=m.id,
                    category=category,
                    helper_member_id=helper_id,
                    helper_contact=contact,
                    since=max(since, m.joined_on),
                )
            )
    return result


def _posts(
    town: _Town,
    traits: _Traits,
    leaders: list[tuple[int, uuid.UUID, dt.date]],
    holders: set[uuid.UUID],
) -> list[Post]:
    """明岗定责 (plan 五) for the members able to take part in activities."""
    rng, members, code, seed = town.rng, town.members, town.code, town.ids.seed
    launch = _day(rng, *_POSTS_LAUNCH)
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
                id=uuid.uuid5(_NAMESPACE, f"{seed}/post/{m.id}/{len(posts)}"),
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


def _volunteer_team(
    town: _Town, traits: _Traits, posts: list[Post]
) -> tuple[list[VolunteerTeam], list[VolunteerTeamMember]]:
    """plan (三): 动员驻社区单位在职党员、非自管的社区居民党员与社区党组织自管党员一起...联合组建
    社区党员志愿者服务队; plan (五): 联管党员纳入...社区党员志愿者服务队活动. In one or two
    communities the team has only self-managed members (breach 16)."""
    rng, members, code, tree = town.rng, town.members, town.code, town.tree
    led_by = next(
        (o.id for o in tree.organizations if "volunteer_team" in o.units), tree.community_org
    )
    founded = _day(rng, dt.date(2017, 5, 1), dt.date(2018, 12, 31))
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
                VolunteerTeamMember(team.id, m.id, code, _after(day, m.joined_on, m.reported_in_on))
            )
    return [team], joined


def _evaluations(
    town: _Town, traits: _Traits, units: list[ResidentUnit]
) -> tuple[list[Evaluation], list[EvaluationFeedback]]:
    """双争 of 2020 (plan 三): 统一组织评选优秀社区党员，评选结果在社区公示并向党员所在单位党组织反馈."""
    rng, members, code = town.rng, town.members, town.code
    full = np.array([not m.is_probationary for m in members])
    candidates = np.flatnonzero(traits.active & full)
    n = min(int(rng.integers(3, 9)), len(candidates))
    top_name = town.org_name[town.top]
    community_name = town.grid.place.name
    unit_party = {u.name: u.party_organization_name for u in units if u.party_organization_name}
    evaluations, feedback = [], []
    for i in rng.choice(candidates, n, replace=False).tolist():
        m = members[i]
        title = _pick(rng, (MANAGEMENT_VANGUARD, SERVICE_MODEL))
        stage = _pick_weighted(rng, _STAGES, _STAGE_SHARES)
        if stage in (CHOSEN, NOT_CHOSEN):
            nominated = _day(rng, dt.date(2020, 1, 6), dt.date(2020, 3, 20))
        elif stage == PUBLICIZED:
            nominated = _day(rng, dt.date(2020, 3, 16), dt.date(2020, 4, 10))
        else:
            nominated = _day(rng, dt.date(2020, 4, 1), dt.date(2020, 4, 28))
        nominated = max(nominated, m.joined_on)
        pub_from = pub_until = decided = None
        if stage != NOMINATED:
            pub_from = nominated + dt.timedelta(days=int(rng.integers(2, 11)))
            pub_until = pub_from + dt.timedelta(days=6)  # 公示 for seven days
        if stage in (CHOSEN, NOT_CHOSEN) and pub_until is not None:
            decided = pub_until + dt.timedelta(days=int(rng.integers(1, 8)))
        by = _pick(rng, (top_name, town.org_name[town.home_org(i)], "党员群众联名推荐"))
        evaluation = Evaluation(
            id=town.ids("evaluation", _YEAR, title, m.id),
            community_code=code,
            year=_YEAR,
            title=title,
            member_id=m.id,
            stage=stage,
            nominated_on=nominated,
            nominated_by=by,
            reason=_pick(rng, _REASONS[title]),
            publicized_from=pub_from,
            publicized_until=pub_until,
            decided_on=decided,
        )
        evaluations.append(evaluation)
        if stage == CHOSEN and decided is not None:
            # The member's own unit: for non-self-managed members their employer, whose Party
            # organization a resident unit of that name records; for self-managed ones the
            # community and its own organization.
            if m.management == SELF_MANAGED:
                unit, party = community_name, top_name
            else:
                unit = town.employer[i] or community_name
                party = unit_party.get(unit) or _party_org_name(unit)
            feedback.append(
                EvaluationFeedback(
                    id=town.ids("feedback", evaluation.id),
                    community_code=code,
                    evaluation_id=evaluation.id,
                    unit_name=unit,
                    unit_party_organization=party,
                    sent_on=decided + dt.timedelta(days=int(rng.integers(1, 11))),
                    content=(
                        f"{m.name}同志在{community_name}{_YEAR}年“双争”活动中被评为"
                        f"“{_TITLE_NAMES[title]}”，经社区公示无异议，特此反馈。"
                    ),
                )
            )
    return evaluations, feedback


def _left_members(town: _Town) -> list[Member]:
    """1-3 non-self-managed members who reported in and have since moved away (已迁出)."""
    rng, code = town.rng, town.code
    result = []
    for k in range(int(rng.integers(1, 4))):
        person = _person(rng, rng.uniform(26, 58), None)
        start = max(person.joined_on, _REPORTING_START)
        reported = _day(rng, start, AS_OF - dt.timedelta(days=90))
        employer = _pick(rng, _EMPLOYERS)
        result.append(
            Member(
                id=town.ids("member", code, "left", k),
                community_code=code,
                management=NON_SELF_MANAGED,
                organization_id=None,
                home_building_id=None,
                employer_unit=employer,
                reported_in_on=reported,
                reporting_unit=employer,
                reporting_status=LEFT,
                phone=_phone(rng),
                left_on=_day(rng, reported + dt.timedelta(days=30), AS_OF),
                **vars(person),
            )
        )
    return result


# --- the whole district ----------------------------------------------------------------------


def generate(seed: int = 2020) -> Demo:
    """The demo district for seed: pure and deterministic (equal seeds, equal Demos)."""
    ids = _Ids(seed)
    places = _places()
    boundaries = _community_boundaries(seed, places)
    grid_plan = _plan_grid(seed, places)
    grids = [
        _build_grid(seed, i, place, boundary, grid_plan, ids)
        for i, (place, boundary) in enumerate(zip(places, boundaries, strict=True))
    ]
    org_plan = _plan_orgs(seed, grids)
    life_plan = _plan_life(seed, grids, org_plan, grid_plan.pilots)
    demo = Demo(regions=_regions())
    for i, grid in enumerate(grids):
        tree, members = _people(seed, i, grid, org_plan, life_plan, grid_plan.pilots, ids)
        life = _community_life(
            _rng(seed, _STAGE_LIFE, i),
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
