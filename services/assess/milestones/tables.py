"""Tables of the plan's milestones and each community's status against them.

The schedule itself is data (services/assess/milestones/data/milestones.yaml); most milestones are proven
by what the service already knows (a determined assessment, indicator results). The rest are
attested: the street office records the date it was done, with a note.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Integer,
    Table,
    Text,
    func,
)

from services.assess.metadata import metadata

milestone_attestation = Table(
    "milestone_attestation",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("milestone", Text, primary_key=True),  # an id of data/milestones.yaml
    Column("community_code", Text, primary_key=True),
    Column("done_on", Date, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("attested_by", Text, nullable=False),
    Column("attested_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("community_code ~ '^[0-9]{12}$'", name="milestone_attestation_community"),
    CheckConstraint("year BETWEEN 2000 AND 2100", name="milestone_attestation_year"),
)
