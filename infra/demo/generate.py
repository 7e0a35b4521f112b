"""Generate the demo district, 管城回族区 of 郑州市 (code 410104), from a seed.

Everything spatial is synthetic: the district outline, the community and zone boundaries and
every building are made up inside the real district's rough bounding box (WGS-84 lon
113.66-113.76, lat 34.70-34.77); none of it is surveyed. Street office, township and community
names are plausible and the codes follow the 统计用区划代码 scheme (6/9/12 digits, 乡 from 200),
but which code goes with which name is made up as well.

``generate`` is pure: the same seed gives an equal ``Demo``. Every random draw comes from a numpy
generator keyed by the seed and a stage number, and every id is a uuid5 of the seed and a stable
name (e.g. ``2020/zone/410104001002/3``). The data is a snapshot taken on ``AS_OF`` (end of April
2020, before the plan's 分类定级 by mid-May); no date in it is later.

Shape of the district:
- 4 street offices and 1 township, 14 communities tiling the outline (a Voronoi diagram of
  jittered nominal centres); 3-6 zones per community, separated by 4 m roads; buildings stand
  in walled compounds (院) of rotated rectangles, all inside one zone or one gap strip.
- Ranked by households, the 5 largest communities have a 社区党委, the next 5 a 社区党总支 and
  the rest (the township's among them) a 社区党支部.
- In branch communities Party groups sit in zones, not buildings ("社区党支部应将党小组建在片区"):
  their buildings have no group by design, which is not a gap.
- Self-managed members belong to their building's Party group, else (branch communities) their
  zone's group, else the community organization. Non-self-managed and jointly managed members
  belong to no organization here (their membership is with their employer).
- Members without a home building: 1-2 per community, and the secretaries of pilot communities,
  cadres sent down from outside ("试点社区书记由下派科级干部担任").

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

Not modelled here: resident units (驻社区单位) and big-committee part-time members (兼职委员).
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon, box
from shapely.geometry.base import BaseGeometry

from infra.demo.model import (
    BRANCH,
    COMMITTEE,
    COMMUNITY,
    DISTRICT,
    FULLTIME_DEPUTY,
    FUNCTIONAL_BRANCH,
    GENERAL_BRANCH,
    GRID_BRANCH,
    JOINTLY_MANAGED,
    MEMBER,
    NON_SELF_MANAGED,
    PARTTIME_DEPUTY,
    PARTY_GROUP,
    SECRETARY,
    SELF_MANAGED,
    SPECIAL_BRANCH,
    STREET,
    TOWNSHIP,
    Building,
    Community,
    Demo,
    Member,
    Organization,
    Region,
    Zone,
)

T = TypeVar("T")

AS_OF = dt.date(2020, 4, 30)  # the snapshot date: "today" for ages and Party standing

# Any fixed UUID: ids are uuid5(namespace, "<seed>/<stable name>").
_NAMESPACE = uuid.UUID("3f0b7c52-8e1d-5a4e-9c27-6d2b1f4a9e80")

# Random streams, one per stage, so that changing one stage leaves the others' draws alone.
_STAGE_LAYOUT, _STAGE_PLAN, _STAGE_GRID, _STAGE_ORGS, _STAGE_PEOPLE = range(5)

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
_FUNCTIONAL_UNITS = ("workstation", "zongzhiban", "juweihui")
_SPECIAL_UNITS = ("owners_committee", "volunteer_team", "culture_team")
_UNIT_SUFFIX = {
    "workstation": "工作站党支部",
    "zongzhiban": "综治办党小组",
    "juweihui": "居委会党支部",
    "owners_committee": "业主委员会特色党小组",
    "volunteer_team": "党员志愿者服务队特色党支部",
    "culture_team": "文体活动宣传队特色党小组",
}
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
            _CommunitySpec("书院街社区", "Shuyuanjie Community", (113.672, 34.757)),
            _CommunitySpec("北大街社区", "Beidajie Community", (113.684, 34.762)),
            _CommunitySpec("管城街社区", "Guanchengjie Community", (113.690, 34.748)),
        ),
    ),
    _DivisionSpec(
        "410104002",
        "西大街街道",
        "Xidajie Subdistrict",
        STREET,
        (
            _CommunitySpec("西大街社区", "Xidajie Community", (113.672, 34.729)),
            _CommunitySpec("乔家门社区", "Qiaojiamen Community", (113.686, 34.737)),
            _CommunitySpec("顺河路社区", "Shunhelu Community", (113.686, 34.715)),
        ),
    ),
    _DivisionSpec(
        "410104003",
        "东大街街道",
        "Dongdajie Subdistrict",
        STREET,
        (
            _CommunitySpec("东大街社区", "Dongdajie Community", (113.702, 34.760)),
            _CommunitySpec("城隍庙社区", "Chenghuangmiao Community", (113.716, 34.754)),
            _CommunitySpec("文庙社区", "Wenmiao Community", (113.703, 34.745)),
        ),
    ),
    _DivisionSpec(
        "410104004",
        "紫荆山南路街道",
        "Zijingshan Nanlu Subdistrict",
        STREET,
        (
            _CommunitySpec("紫荆山南路社区", "Zijingshan Nanlu Community", (113.700, 34.729)),
            _CommunitySpec("英协路社区", "Yingxielu Community", (113.716, 34.737)),
            _CommunitySpec("南顺城街社区", "Nanshunchengjie Community", (113.712, 34.713)),
        ),
    ),
    _DivisionSpec(
        "410104200",
        "南曹乡",
        "Nancao Township",
        TOWNSHIP,
        (
            _CommunitySpec("南曹社区", "Nancao Community", (113.739, 34.751)),
            _CommunitySpec("山白社区", "Shanbai Community", (113.740, 34.719)),
        ),
    ),
)

# A made-up district outline inside the real district's bounding box (lon, lat).
_OUTLINE = (
    (113.664, 34.752),
    (113.672, 34.766),
    (113.690, 34.768),
    (113.706, 34.762),
    (113.722, 34.767),
    (113.741, 34.764),
    (113.756, 34.752),
    (113.758, 34.733),
    (113.748, 34.712),
    (113.728, 34.703),
    (113.704, 34.706),
    (113.684, 34.702),
    (113.667, 34.716),
    (113.662, 34.735),
)


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
    outline = Polygon(_OUTLINE)
    cells = shapely.voronoi_polygons(
        MultiPoint(points), extend_to=outline.envelope.buffer(0.05), ordered=True
    )
    return [_largest(cell.intersection(outline)) for cell in cells.geoms]


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
class _OrgTree:
    organizations: list[Organization]
    community_org: uuid.UUID
    building_group: dict[int, uuid.UUID]  # building index -> its Party group
    zone_group: dict[int, uuid.UUID]  # zone index -> its Party group (branch communities)

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

    orgs.extend(_unit_branches(rng, grid, plan, top.id, ids))
    zone_group = zone_units if kind == BRANCH else {}
    return _OrgTree(orgs, top.id, building_group, zone_group)


def _unit_branches(
    rng: np.random.Generator, grid: _Grid, plan: _OrgPlan, parent: uuid.UUID, ids: _Ids
) -> list[Organization]:
    """Functional branches in community organizations, special ones in mass organizations."""
    code, name = grid.place.code, grid.place.name
    missing = plan.missing_functional.get(code, ())
    # plan (二): 在社区工作站、综治办、居委会等社区组织中单独或联合建立党支部（党小组）.
    units = [(FUNCTIONAL_BRANCH, u) for u in _FUNCTIONAL_UNITS if u not in missing]
    # plan (二): 在业主委员会、社区志愿者服务队、文体活动宣传队等群众组织中建立特色党支部（党小组）.
    # Every community but the planned gaps has a volunteer team (plan 三: 联合组建社区党员志愿者服务队);
    # some, and every one without a team, also have one other special branch.
    if code not in plan.no_volunteer_team:
        units.append((SPECIAL_BRANCH, "volunteer_team"))
    if code in plan.no_volunteer_team or rng.random() < 0.5:
        others = [u for u in _SPECIAL_UNITS if u != "volunteer_team"]
        units.append((SPECIAL_BRANCH, _pick(rng, others)))
    return [
        Organization(
            ids("org", code, unit), code, f"{name}{_UNIT_SUFFIX[unit]}", kind, parent, unit=unit
        )
        for kind, unit in units
    ]


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
        # plan (二): 试点社区书记由下派科级干部担任 -- a cadre sent down lives elsewhere.
        sent_down = is_pilot and role == SECRETARY
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
                **vars(person),
            )
        )
    return members


def _people(
    seed: int, index: int, grid: _Grid, plan: _OrgPlan, pilots: frozenset[str], ids: _Ids
) -> tuple[list[Organization], list[Member]]:
    """The organizations and members of one community."""
    rng = _rng(seed, _STAGE_PEOPLE, index)
    code = grid.place.code
    kind = plan.kinds[code]
    counts, ungrouped = _member_counts(rng, grid, kind)
    tree = _organizations(rng, grid, plan, ungrouped, ids)
    homes: list[int | None] = np.repeat(np.arange(len(counts)), counts).tolist()
    homes += [None] * int(rng.integers(1, 3))  # a few members with no known home building
    members = [_resident(rng, ids, grid, tree, serial, home) for serial, home in enumerate(homes)]
    members += _committee(rng, ids, grid, tree, kind, plan.breaches.get(code), code in pilots)
    return tree.organizations, members


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
    demo = Demo(regions=_regions())
    for i, grid in enumerate(grids):
        organizations, members = _people(seed, i, grid, org_plan, grid_plan.pilots, ids)
        demo.communities.append(
            Community(grid.place.code, grid.boundary, grid.place.code in grid_plan.pilots)
        )
        demo.zones.extend(grid.zones)
        demo.buildings.extend(grid.buildings)
        demo.organizations.extend(organizations)
        demo.members.extend(members)
    return demo
