"""The demo district as plain data: what the generator makes and the loader writes.

Ids are UUIDs derived from the seed (uuid5), so the same seed always gives the same district.
Geometry is shapely, in WGS-84 longitude/latitude (SRID 4326).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from shapely.geometry.base import BaseGeometry

# Region levels, as the org service stores them.
DISTRICT, STREET, TOWNSHIP, COMMUNITY = "district", "street", "township", "community"

# Community Party organization kinds (plan 二) and the units below them.
COMMITTEE = "community_committee"  # 社区党委
GENERAL_BRANCH = "general_branch"  # 社区党总支
BRANCH = "branch"  # 社区党支部
GRID_BRANCH = "grid_branch"  # 网格党支部 / 分支部, one per zone
PARTY_GROUP = "party_group"  # 党小组
FUNCTIONAL_BRANCH = "functional_branch"  # 工作站 / 综治办 / 居委会 branch or group
SPECIAL_BRANCH = "special_branch"  # 业委会 / 志愿者服务队 / 文体活动宣传队
COMMUNITY_KINDS = (COMMITTEE, GENERAL_BRANCH, BRANCH)  # exactly one per community

# Member management (plan 三).
SELF_MANAGED, NON_SELF_MANAGED, JOINTLY_MANAGED = "self", "non_self", "joint"

# Committee roles (plan 二).
SECRETARY = "secretary"  # 书记
FULLTIME_DEPUTY = "fulltime_deputy"  # 专职副书记
PARTTIME_DEPUTY = "parttime_deputy"  # 兼职副书记
MEMBER = "member"  # 委员


@dataclass(frozen=True)
class Region:
    code: str  # 统计用区划代码: 6 digits district, 9 street/township, 12 community
    name: str
    name_en: str
    level: str
    parent_code: str | None


@dataclass(frozen=True)
class Community:
    code: str  # 12 digits; equals its Region code
    boundary: BaseGeometry  # Polygon
    is_pilot: bool  # 试点社区


@dataclass(frozen=True)
class Zone:
    id: uuid.UUID
    community_code: str
    name: str  # e.g. 第一片区
    boundary: BaseGeometry  # Polygon inside the community; siblings never overlap


@dataclass(frozen=True)
class Building:
    id: uuid.UUID
    community_code: str
    name: str  # e.g. 3号楼
    address: str
    households: int
    footprint: BaseGeometry  # Polygon, or Point where only an address is known


@dataclass(frozen=True)
class Organization:
    id: uuid.UUID
    community_code: str
    name: str
    kind: str
    parent_id: uuid.UUID | None
    zone_id: uuid.UUID | None = None  # the zone a grid branch (or zone group) is assigned to
    building_id: uuid.UUID | None = None  # the building a Party group is assigned to
    unit: str | None = None  # functional/special: workstation, zongzhiban, juweihui, ...


@dataclass(frozen=True)
class Member:
    id: uuid.UUID
    community_code: str
    name: str
    gender: str  # "M" | "F"
    birth_date: dt.date
    education: str  # primary, junior, senior, associate, bachelor, master
    joined_on: dt.date  # date joined the Party
    is_probationary: bool  # 预备党员
    management: str  # SELF_MANAGED | NON_SELF_MANAGED | JOINTLY_MANAGED
    organization_id: uuid.UUID | None  # None for non-self-managed (membership elsewhere)
    home_building_id: uuid.UUID | None
    employer_unit: str | None = None
    reported_in_on: dt.date | None = None  # 报到 date, non-self-managed only
    committee_role: str | None = None  # role on the community committee, if any


@dataclass
class Demo:
    regions: list[Region] = field(default_factory=list)
    communities: list[Community] = field(default_factory=list)
    zones: list[Zone] = field(default_factory=list)
    buildings: list[Building] = field(default_factory=list)
    organizations: list[Organization] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
