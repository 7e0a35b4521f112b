"""org schema: a random token beside org.facts_version's counter, new at every bump

The counter alone names a state of the facts only while history runs forward: a database
restored to an earlier moment (issue 18) counts up again from there, and the same number then
names different facts, which a running org would serve from its cache. Every bump now also
draws a new token, so (counter, token) never names two states (services/org/rules/facts_cache.py).

Revision ID: org_0009_facts_version_token
Revises: org_0008_facts_version
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "org_0009_facts_version_token"
down_revision = "org_0008_facts_version"
branch_labels = None
depends_on = None

BUMP = """
CREATE OR REPLACE FUNCTION org.bump_facts_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Once per transaction: the setting is local to it.
  IF coalesce(current_setting('partygrid.facts_bumped', true), '') <> 'yes' THEN
    UPDATE org.facts_version SET version = version + 1, token = gen_random_uuid() WHERE id = 1;
    PERFORM set_config('partygrid.facts_bumped', 'yes', true);
  END IF;
  RETURN NULL;
END $$"""

BUMP_BEFORE = """
CREATE OR REPLACE FUNCTION org.bump_facts_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Once per transaction: the setting is local to it.
  IF coalesce(current_setting('partygrid.facts_bumped', true), '') <> 'yes' THEN
    UPDATE org.facts_version SET version = version + 1 WHERE id = 1;
    PERFORM set_config('partygrid.facts_bumped', 'yes', true);
  END IF;
  RETURN NULL;
END $$"""


def upgrade() -> None:
    op.add_column(
        "facts_version",
        sa.Column(
            "token",
            sa.Uuid(as_uuid=False),
            nullable=False,
            server_default=sa.text("gen_random_uuid()"),
        ),
        schema="org",
    )
    op.execute(BUMP)


def downgrade() -> None:
    op.execute(BUMP_BEFORE)
    op.drop_column("facts_version", "token", schema="org")
