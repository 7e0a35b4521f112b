"""The region tree: the district, its street offices and township, their communities."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from shapely.geometry import Polygon, box, shape

from infra.demo.model import COMMUNITY, DISTRICT, STREET, TOWNSHIP, Region


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
_OUTLINE_FILE = Path(__file__).parents[1] / "data" / "guancheng_outline.geojson"


# The demo's street offices and township cover the district's north-west, the old town and
# beyond: the real outline clipped to this box. The rest of the district is not in the demo.
_DEMO_BOX = (113.66, 34.70, 113.76, 34.77)


def _demo_area() -> Polygon:
    (feature,) = json.loads(_OUTLINE_FILE.read_text(encoding="utf-8"))["features"]
    area = shape(feature["geometry"]).intersection(box(*_DEMO_BOX))
    if not isinstance(area, Polygon):  # a changed outline or box must not split the demo
        raise ValueError(f"the demo area is a {area.geom_type}, not one polygon")
    return area


DEMO_AREA = _demo_area()


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    is_township: bool
    anchor: tuple[float, float]


def demo_regions() -> list[Region]:
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


def _division_places(division: _DivisionSpec) -> list[Place]:
    # Communities are 居委会, numbered from 001 under their street office or township.
    return [
        Place(f"{division.code}{i:03d}", spec.name, division.level == TOWNSHIP, spec.anchor)
        for i, spec in enumerate(division.communities, start=1)
    ]


def demo_places() -> list[Place]:
    return [place for division in _DIVISIONS for place in _division_places(division)]
