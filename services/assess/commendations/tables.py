"""Tables of star ratings (星级模范), five-good organizations (五好) and July-1 commendation lists.

Org and grid objects (units, members) are referred to by id only; what was read of them when a
rating or an entry was made is kept beside it (names, facts), so a list stays readable as it
was published whatever happens to the organizations later.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from services.assess.metadata import metadata

# The criteria of 双创 and the 七一 list, as versioned YAML documents (like the standard).
commendation_criteria = Table(
    "commendation_criteria",
    metadata,
    Column("id", Text, primary_key=True),  # "<code>@<version>", "<district>/<code>@<version>"
    Column("code", Text, nullable=False),
    # The district that loaded it (6 digits); NULL: shared, the shipped default (document_owners).
    Column("district_code", Text),
    Column("version", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("is_current", Boolean, nullable=False, server_default="false"),
    Column("document", Text, nullable=False),
    Column("loaded_by", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("version >= 1", name="commendation_criteria_version_positive"),
    CheckConstraint("district_code ~ '^[0-9]{6}$'", name="commendation_criteria_district_code"),
)
# One version per number and owner; one current version per owner (the shared one: '').
Index(
    "commendation_criteria_owner_code_version",
    func.coalesce(commendation_criteria.c.district_code, ""),
    commendation_criteria.c.code,
    commendation_criteria.c.version,
    unique=True,
)
Index(
    "commendation_criteria_one_current",
    func.coalesce(commendation_criteria.c.district_code, ""),
    unique=True,
    postgresql_where=commendation_criteria.c.is_current,
)

# An attested star criterion of a unit for a year, recorded by the street office with a note.
star_attestation = Table(
    "star_attestation",
    metadata,
    Column("unit_id", UUID(as_uuid=True), primary_key=True),  # org PartyOrganization id
    Column("year", Integer, primary_key=True),
    Column("criterion", Text, primary_key=True),  # a star criterion's code
    Column("community_code", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("attested_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("length(btrim(note)) > 0", name="star_attestation_note"),
)
Index("star_attestation_community_year", star_attestation.c.community_code, star_attestation.c.year)

# The stars a street office awarded a grid branch or Party group for a year, beside the stars
# computed when it awarded them (a difference needs a reason).
star_rating = Table(
    "star_rating",
    metadata,
    Column("unit_id", UUID(as_uuid=True), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("community_code", Text, nullable=False),
    Column("unit_kind", Text, nullable=False),  # grid_branch | party_group
    Column("unit_name", Text, nullable=False),
    Column("criteria_id", Text, ForeignKey("commendation_criteria.id"), nullable=False),
    Column("computed_stars", Integer, nullable=False),
    Column("awarded_stars", Integer, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    # The unit's leader when awarded: {"id", "name", "management", "part_time"} or null.
    Column("leader", JSONB),
    Column("facts", JSONB, nullable=False),  # each criterion's value, threshold, met
    Column("awarded_by", Text, nullable=False),
    Column("awarded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("unit_kind IN ('grid_branch', 'party_group')", name="star_rating_unit_kind"),
    CheckConstraint("computed_stars BETWEEN 0 AND 5", name="star_rating_computed_range"),
    CheckConstraint("awarded_stars BETWEEN 0 AND 5", name="star_rating_awarded_range"),
)
Index("star_rating_community_year", star_rating.c.community_code, star_rating.c.year)

# 五好社区党组织: one evaluation per community and year, nominated by the street office and
# confirmed (or not) by the district.
five_good = Table(
    "five_good",
    metadata,
    Column("community_code", Text, primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("organization_id", UUID(as_uuid=True)),
    Column("organization_name", Text, nullable=False),
    Column("criteria_id", Text, ForeignKey("commendation_criteria.id"), nullable=False),
    Column("stage", Text, nullable=False),
    Column("goods", JSONB, nullable=False),  # each good and its conditions as evaluated
    Column("note", Text, nullable=False, server_default=""),
    Column("nominated_by", Text, nullable=False),
    Column("nominated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("decided_by", Text),
    Column("decided_at", DateTime(timezone=True)),
    Column("decision_reason", Text, nullable=False, server_default=""),
    CheckConstraint("stage IN ('nominated', 'confirmed', 'rejected')", name="five_good_stage"),
)

# 七一 commendation lists: one per district and year, draft until the district publishes it.
commendation_list = Table(
    "commendation_list",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("district_code", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("criteria_id", Text, ForeignKey("commendation_criteria.id"), nullable=False),
    Column("state", Text, nullable=False, server_default="draft"),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("drafted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_by", Text),
    Column("published_at", DateTime(timezone=True)),
    UniqueConstraint("district_code", "year", name="commendation_list_district_year"),
    CheckConstraint("state IN ('draft', 'published')", name="commendation_list_state"),
    CheckConstraint(
        "(state = 'published') = (published_at IS NOT NULL)", name="commendation_list_published"
    ),
)

commendation_entry = Table(
    "commendation_entry",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column(
        "list_id",
        UUID(as_uuid=True),
        ForeignKey("commendation_list.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("category", Text, nullable=False),
    Column("subject_id", UUID(as_uuid=True), nullable=False),  # a member or an organization
    Column("subject_name", Text, nullable=False),
    Column("community_code", Text, nullable=False),
    Column("management", Text),  # self | non_self | joint; null for an organization
    Column("part_time_member", Boolean, nullable=False, server_default="false"),
    # How it got on the list: five_good | star_rating | evaluation (computed) | nomination.
    Column("source", Text, nullable=False),
    Column("basis", JSONB, nullable=False),  # the criteria met: [{"code", "zh", "en"}]
    Column("reason", Text, nullable=False, server_default=""),
    Column("added_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("list_id", "category", "subject_id", name="commendation_entry_once"),
    CheckConstraint(
        "category IN ('five_good_organization', 'excellent_party_worker', 'excellent_member')",
        name="commendation_entry_category",
    ),
    CheckConstraint(
        "source IN ('five_good', 'star_rating', 'evaluation', 'nomination')",
        name="commendation_entry_source",
    ),
    CheckConstraint(
        "management IS NULL OR management IN ('self', 'non_self', 'joint')",
        name="commendation_entry_management",
    ),
)
Index("commendation_entry_list", commendation_entry.c.list_id, commendation_entry.c.community_code)
