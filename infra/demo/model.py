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
FUNCTIONAL_BRANCH = "functional_branch"  # 工作站 / 综治办 / 居委会 党支部, alone or joint
FUNCTIONAL_GROUP = "functional_group"  # the same, as a 党小组
SPECIAL_BRANCH = "special_branch"  # 业委会 / 志愿者服务队 / 文体活动宣传队 特色党支部
SPECIAL_GROUP = "special_group"  # the same, as a 特色党小组
UNIT_KINDS = (FUNCTIONAL_BRANCH, FUNCTIONAL_GROUP, SPECIAL_BRANCH, SPECIAL_GROUP)
FUNCTIONAL_UNITS = ("workstation", "zongzhiban", "juweihui")  # 社区工作站、综治办、居委会
SPECIAL_UNITS = (
    "owners_committee",
    "volunteer_team",
    "culture_team",
)  # 业委会、志愿者服务队、文体队
COMMUNITY_KINDS = (COMMITTEE, GENERAL_BRANCH, BRANCH)  # exactly one per community

# Member management (plan 三).
SELF_MANAGED, NON_SELF_MANAGED, JOINTLY_MANAGED = "self", "non_self", "joint"

# Committee roles (plan 二).
SECRETARY = "secretary"  # 书记
FULLTIME_DEPUTY = "fulltime_deputy"  # 专职副书记
PARTTIME_DEPUTY = "parttime_deputy"  # 兼职副书记
MEMBER = "member"  # 委员
PARTTIME_MEMBER = "parttime_member"  # 兼职委员 of the big committee (大党委), plan 三
COMMITTEE_ROLES = (SECRETARY, FULLTIME_DEPUTY, PARTTIME_DEPUTY, MEMBER, PARTTIME_MEMBER)

# Reporting in (党员报到) of non-self-managed members: NULL exactly for self-managed ones.
PENDING, REPORTED, LEFT = "pending", "reported", "left"  # 待报到、已报到、已迁出

# Offices held concurrently (兼任), plan 二/三.
WORKSTATION_HEAD = "workstation_head"  # 社区工作站站长
ZONGZHIBAN_DIRECTOR = "zongzhiban_director"  # 综治办主任
JUWEIHUI_DIRECTOR = "juweihui_director"  # 居委会主任
RESIDENT_UNIT_PARTY_HEAD = "resident_unit_party_head"  # 驻社区单位党组织负责人
OFFICES = (WORKSTATION_HEAD, ZONGZHIBAN_DIRECTOR, JUWEIHUI_DIRECTOR, RESIDENT_UNIT_PARTY_HEAD)

# 分类管理 (plan 五): special categories needing service or assistance.
MOBILE, ELDERLY_FRAIL, HARDSHIP = (
    "mobile",
    "elderly_frail",
    "hardship",
)  # 外出流动、年老体弱、生活困难
SPECIAL_CATEGORIES = (MOBILE, ELDERLY_FRAIL, HARDSHIP)

# 明岗定责 (plan 五): 本职岗位、网格化管理岗位、义务奉献岗位.
JOB_POST, GRID_POST, VOLUNTEER_POST = "job", "grid_management", "volunteer"
POST_KINDS = (JOB_POST, GRID_POST, VOLUNTEER_POST)

# 双争 (plan 三): 争当社区管理先锋、争做服务群众模范; nominated -> publicized -> chosen or not.
MANAGEMENT_VANGUARD, SERVICE_MODEL = "management_vanguard", "service_model"
EVALUATION_TITLES = (MANAGEMENT_VANGUARD, SERVICE_MODEL)
NOMINATED, PUBLICIZED, CHOSEN, NOT_CHOSEN = "nominated", "publicized", "chosen", "not_chosen"
EVALUATION_STAGES = (NOMINATED, PUBLICIZED, CHOSEN, NOT_CHOSEN)


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
    # Functional/special ones: the units they sit in (workstation, zongzhiban, juweihui,
    # owners_committee, volunteer_team, culture_team); more than one for a joint (联合) one.
    units: tuple[str, ...] = ()


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
    reporting_unit: str | None = None  # the unit it reported in from (non-self-managed)
    reporting_status: str | None = None  # PENDING | REPORTED | LEFT; None exactly for self
    is_able: bool = True  # 有活动能力: can take part in organization activities
    is_sent_down_cadre: bool = False  # 下派科级干部
    phone: str | None = None  # made up, never a real person's
    left_on: dt.date | None = None  # moved away (reporting_status LEFT)


@dataclass(frozen=True)
class CommitteeSeat:
    """A seat on an organization's committee: the community organization's 委员会 (incl. the big
    committee's 兼职委员), or the secretary (组长) of a grid branch or Party group."""

    id: uuid.UUID
    community_code: str
    organization_id: uuid.UUID
    member_id: uuid.UUID
    role: str  # one of COMMITTEE_ROLES
    term_start: dt.date | None = None
    term_end: dt.date | None = None  # planned; may lie after the snapshot date
    ended_on: dt.date | None = None  # left the committee; the seat stays as history
    resident_unit_id: uuid.UUID | None = None  # PARTTIME_MEMBER seats from a resident unit


@dataclass(frozen=True)
class ResidentUnit:
    """驻社区单位: a unit located in the community, with its own Party organization."""

    id: uuid.UUID
    community_code: str
    name: str
    address: str
    party_organization_name: str | None
    agreement_signed_on: dt.date | None = None  # 共建协议
    agreement_summary: str | None = None


@dataclass(frozen=True)
class MemberOffice:
    id: uuid.UUID
    community_code: str
    member_id: uuid.UUID
    office: str  # one of OFFICES
    resident_unit_id: uuid.UUID | None = None  # RESIDENT_UNIT_PARTY_HEAD only
    since: dt.date | None = None


@dataclass(frozen=True)
class MemberCategory:
    id: uuid.UUID
    community_code: str
    member_id: uuid.UUID
    category: str  # one of SPECIAL_CATEGORIES
    helper_member_id: uuid.UUID | None = None  # a member of the same community
    helper_contact: str | None = None  # a contact who is not a member
    since: dt.date | None = None


@dataclass(frozen=True)
class Post:
    id: uuid.UUID
    community_code: str
    member_id: uuid.UUID
    kind: str  # one of POST_KINDS
    title: str
    organization_id: uuid.UUID | None
    claimed_on: dt.date
    released_on: dt.date | None = None


@dataclass(frozen=True)
class VolunteerTeam:
    """党员志愿者服务队 (plan 三: 联合组建)."""

    id: uuid.UUID
    community_code: str
    name: str
    organization_id: uuid.UUID | None
    founded_on: dt.date | None


@dataclass(frozen=True)
class VolunteerTeamMember:
    team_id: uuid.UUID
    member_id: uuid.UUID
    community_code: str
    joined_on: dt.date | None


@dataclass(frozen=True)
class Evaluation:
    """双争: a nomination of a member for one of the two titles of a year."""

    id: uuid.UUID
    community_code: str
    year: int
    title: str  # one of EVALUATION_TITLES
    member_id: uuid.UUID
    stage: str  # one of EVALUATION_STAGES
    nominated_on: dt.date
    nominated_by: str
    reason: str
    publicized_from: dt.date | None = None  # 公示
    publicized_until: dt.date | None = None
    decided_on: dt.date | None = None


@dataclass(frozen=True)
class EvaluationFeedback:
    """反馈党员所在单位党组织: the result sent to the member's own unit's Party organization."""

    id: uuid.UUID
    community_code: str
    evaluation_id: uuid.UUID
    unit_name: str
    unit_party_organization: str
    sent_on: dt.date
    content: str


@dataclass
class Demo:
    regions: list[Region] = field(default_factory=list)
    communities: list[Community] = field(default_factory=list)
    zones: list[Zone] = field(default_factory=list)
    buildings: list[Building] = field(default_factory=list)
    organizations: list[Organization] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    committee_seats: list[CommitteeSeat] = field(default_factory=list)
    resident_units: list[ResidentUnit] = field(default_factory=list)
    member_offices: list[MemberOffice] = field(default_factory=list)
    member_categories: list[MemberCategory] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    volunteer_teams: list[VolunteerTeam] = field(default_factory=list)
    volunteer_team_members: list[VolunteerTeamMember] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    evaluation_feedback: list[EvaluationFeedback] = field(default_factory=list)
