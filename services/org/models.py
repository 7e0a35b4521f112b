"""Tables of the org schema: the region tree, Party organizations, members, committees.

Every row carries its community code so the tables can be distributed by community.
References to grid objects (a member's home building) are ids only: no cross-schema keys.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    func,
)

SCHEMA = "org"
metadata = MetaData(schema=SCHEMA)

REGION_LEVELS = ("district", "street", "township", "community")
ORGANIZATION_KINDS = (
    "community_committee",  # 社区党委
    "general_branch",  # 社区党总支
    "branch",  # 社区党支部
    "grid_branch",  # 网格党支部/分支部
    "party_group",  # 党小组
    "functional_branch",  # 工作站、综治办、居委会 党支部/党小组
    "special_branch",  # 业委会、志愿者服务队、文体活动宣传队 特色党支部/党小组
)
MANAGEMENT_TYPES = ("self", "non_self", "joint")  # 自管、非自管、联管
COMMITTEE_ROLES = ("secretary", "fulltime_deputy", "parttime_deputy", "member")


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
    Column("unit", Text, nullable=True),  # functional/special: which unit it sits in
    Column("dissolved_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(_in("kind", ORGANIZATION_KINDS), name="party_organization_kind"),
)
Index("party_organization_community_idx", party_organization.c.community_code)
Index("party_organization_parent_idx", party_organization.c.parent_id)
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
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("gender IN ('M', 'F')", name="member_gender"),
    CheckConstraint(_in("management", MANAGEMENT_TYPES), name="member_management"),
)
Index("member_community_idx", member.c.community_code)
Index("member_home_building_idx", member.c.home_building_id)
Index("member_organization_idx", member.c.organization_id)

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
    CheckConstraint(_in("role", COMMITTEE_ROLES), name="committee_role"),
)
Index("committee_membership_org_idx", committee_membership.c.organization_id)
