"""The org subgraph's enums: region levels, kinds of organization, units, and a member's
management, education, reporting in, categories, posts, committee roles and offices."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Level of a region in the tree.")
class RegionLevel(Enum):
    DISTRICT = "district"  # 区
    STREET = "street"  # 街道办事处
    TOWNSHIP = "township"  # 乡
    COMMUNITY = "community"  # 社区


@strawberry.enum(description="Kind of Party organization (plan 二).")
class OrganizationKind(Enum):
    COMMUNITY_COMMITTEE = "community_committee"  # 社区党委
    GENERAL_BRANCH = "general_branch"  # 社区党总支
    BRANCH = "branch"  # 社区党支部
    GRID_BRANCH = "grid_branch"  # 网格党支部
    PARTY_GROUP = "party_group"  # 党小组
    FUNCTIONAL_BRANCH = "functional_branch"  # 功能型党支部
    FUNCTIONAL_GROUP = "functional_group"  # 功能型党小组
    SPECIAL_BRANCH = "special_branch"  # 特色党支部
    SPECIAL_GROUP = "special_group"  # 特色党小组


@strawberry.enum(description="Units a functional or special branch sits in.")
class Unit(Enum):
    WORKSTATION = "workstation"  # 社区工作站
    ZONGZHIBAN = "zongzhiban"  # 综治办
    JUWEIHUI = "juweihui"  # 居委会
    OWNERS_COMMITTEE = "owners_committee"  # 业主委员会
    VOLUNTEER_TEAM = "volunteer_team"  # 志愿者服务队
    CULTURE_TEAM = "culture_team"  # 文体活动宣传队


@strawberry.enum(description="How a member is managed (plan 三).")
class Management(Enum):
    SELF = "self"  # 自管党员
    NON_SELF = "non_self"  # 非自管党员
    JOINT = "joint"  # 联管党员


@strawberry.enum(description="Education level.")
class Education(Enum):
    PRIMARY = "primary"  # 小学
    JUNIOR = "junior"  # 初中
    SENIOR = "senior"  # 高中
    SECONDARY_VOCATIONAL = "secondary_vocational"  # 中专
    ASSOCIATE = "associate"  # 大专
    BACHELOR = "bachelor"  # 本科
    MASTER = "master"  # 硕士
    DOCTORATE = "doctorate"  # 博士


@strawberry.enum(description="Reporting-in status of a non-self-managed member (党员报到).")
class ReportingStatus(Enum):
    PENDING = "pending"  # 待报到
    REPORTED = "reported"  # 已报到
    LEFT = "left"  # 已迁出


@strawberry.enum(description="Members needing service or assistance (plan 五).")
class SpecialCategory(Enum):
    MOBILE = "mobile"  # 外出流动
    ELDERLY_FRAIL = "elderly_frail"  # 年老体弱
    HARDSHIP = "hardship"  # 生活困难


@strawberry.enum(description="Kinds of post (明岗定责, plan 五).")
class PostKind(Enum):
    JOB = "job"  # 本职岗位
    GRID_MANAGEMENT = "grid_management"  # 网格化管理岗位
    VOLUNTEER = "volunteer"  # 义务奉献岗位


@strawberry.enum(description="Roles on a committee (plan 二).")
class CommitteeRole(Enum):
    SECRETARY = "secretary"  # 书记 (组长 of a group)
    FULLTIME_DEPUTY = "fulltime_deputy"  # 专职副书记
    PARTTIME_DEPUTY = "parttime_deputy"  # 兼职副书记
    MEMBER = "member"  # 委员
    PARTTIME_MEMBER = "parttime_member"  # 大党委兼职委员


@strawberry.enum(description="Offices held concurrently (兼任).")
class Office(Enum):
    WORKSTATION_HEAD = "workstation_head"  # 社区工作站站长
    ZONGZHIBAN_DIRECTOR = "zongzhiban_director"  # 综治办主任
    JUWEIHUI_DIRECTOR = "juweihui_director"  # 居委会主任
    RESIDENT_UNIT_PARTY_HEAD = "resident_unit_party_head"  # 驻社区单位党组织负责人


@strawberry.enum(description="Whether a member's personal fields (phone, birth date) are shown.")
class PersonalDataAccess(Enum):
    GRANTED = "granted"
    WITHHELD_ROLE = "withheld_role"  # the caller's role may not see personal data
    WITHHELD_SCOPE = "withheld_scope"  # the member lies outside the caller's node
