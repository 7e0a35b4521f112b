"""Tables of attested records (of the kinds in kinds.py: funds, facilities, work rule, training,
work systems, activities, co-building agreements, 党务公开 postings) and their evidence files.

One `record` table for every kind: the columns the checks query are typed columns (kind, the
community, the date, the year it counts for, the amount, `subject` — the facility, work
system, training form or activity kind), the rest of a kind's fields are `details` (validated
by services/assess/records/writes.py before they are written). A record is never deleted or edited:
a wrong one is voided with a reason (kept for audit) and recorded again.

Evidence files are content-addressed: `evidence_blob` holds each distinct content once, keyed
by its SHA-256; `evidence` is one community's upload of it (the name shown, who, when).
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    Table,
    Text,
    UniqueConstraint,
    and_,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from services.assess.metadata import metadata

# The kinds a record may be (stored codes): what each is, its fields and checks, is described
# in kinds.py, which refuses to load unless it describes exactly these (tables sit below it).
RECORD_KINDS = (
    "funds",
    "fund_use",
    "facility",
    "work_rule",
    "training",
    "work_system",
    "sitting",
    "activity",
    "agreement",
    "disclosure",
)

evidence_blob = Table(
    "evidence_blob",
    metadata,
    Column("sha256", Text, primary_key=True),  # hex digest of `content`
    Column("content", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("media_type", Text, nullable=False),  # detected from the bytes, never declared
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="evidence_blob_sha256_hex"),
    CheckConstraint("size = octet_length(content)", name="evidence_blob_size"),
)

evidence = Table(
    "evidence",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("community_code", Text, nullable=False),
    Column("sha256", Text, ForeignKey("evidence_blob.sha256"), nullable=False),
    Column("name", Text, nullable=False),  # shown to users; our own file name is served
    Column("uploaded_by", Text, nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The same file uploaded twice for one community is one evidence (the upload is idempotent).
    UniqueConstraint("community_code", "sha256", name="evidence_community_content"),
)

record = Table(
    "record",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("community_code", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("occurred_on", Date, nullable=False),  # allocated, spent, since, adopted, held, signed
    Column("year", Integer, nullable=False),  # the year it counts for (funds: the budget year)
    Column("subject", Text),  # facility, work system, training form or activity kind
    Column("amount", Numeric(14, 2)),  # yuan: funds and fund uses
    Column("parent_id", UUID(as_uuid=True), ForeignKey("record.id")),  # a fund use's funds
    Column("details", JSONB, nullable=False, server_default="{}"),
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("voided_at", DateTime(timezone=True)),
    Column("voided_by", Text),
    Column("void_reason", Text),
    CheckConstraint(
        "kind IN (" + ", ".join(f"'{k}'" for k in RECORD_KINDS) + ")", name="record_kind"
    ),
    CheckConstraint("amount IS NULL OR amount >= 0", name="record_amount_nonnegative"),
    CheckConstraint(
        "(voided_at IS NULL AND voided_by IS NULL AND void_reason IS NULL)"
        " OR (voided_at IS NOT NULL AND voided_by IS NOT NULL AND void_reason <> '')",
        name="record_void_complete",
    ),
)
# What the checks read: a community's live records of a kind.
Index(
    "record_live",
    record.c.community_code,
    record.c.kind,
    record.c.year,
    postgresql_where=record.c.voided_at.is_(None),
)
Index("record_parent", record.c.parent_id, postgresql_where=record.c.parent_id.isnot(None))
# A work system is adopted once (void the adoption to correct it).
Index(
    "record_one_adoption",
    record.c.community_code,
    record.c.subject,
    unique=True,
    postgresql_where=and_(record.c.kind == "work_system", record.c.voided_at.is_(None)),
)

record_evidence = Table(
    "record_evidence",
    metadata,
    Column(
        "record_id",
        UUID(as_uuid=True),
        ForeignKey("record.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("evidence_id", UUID(as_uuid=True), ForeignKey("evidence.id"), primary_key=True),
    Column("attached_by", Text, nullable=False),
    Column("attached_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("record_evidence_evidence", record_evidence.c.evidence_id)
