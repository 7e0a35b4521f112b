"""Members: names, ages, education, employers and management of the community's residents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from infra.demo.generator.draws import AS_OF, Ids, pick, pick_weighted
from infra.demo.generator.grids import Grid
from infra.demo.generator.organizations import OrgTree
from infra.demo.model import (
    BRANCH,
    JOINTLY_MANAGED,
    NON_SELF_MANAGED,
    PENDING,
    REPORTED,
    SELF_MANAGED,
    Member,
)

SURNAMES = (
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


GIVEN_NAMES = {key: tuple(text.split()) for key, text in _GIVEN_NAME_TEXT.items()}


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


EMPLOYERS = (
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


YEAR_DAYS = 365.25


REPORTING_START = dt.date(2017, 6, 1)  # when the district began 党员报到


@dataclass(frozen=True)
class _Person:
    """The personal half of a member: who they are, apart from how they are managed."""

    name: str
    gender: str
    birth_date: dt.date
    education: str
    joined_on: dt.date
    is_probationary: bool


def make_person(
    rng: np.random.Generator, age: float, standing: float | None, education: str | None = None
) -> _Person:
    """A member aged age years; Party standing in years (None: anywhere after 18), probationary
    when under a year (预备期一年)."""
    gender = "F" if rng.random() < 0.45 else "M"
    birth = AS_OF.toordinal() - round(age * YEAR_DAYS)
    birth_date = dt.date.fromordinal(birth)
    if standing is None:
        standing = rng.uniform(1.1, max(1.2, min(age - 18.0, 50.0)))
    standing = min(standing, age - 18.05)  # nobody joins before 18 (a margin for leap days)
    joined_on = dt.date.fromordinal(AS_OF.toordinal() - max(1, round(standing * YEAR_DAYS)))
    if education is None:
        shares = next(p for year, p in _EDUCATION_BY_ERA if birth_date.year < year)
        education = pick_weighted(rng, _EDUCATION, shares)
    era = "old" if birth_date.year < 1975 else "young"
    name = pick(rng, SURNAMES) + pick(rng, GIVEN_NAMES[gender, era])
    return _Person(name, gender, birth_date, education, joined_on, standing < 1.0)


def _resident_age(rng: np.random.Generator, management: str) -> float:
    if management == SELF_MANAGED:
        lo, hi = pick_weighted(rng, _AGE_BANDS, _AGE_BAND_SHARES)
        return rng.uniform(lo, hi)
    return rng.uniform(24, 58)  # non-self-managed members are in service elsewhere


def _management(rng: np.random.Generator) -> str:
    u = rng.random()
    return SELF_MANAGED if u < 0.75 else NON_SELF_MANAGED if u < 0.95 else JOINTLY_MANAGED


def _report_date(rng: np.random.Generator, joined_on: dt.date) -> dt.date:
    start = max(joined_on, REPORTING_START).toordinal()
    return dt.date.fromordinal(int(rng.integers(start, AS_OF.toordinal() + 1)))


def resident(
    rng: np.random.Generator, ids: Ids, grid: Grid, tree: OrgTree, serial: int, home: int | None
) -> Member:
    management = _management(rng)
    # ~3% probationary: joined within the last year.
    standing = rng.uniform(0.05, 0.95) if rng.random() < 0.03 else None
    person = make_person(rng, _resident_age(rng, management), standing)
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
        employer_unit=pick(rng, EMPLOYERS),
        reported_in_on=_report_date(rng, person.joined_on) if reported else None,
        reporting_status=REPORTED if reported else PENDING,
    )


def member_counts(rng: np.random.Generator, grid: Grid, kind: str) -> tuple[np.ndarray, set[int]]:
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
