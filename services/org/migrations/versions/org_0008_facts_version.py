"""org schema: a version of the facts the rule checker reads (org.facts_version)

Every committed transaction that changed one of the tables `rules.facts.load_facts` reads
bumps it once, at commit (deferred constraint triggers; a transaction-local setting keeps it
to one bump however many rows changed; TRUNCATE bumps at once). Readers keep the facts they
loaded at a version and load again when it moves (services/org/rules/facts_cache.py).

Revision ID: org_0008_facts_version
Revises: org_0007_idempotency_claims
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "org_0008_facts_version"
down_revision = "org_0007_idempotency_claims"
branch_labels = None
depends_on = None

# The tables `load_facts` reads (tests/services/org/test_facts_cache.py holds it to that).
FACTS_TABLES = (
    "region",
    "party_organization",
    "member",
    "committee_membership",
    "member_office",
    "member_category",
    "post",
    "volunteer_team",
    "volunteer_team_member",
    "resident_unit",
)

BUMP = """
CREATE FUNCTION org.bump_facts_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Once per transaction: the setting is local to it.
  IF coalesce(current_setting('partygrid.facts_bumped', true), '') <> 'yes' THEN
    UPDATE org.facts_version SET version = version + 1 WHERE id = 1;
    PERFORM set_config('partygrid.facts_bumped', 'yes', true);
  END IF;
  RETURN NULL;
END $$"""


def upgrade() -> None:
    op.create_table(
        "facts_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
        sa.CheckConstraint("id = 1", name="facts_version_one_row"),
        schema="org",
    )
    op.execute("INSERT INTO org.facts_version (id, version) VALUES (1, 0)")
    op.execute(BUMP)
    for table in FACTS_TABLES:
        op.execute(
            f"CREATE CONSTRAINT TRIGGER facts_changed AFTER INSERT OR UPDATE OR DELETE "
            f"ON org.{table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            f"EXECUTE FUNCTION org.bump_facts_version()"
        )
        op.execute(
            f"CREATE TRIGGER facts_truncated AFTER TRUNCATE ON org.{table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION org.bump_facts_version()"
        )


def downgrade() -> None:
    for table in FACTS_TABLES:
        op.execute(f"DROP TRIGGER facts_truncated ON org.{table}")
        op.execute(f"DROP TRIGGER facts_changed ON org.{table}")
    op.execute("DROP FUNCTION org.bump_facts_version()")
    op.drop_table("facts_version", schema="org")
