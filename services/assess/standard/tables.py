"""Tables of grading standards (data the district edits) and their indicators.

Every package keeps its tables on the one metadata (services/assess/metadata.py)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from services.assess.metadata import metadata

# 《社区党组织分类定级参考标准》: one row per version the district has loaded. A version is
# never changed once loaded: assessments name the version they were made under.
standard = Table(
    "standard",
    metadata,
    Column("id", Text, primary_key=True),  # "<code>@<version>", "<district>/<code>@<version>"
    Column("code", Text, nullable=False),  # the standard's own id in its document
    # The district that loaded it (6 digits); NULL: shared, the shipped default (document_owners).
    Column("district_code", Text),
    Column("version", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("source", Text, nullable=False),  # where its rules come from
    # Grades best first, each {"id", "name", "name_en", "min_score"}.
    Column("grades", JSONB, nullable=False),
    Column("total_weight", Numeric(8, 2), nullable=False),
    # The current version: new assessments use it.
    Column("is_default", Boolean, nullable=False, server_default="false"),
    Column("document", Text, nullable=False),  # the YAML as loaded, kept for the record
    Column("loaded_by", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("version >= 1", name="standard_version_positive"),
    CheckConstraint("district_code ~ '^[0-9]{6}$'", name="standard_district_code"),
)
# One version per number and owner; one current version per owner (the shared one: '').
Index(
    "standard_owner_code_version",
    func.coalesce(standard.c.district_code, ""),
    standard.c.code,
    standard.c.version,
    unique=True,
)
Index(
    "standard_one_default",
    func.coalesce(standard.c.district_code, ""),
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
    Column("metric", Text),  # computed: a measure in services/assess/metrics/catalog.py
    Column("record", Text),  # attested: a check in services/assess/records/checks.py
    Column("params", JSONB, nullable=False, server_default="{}"),
    Column("weight", Numeric(6, 2), nullable=False),
    Column("threshold", Numeric(6, 4), nullable=False),  # pass mark, a share 0..1
    Column("plan_clause", Text, nullable=False, server_default=""),
    CheckConstraint("measured IN ('computed', 'attested')", name="indicator_measured"),
    CheckConstraint("weight >= 0", name="indicator_weight_nonnegative"),
    CheckConstraint("threshold >= 0 AND threshold <= 1", name="indicator_threshold_share"),
    CheckConstraint(
        "(measured = 'computed' AND metric IS NOT NULL AND record IS NULL)"
        " OR (measured = 'attested' AND record IS NOT NULL AND metric IS NULL)",
        name="indicator_measure",
    ),
)
