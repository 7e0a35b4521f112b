"""org: members in full, committees, resident units, posts, volunteer teams, evaluation (双争)

Revision ID: org_0002
Revises: org_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "org_0002"
down_revision = "org_0001"
branch_labels = None
depends_on = None

# Frozen copies of the value lists at this revision (models.py may move on).
OLD_KINDS = (
    "community_committee",
    "general_branch",
    "branch",
    "grid_branch",
    "party_group",
    "functional_branch",
    "special_branch",
)
KINDS = (*OLD_KINDS, "functional_group", "special_group")
ROLES = ("secretary", "fulltime_deputy", "parttime_deputy", "member", "parttime_member")
EDUCATION = (
    "primary",
    "junior",
    "senior",
    "secondary_vocational",
    "associate",
    "bachelor",
    "master",
    "doctorate",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


MEMBER_CHECKS = {
    "member_education": _in("education", EDUCATION),
    "member_reporting_status": (
        "reporting_status IS NULL OR reporting_status IN ('pending', 'reported', 'left')"
    ),
    "member_reporting_by_management": "(management = 'self') = (reporting_status IS NULL)",
    "member_joined_after_birth": "joined_on > birth_date",
}


def _replace_check(table: str, name: str, condition: str) -> None:
    op.drop_constraint(name, table, schema="org", type_="check")
    op.create_check_constraint(name, table, condition, schema="org")


def upgrade() -> None:
    op.create_table(
        "resident_unit",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), server_default="", nullable=False),
        sa.Column("party_organization_name", sa.Text(), nullable=True),
        sa.Column("agreement_signed_on", sa.Date(), nullable=True),
        sa.Column("agreement_summary", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["org.region.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="org",
    )
    op.create_index(
        "resident_unit_community_idx",
        "resident_unit",
        ["community_code"],
        unique=False,
        schema="org",
    )
    op.create_table(
        "volunteer_team",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("founded_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["org.region.code"],
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["org.party_organization.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="org",
    )
    op.create_index(
        "volunteer_team_community_idx",
        "volunteer_team",
        ["community_code"],
        unique=False,
        schema="org",
    )
    op.create_table(
        "evaluation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("stage", sa.Text(), server_default="nominated", nullable=False),
        sa.Column("nominated_on", sa.Date(), nullable=False),
        sa.Column("nominated_by", sa.Text(), server_default="", nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("publicized_from", sa.Date(), nullable=True),
        sa.Column("publicized_until", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "stage IN ('nominated', 'publicized', 'chosen', 'not_chosen')", name="evaluation_stage"
        ),
        sa.CheckConstraint(
            "title IN ('management_vanguard', 'service_model')", name="evaluation_title"
        ),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["org.region.code"],
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["org.member.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="org",
    )
    op.create_index(
        "evaluation_once_per_year",
        "evaluation",
        ["member_id", "year", "title"],
        unique=True,
        schema="org",
    )
    op.create_table(
        "member_category",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("helper_member_id", sa.Uuid(), nullable=True),
        sa.Column("helper_contact", sa.Text(), nullable=True),
        sa.Column("since", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "category IN ('mobile', 'elderly_frail', 'hardship')", name="member_category_kind"
        ),
        sa.CheckConstraint(
            "helper_member_id IS DISTINCT FROM member_id", name="member_not_own_helper"
        ),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["org.region.code"],
        ),
        sa.ForeignKeyConstraint(
            ["helper_member_id"],
            ["org.member.id"],
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["org.member.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="org",
    )
    op.create_index(
        "member_category_once",
        "member_category",
        ["member_id", "category"],
        unique=True,
        schema="org",
    )
    op.create_table(
        "member_office",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("office", sa.Text(), nullable=False),
        sa.Column("resident_unit_id", sa.Uuid(), nullable=True),
        sa.Column("since", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "office IN ('workstation_head', 'zongzhiban_director', 'juweihui_director', 'resident_unit_party_head')",
            name="member_office_kind",
        ),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["org.region.code"],
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["org.member.id"],
        ),
        sa.ForeignKeyConstraint(
            ["resident_unit_id"],
            ["org.resident_unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="org",
    )
    op.create_index(
        "member_office_member_idx", "member_office", ["member_id"], unique=False, schema="org"
    )
    op.create_table(
        "post",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("claimed_on", sa.Date(), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.CheckConstraint("kind IN ('job', 'grid_management', 'volunteer')", name="post_kind"),
        sa.CheckConstraint("released_on IS NULL OR released_on >= claimed_on", name="post_dates"),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["org.region.code"],
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["org.member.id"],
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["org.party_organization.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="org",
    )
    op.create_index("post_member_idx", "post", ["member_id"], unique=False, schema="org")
    op.create_table(
        "volunteer_team_member",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["org.region.code"],
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["org.member.id"],
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["org.volunteer_team.id"],
        ),
        sa.PrimaryKeyConstraint("team_id", "member_id"),
        schema="org",
    )
    op.create_table(
        "evaluation_feedback",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("evaluation_id", sa.Uuid(), nullable=False),
        sa.Column("unit_name", sa.Text(), nullable=False),
        sa.Column("unit_party_organization", sa.Text(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["org.region.code"],
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["org.evaluation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="org",
    )
    op.create_index(
        "evaluation_feedback_evaluation_idx",
        "evaluation_feedback",
        ["evaluation_id"],
        unique=False,
        schema="org",
    )
    op.add_column(
        "committee_membership", sa.Column("ended_on", sa.Date(), nullable=True), schema="org"
    )
    op.add_column(
        "committee_membership",
        sa.Column("resident_unit_id", sa.Uuid(), nullable=True),
        schema="org",
    )
    op.create_index(
        "committee_one_holder_per_leading_role",
        "committee_membership",
        ["organization_id", "role"],
        unique=True,
        schema="org",
        postgresql_where=sa.text(
            "ended_on IS NULL AND role IN ('secretary', 'fulltime_deputy', 'parttime_deputy')"
        ),
    )
    op.create_index(
        "committee_one_seat_per_member",
        "committee_membership",
        ["organization_id", "member_id"],
        unique=True,
        schema="org",
        postgresql_where=sa.text("ended_on IS NULL"),
    )
    op.create_foreign_key(
        "committee_membership_resident_unit_id_fkey",
        "committee_membership",
        "resident_unit",
        ["resident_unit_id"],
        ["id"],
        source_schema="org",
        referent_schema="org",
    )
    op.add_column("member", sa.Column("reporting_unit", sa.Text(), nullable=True), schema="org")
    op.add_column("member", sa.Column("reporting_status", sa.Text(), nullable=True), schema="org")
    op.add_column(
        "member",
        sa.Column("is_able", sa.Boolean(), server_default="true", nullable=False),
        schema="org",
    )
    op.add_column(
        "member",
        sa.Column("is_sent_down_cadre", sa.Boolean(), server_default="false", nullable=False),
        schema="org",
    )
    op.add_column("member", sa.Column("phone", sa.Text(), nullable=True), schema="org")
    op.add_column("member", sa.Column("left_on", sa.Date(), nullable=True), schema="org")
    op.add_column(
        "member",
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        schema="org",
    )
    op.add_column(
        "party_organization",
        sa.Column("units", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        schema="org",
    )
    op.add_column(
        "party_organization",
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        schema="org",
    )
    op.execute("UPDATE party_organization SET units = ARRAY[unit] WHERE unit IS NOT NULL")
    op.drop_column("party_organization", "unit", schema="org")
    _replace_check("party_organization", "party_organization_kind", _in("kind", KINDS))
    op.create_check_constraint(
        "party_organization_not_own_parent",
        "party_organization",
        "parent_id IS DISTINCT FROM id",
        schema="org",
    )
    _replace_check("committee_membership", "committee_role", _in("role", ROLES))
    op.create_check_constraint(
        "committee_term_order",
        "committee_membership",
        "term_end IS NULL OR term_end >= term_start",
        schema="org",
    )
    # Non-self-managed and jointly managed members report in (报到); their status follows.
    op.execute(
        "UPDATE member SET reporting_status = CASE WHEN reported_in_on IS NULL THEN 'pending' "
        "ELSE 'reported' END, reporting_unit = employer_unit WHERE management <> 'self'"
    )
    for name, condition in MEMBER_CHECKS.items():
        op.create_check_constraint(name, "member", condition, schema="org")


def downgrade() -> None:
    for name in MEMBER_CHECKS:
        op.drop_constraint(name, "member", schema="org", type_="check")
    op.drop_constraint("committee_term_order", "committee_membership", schema="org", type_="check")
    op.drop_constraint(
        "party_organization_not_own_parent", "party_organization", schema="org", type_="check"
    )
    op.execute("DELETE FROM committee_membership WHERE role = 'parttime_member'")
    _replace_check("committee_membership", "committee_role", _in("role", ROLES[:4]))
    op.execute("DELETE FROM party_organization WHERE kind IN ('functional_group', 'special_group')")
    _replace_check("party_organization", "party_organization_kind", _in("kind", OLD_KINDS))
    op.add_column(
        "party_organization",
        sa.Column("unit", sa.TEXT(), autoincrement=False, nullable=True),
        schema="org",
    )
    op.drop_column("party_organization", "version", schema="org")
    op.execute("UPDATE party_organization SET unit = units[1]")
    op.drop_column("party_organization", "units", schema="org")
    op.drop_column("member", "version", schema="org")
    op.drop_column("member", "left_on", schema="org")
    op.drop_column("member", "phone", schema="org")
    op.drop_column("member", "is_sent_down_cadre", schema="org")
    op.drop_column("member", "is_able", schema="org")
    op.drop_column("member", "reporting_status", schema="org")
    op.drop_column("member", "reporting_unit", schema="org")
    # WARNING: constraint name is None; this directive will fail as
    # rendered.  Add a name, or use a naming convention; see
    # https://alembic.sqlalchemy.org/en/latest/naming.html
    op.drop_constraint(
        "committee_membership_resident_unit_id_fkey",
        "committee_membership",
        schema="org",
        type_="foreignkey",
    )
    op.drop_index(
        "committee_one_seat_per_member",
        table_name="committee_membership",
        schema="org",
        postgresql_where=sa.text("ended_on IS NULL"),
    )
    op.drop_index(
        "committee_one_holder_per_leading_role",
        table_name="committee_membership",
        schema="org",
        postgresql_where=sa.text(
            "ended_on IS NULL AND role IN ('secretary', 'fulltime_deputy', 'parttime_deputy')"
        ),
    )
    op.drop_column("committee_membership", "resident_unit_id", schema="org")
    op.drop_column("committee_membership", "ended_on", schema="org")
    op.drop_index(
        "evaluation_feedback_evaluation_idx", table_name="evaluation_feedback", schema="org"
    )
    op.drop_table("evaluation_feedback", schema="org")
    op.drop_table("volunteer_team_member", schema="org")
    op.drop_index("post_member_idx", table_name="post", schema="org")
    op.drop_table("post", schema="org")
    op.drop_index("member_office_member_idx", table_name="member_office", schema="org")
    op.drop_table("member_office", schema="org")
    op.drop_index("member_category_once", table_name="member_category", schema="org")
    op.drop_table("member_category", schema="org")
    op.drop_index("evaluation_once_per_year", table_name="evaluation", schema="org")
    op.drop_table("evaluation", schema="org")
    op.drop_index("volunteer_team_community_idx", table_name="volunteer_team", schema="org")
    op.drop_table("volunteer_team", schema="org")
    op.drop_index("resident_unit_community_idx", table_name="resident_unit", schema="org")
    op.drop_table("resident_unit", schema="org")
