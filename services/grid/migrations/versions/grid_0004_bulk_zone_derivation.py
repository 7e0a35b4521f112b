"""grid schema: a full re-assignment may write the zone_ids it derived in one pass

Revision ID: grid_0004
Revises: grid_0003
"""

from __future__ import annotations

from alembic import op

revision = "grid_0004"
down_revision = "grid_0003"
branch_labels = None
depends_on = None

# Only a write that changes nothing but zone_id is let through, and only while the writer
# has set partygrid.bulk_zone_derivation for its own transaction (services/grid/
# reassignment.py, which derived those zone_ids from the polygons set-wise just before).
BULK_AWARE = """
CREATE OR REPLACE FUNCTION building_derive_zone() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND current_setting('partygrid.bulk_zone_derivation', true) = 'on'
       AND NEW.footprint IS NOT DISTINCT FROM OLD.footprint
       AND NEW.community_code = OLD.community_code THEN
        RETURN NEW;
    END IF;
    NEW.zone_id := zone_of(NEW.community_code, NEW.footprint);
    RETURN NEW;
END
$$;
"""

ALWAYS = """
CREATE OR REPLACE FUNCTION building_derive_zone() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    NEW.zone_id := zone_of(NEW.community_code, NEW.footprint);
    RETURN NEW;
END
$$;
"""


def upgrade() -> None:
    op.execute(BULK_AWARE)


def downgrade() -> None:
    op.execute(ALWAYS)
