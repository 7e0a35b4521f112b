"""Tables of monthly supervision reports (月报表) of street offices, their commentary and locks.

DOMAIN "Monthly supervision": each township/street office submits a monthly progress report.
One report per street office and month; its rows are a snapshot of each community taken when
it was generated (so a submitted report never moves when live data does), and the report's
stored snapshots are what the district's roll-up and trends read.
"""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from services.assess.metadata import metadata
from services.assess.standard.tables import standard

monthly_report = Table(
    "monthly_report",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("street_code", String(9), nullable=False),  # street office or township (9 digits)
    Column("month", String(7), nullable=False),  # YYYY-MM
    Column("street_name", Text, nullable=False),  # as org named it when generated
    Column("standard_id", Text, ForeignKey(standard.c.id), nullable=False),
    Column("status", Text, nullable=False, server_default="draft"),
    # The three parts such reports have: 工作进展、存在问题、下月计划.
    Column("progress", Text, nullable=False, server_default=""),
    Column("problems", Text, nullable=False, server_default=""),
    Column("next_plan", Text, nullable=False, server_default=""),
    # The month the changes were computed against (the previous month's report), if any.
    Column("compared_month", String(7)),
    Column("generated_by", Text, nullable=False),
    Column("generated_at", DateTime(timezone=True), nullable=False),
    Column("submitted_by", Text),
    Column("submitted_at", DateTime(timezone=True)),
    # The last return (district unlocks a submitted report, with a reason).
    Column("returned_by", Text),
    Column("returned_at", DateTime(timezone=True)),
    Column("return_reason", Text),
    Column("revision", Integer, nullable=False, server_default="1"),  # bumped by every write
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("street_code", "month", name="monthly_report_street_month"),
    CheckConstraint("street_code ~ '^[0-9]{9}$'", name="monthly_report_street_code"),
    CheckConstraint("month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'", name="monthly_report_month"),
    CheckConstraint("status IN ('draft', 'submitted')", name="monthly_report_status"),
    CheckConstraint(
        "(status = 'submitted') = (submitted_at IS NOT NULL AND submitted_by IS NOT NULL)",
        name="monthly_report_submitted",
    ),
)
Index("monthly_report_month_idx", monthly_report.c.month)

# One community of a report, as it stood when the report was generated.
monthly_report_row = Table(
    "monthly_report_row",
    metadata,
    Column(
        "report_id", Uuid, ForeignKey("monthly_report.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("community_code", String(12), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("score", Numeric(5, 2), nullable=False),
    Column("grade_id", Text, nullable=False),
    Column("grade_name", Text, nullable=False),
    Column("grade_name_en", Text, nullable=False),
    # True: the street office's determined grade (认定); False: the computed one (测算, 未认定).
    Column("grade_determined", Boolean, nullable=False),
    Column("meets_standard", Boolean, nullable=False),  # 三有四化
    Column("passed_codes", ARRAY(Text), nullable=False),
    Column("failed_codes", ARRAY(Text), nullable=False),
    Column("buildings", Integer, nullable=False),
    Column("covered", Integer, nullable=False),
    Column("zones", Integer, nullable=False),
    Column("zones_with_organization", Integer, nullable=False),
    Column("gap_counts", JSONB, nullable=False),  # grid's GapCounts, snake_case keys
    # Since the previous month's report: score_delta, newly_met, newly_failed,
    # building_percent_delta, zone_percent_delta, gaps_delta; NULL when there is none.
    Column("change", JSONB),
    Column("remark", Text, nullable=False, server_default=""),
    CheckConstraint("score >= 0 AND score <= 100", name="monthly_report_row_score"),
    CheckConstraint(
        "covered >= 0 AND covered <= buildings AND zones_with_organization >= 0"
        " AND zones_with_organization <= zones",
        name="monthly_report_row_counts",
    ),
)
