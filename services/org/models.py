"""Tables of the org schema: the region tree, Party organizations, members, committees.

Every row carries its community code so the tables can be distributed by community.
References to grid objects (a member's home building) are ids only: no cross-schema keys.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY

from services.common.idempotency import define_table

SCHEMA = "org"
metadata = MetaData(schema=SCHEMA)
# Answers to retried writes (services/common/idempotency.py).
idempotency_key = define_table(metadata)

REGION_LEVELS = ("district", "street", "township", "community")
ORGANIZATION_KINDS = (
    "community_committee",  # 社区党委
    "general_branch",  # 社区党总支
    "branch",  # 社区党支部
    "grid_branch",  # 网格党支部/分支部
    "party_group",  # 党小组
    "functional_branch",  # 工作站、综治办、居委会 功能型党支部
    "functional_group",  # 功能型党小组
    "special_branch",  # 业委会、志愿者服务队、文体活动宣传队 特色党支部
    "special_group",  # 特色党小组
)
# Units a functional (workstation, 综治办, 居委会) or special one sits in; 单独或联合: one or more.
UNITS = (
    "workstation",  # 社区工作站
    "zongzhiban",  # 综治办
    "juweihui",  # 居委会
    "owners_committee",  # 业主委员会
    "volunteer_team",  # 志愿者服务队
    "culture_team",  # 文体活动宣传队
)
MANAGEMENT_TYPES = ("self", "non_self", "joint")  # 自管、非自管、联管
# parttime_member: a 兼职委员 of the big committee (大党委), from a resident unit or a
# non-self-managed resident member; not counted in the committee's 5-7 / 3-5 seats.
COMMITTEE_ROLES = ("secretary", "fulltime_deputy", "parttime_deputy", "member", "parttime_member")
EDUCATION_LEVELS = (
    "primary",
    "junior",
    "senior",
    "secondary_vocational",
    "associate",
    "bachelor",
    "master",
    "doctorate",
)
REPORTING_STATUSES = ("pending", "reported", "left")  # 待报到、已报到、已迁出
SPECIAL_CATEGORIES = ("mobile", "elderly_frail", "hardship")  # 外出流动、年老体弱、生活困难
POST_KINDS = ("job", "grid_management", "volunteer")  # 本职岗位、网格化管理岗位、义务奉献岗位
OFFICES = (
    "workstation_head",  # 社区工作站站长
    "zongzhiban_director",  # 综治办主任
    "juweihui_director",  # 居委会主任
    "resident_unit_party_head",  # 驻社区单位党组织负责人
)
EVALUATION_TITLES = ("management_vanguard", "service_model")  # 争当社区管理先锋、争做服务群众模范
EVALUATION_STAGES = ("nominated", "publicized", "chosen", "not_chosen")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


region = Table(
    "region",
    metadata,
    # 统计用区划代码: 6 digits district, 9 street/township, 12 community.
    Column("code", String(12), primary_key=True),
    Column("name", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("level", Text, nullable=False),
    Column("parent_code", String(12), ForeignKey("region.code"), nullable=True),
    Column("is_pilot", Boolean, nullable=False, server_default="false"),  # 试点社区
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # A place that merged or split away: kept (data hangs from it), refuses new data.
    Column("retired_at", DateTime(timezone=True), nullable=True),
    CheckConstraint(_in("level", REGION_LEVELS), name="region_level"),
    CheckConstraint("code ~ '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$'", name="region_code_digits"),
    CheckConstraint(
        "(level = 'district') = (length(code) = 6) AND (level = 'community') = (length(code) = 12)",
        name="region_code_length_matches_level",
    ),
    CheckConstraint("(parent_code IS NULL) = (level = 'district')", name="region_parent"),
)
Index("region_parent_idx", region.c.parent_code)

party_organization = Table(
    "party_organization",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_code", String(12), ForeignKey("region.code"), nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("parent_id", Uuid, ForeignKey("party_organization.id"), nullable=True),
    Column("units", ARRAY(Text), nullable=False, server_default="{}"),  # see UNITS
    Column("dissolved_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("external_id", Text, nullable=True),  # the roster system's code (re-imports)
    Column("founded_on", Date, nullable=True),  # 成立日期
    CheckConstraint(_in("kind", ORGANIZATION_KINDS), name="party_organization_kind"),
    CheckConstraint("parent_id IS DISTINCT FROM id", name="party_organization_not_own_parent"),
)
Index("party_organization_community_idx", party_organization.c.community_code)
Index("party_organization_parent_idx", party_organization.c.parent_id)
# The roster system's codes are unique per district (its communities' first six digits):
# two districts may number alike.
Index(
    "party_organization_district_external_id",
    func.left(party_organization.c.community_code, 6),
    party_organization.c.external_id,
    unique=True,
    postgresql_where=party_organization.c.external_id.is_not(None),
)
# plan (二): a community has exactly one community Party organization.
Index(
    "party_organization_one_per_community",
    party_organization.c.community_code,
    unique=True,
    postgresql_where=party_organization.c.kind.in_(
        ("community_committee", "general_branch", "branch")
    )
    & party_organization.c.dissolved_at.is_(None),
)

member = Table(
    "member",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_code", String(12), ForeignKey("region.code"), nullable=False),
    Column("name", Text, nullable=False),
    Column("gender", String(1), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("education", Text, nullable=False),
    Column("joined_on", Date, nullable=False),
    Column("is_probationary", Boolean, nullable=False, server_default="false"),
    Column("management", Text, nullable=False),
    Column("organization_id", Uuid, ForeignKey("party_organization.id"), nullable=True),
    Column("home_building_id", Uuid, nullable=True),  # a grid Building id
    Column("employer_unit", Text, nullable=True),
    Column("reported_in_on", Date, nullable=True),  # 党员报到
    Column("reporting_unit", Text, nullable=True),  # the unit it reported in from
    Column("reporting_status", Text, nullable=True),  # see REPORTING_STATUSES
    Column("is_able", Boolean, nullable=False, server_default="true"),  # 有活动能力
    Column("is_sent_down_cadre", Boolean, nullable=False, server_default="false"),  # 下派科级干部
    Column("phone", Text, nullable=True),  # personal: shown only within scope and role
    Column("left_on", Date, nullable=True),  # moved away, transferred out, deceased
    Column("version", Integer, nullable=False, server_default="1"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("external_id", Text, nullable=True),  # 党员编号 of the roster system (re-imports)
    Column("ethnicity", Text, nullable=True),  # 民族
    Column("confirmed_on", Date, nullable=True),  # 转正日期
    CheckConstraint("gender IN ('M', 'F')", name="member_gender"),
    CheckConstraint(_in("management", MANAGEMENT_TYPES), name="member_management"),
    CheckConstraint(_in("education", EDUCATION_LEVELS), name="member_education"),
    CheckConstraint(
        f"reporting_status IS NULL OR {_in('reporting_status', REPORTING_STATUSES)}",
        name="member_reporting_status",
    ),
    # plan (三): self-managed members belong to the community's own organization; the others
    # hold their membership elsewhere and report in.
    CheckConstraint(
        "(management = 'self') = (reporting_status IS NULL)", name="member_reporting_by_management"
    ),
    CheckConstraint("joined_on > birth_date", name="member_joined_after_birth"),
)
Index("member_community_idx", member.c.community_code)
Index("member_home_building_idx", member.c.home_building_id)
Index("member_organization_idx", member.c.organization_id)
Index(  # per district, like the organizations' codes
    "member_district_external_id",
    func.left(member.c.community_code, 6),
    member.c.external_id,
    unique=True,
    postgresql_where=member.c.external_id.is_not(None),
)

committee_membership = Table(
    "committee_membership",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_code", String(12), ForeignKey("region.code"), nullable=False),
    Column("organization_id", Uuid, ForeignKey("party_organization.id"), nullable=False),
    Column("member_id", Uuid, ForeignKey("member.id"), nullable=False),
    Column("role", Text, nullable=False),
    Column("term_start", Date, nullable=True),
    Column("term_end", Date, nullable=True),
    Column("ended_on", Date, nullable=True),  # removed from the committee; kept as history
    Column("resident_unit_id", Uuid, ForeignKey("resident_unit.id"), nullable=True),
    CheckConstraint(_in("role", COMMITTEE_ROLES), name="committee_role"),
    CheckConstraint("term_end IS NULL OR term_end >= term_start", name="committee_term_order"),
)
Index("committee_membership_org_idx", committee_membership.c.organization_id)
_seated = committee_membership.c.ended_on.is_(None)
# A member holds at most one seat on a committee; one secretary, one full-time deputy and at
# most one part-time deputy per committee (plan 二). Seat counts are checked by trigger.
Index(
    "committee_one_seat_per_member",
    committee_membership.c.organization_id,
    committee_membership.c.member_id,
    unique=True,
    postgresql_where=_seated,
)
Index(
    "committee_one_holder_per_leading_role",
    committee_membership.c.organization_id,
    committee_membership.c.role,
    unique=True,
    postgresql_where=_seated
    & committee_membership.c.role.in_(("secretary", "fulltime_deputy", "parttime_deputy")),
)

resident_unit = Table(
    "resident_unit",  # 驻社区单位
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_code", String(12), ForeignKey("region.code"), nullable=False),
    Column("name", Text, nullable=False),
    Column("address", Text, nullable=False, server_default=""),
    Column("party_organization_name", Text, nullable=True),  # its own Party organization
    Column("agreement_signed_on", Date, nullable=True),  # 共建协议
    Column("agreement_summary", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("resident_unit_community_idx", resident_unit.c.community_code)

member_office = Table(
    "member_office",  # offices held concurrently (兼任), e.g. the workstation head
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_code", String(12), ForeignKey("region.code"), nullable=False),
    Column("member_id", Uuid, ForeignKey("member.id"), nullable=False),
    Column("office", Text, nullable=False),
    Column("resident_unit_id", Uuid, ForeignKey("resident_unit.id"), nullable=True),
    Column("since", Date, nullable=True),
    CheckConstraint(_in("office", OFFICES), name="member_office_kind"),
)
Index("member_office_member_idx", member_office.c.member_id)

member_category = Table(
    "member_category",  # 分类管理: members needing service or assistance
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_code", String(12), ForeignKey("region.code"), nullable=False),
    Column("member_id", Uuid, ForeignKey("member.id"), nullable=False),
    Column("category", Text, nullable=False),
    Column("helper_member_id", Uuid, ForeignKey("member.id"), nullable=True),
    Column("helper_contact", Text, nullable=True),  # a contact who is not a member
    Column("since", Date, nullable=True),
    CheckConstraint(_in("category", SPECIAL_CATEGORIES), name="member_category_kind"),
    CheckConstraint("helper_member_id IS DISTINCT FROM member_id", name="member_not_own_helper"),
)
Index("member_category_once", member_category.c.member_id, member_category.c.category, unique=True)

post = Table(
    "post",  # 明岗定责
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_code", String(12), ForeignKey("region.code"), nullable=False),
    Column("member_id", Uuid, ForeignKey("member.id"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("organization_id", Uuid, ForeignKey("party_organization.id"), nullable=True),
    Column("claimed_on", Date, nullable=False),
    Column("released_on", Date, nullable=True),
    CheckConstraint(_in("kind", POST_KINDS), name="post_kind"),
    CheckConstraint("released_on IS NULL OR released_on >= claimed_on", name="post_dates"),
)
Index("post_member_idx", post.c.member_id)

volunteer_team = Table(
    "volunteer_team",  # 党员志愿者服务队
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_code", String(12), ForeignKey("region.code"), nullable=False),
    Column("name", Text, nullable=False),
    Column("organization_id", Uuid, ForeignKey("party_organization.id"), nullable=True),
    Column("founded_on", Date, nullable=True),
)
Index("volunteer_team_community_idx", volunteer_team.c.community_code)

volunteer_team_member = Table(
    "volunteer_team_member",
    metadata,
    Column("team_id", Uuid, ForeignKey("volunteer_team.id"), nullable=False),
    Column("member_id", Uuid, ForeignKey("member.id"), nullable=False),
    Column("community_code", String(12), ForeignKey("region.code"), nullable=False),
    Column("joined_on", Date, nullable=True),
    PrimaryKeyConstraint("team_id", "member_id"),
)

evaluation = Table(
    "evaluation",  # 双争: excellent members chosen jointly, publicized, fed back
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_code", String(12), ForeignKey("region.code"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("member_id", Uuid, ForeignKey("member.id"), nullable=False),
    Column("stage", Text, nullable=False, server_default="nominated"),
    Column("nominated_on", Date, nullable=False),
    Column("nominated_by", Text, nullable=False, server_default=""),
    Column("reason", Text, nullable=False, server_default=""),
    Column("publicized_from", Date, nullable=True),  # 公示
    Column("publicized_until", Date, nullable=True),
    Column("decided_on", Date, nullable=True),
    CheckConstraint(_in("title", EVALUATION_TITLES), name="evaluation_title"),
    CheckConstraint(_in("stage", EVALUATION_STAGES), name="evaluation_stage"),
)
Index(
    "evaluation_once_per_year",
    evaluation.c.member_id,
    evaluation.c.year,
    evaluation.c.title,
    unique=True,
)

evaluation_feedback = Table(
    "evaluation_feedback",  # 反馈党员所在单位党组织
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_code", String(12), ForeignKey("region.code"), nullable=False),
    Column("evaluation_id", Uuid, ForeignKey("evaluation.id"), nullable=False),
    Column("unit_name", Text, nullable=False),
    Column("unit_party_organization", Text, nullable=False),
    Column("sent_on", Date, nullable=False),
    Column("content", Text, nullable=False),
)
Index("evaluation_feedback_evaluation_idx", evaluation_feedback.c.evaluation_id)

# One row: bumped once by every committed transaction that changed a table the rule checker
# reads (triggers of org_0008), so a reader can keep facts loaded at a version until it moves
# (services/org/rules/facts_cache.py).
facts_version = Table(
    "facts_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False, server_default="0"),
    # New at every bump (org_0009): a restored database counting up again names new states.
    Column("token", Uuid(as_uuid=False), nullable=False, server_default=func.gen_random_uuid()),
    CheckConstraint("id = 1", name="facts_version_one_row"),
)
