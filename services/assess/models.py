"""Tables of the assess schema: grading standards (data the district edits) and indicators."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "assess"
metadata = MetaData(schema=SCHEMA)

# 《社区党组织分类定级参考标准》: one row per standard the district has written.
standard = Table(
    "standard",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("source", Text, nullable=False),  # where its rules come from
    # Grades best first, each {"id", "name", "name_en", "min_score"}.
    Column("grades", JSONB, nullable=False),
    Column("is_default", Boolean, nullable=False, server_default="false"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index(
    "standard_one_default",
    standard.c.is_default,
    unique=True,
    postgresql_where=standard.c.is_default,
)

indicator = Table(
    "indicator",
    metadata,
    Column("standard_id", Text, ForeignKey("standard.id", ondelete="CASCADE"), primary_key=True),
    Column("code", Text, primary_key=True),  # P1, M1, ... as in the standard
    Column("position", Integer, nullable=False),
    Column("group_name", Text, nullable=False),  # 三有·有人管事
    Column("group_en", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("measured", Text, nullable=False),  # computed | attested
    Column("sources", Text, nullable=False, server_default=""),  # services it reads: org,grid
    Column("weight", Numeric(6, 2), nullable=False),
    Column("threshold", Numeric(6, 4), nullable=False),  # pass mark, a share 0..1
    Column("plan_clause", Text, nullable=False, server_default=""),
    CheckConstraint("measured IN ('computed', 'attested')", name="indicator_measured"),
    CheckConstraint("weight >= 0", name="indicator_weight_nonnegative"),
    CheckConstraint("threshold >= 0 AND threshold <= 1", name="indicator_threshold_share"),
)
