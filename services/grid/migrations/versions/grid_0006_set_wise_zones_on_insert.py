"""grid schema: a bulk insert of buildings derives their zones set-wise, once per statement

A building's zone is derived by the database (DOMAIN "Places"), row by row until now: on a
20,000-building import the per-row trigger cost more than the rest of the insert
(bench/geometry_import.py). Now:
- `zone_holding(community, footprint)` is the one definition of "the zone that holds a
  footprint"; `zone_of` (the per-row trigger's) calls it. It is a set-returning SQL function
  without a SET clause, so that PostgreSQL inlines it into set-wise statements as one index
  probe per row — hence its schema-qualified names, PostGIS's included.
- While a transaction has set `partygrid.bulk_zone_derivation` (services/grid/transfer.py,
  for its one INSERT), the per-row trigger is skipped on INSERT and a statement-level trigger
  derives the zone of every row the statement inserted, from its transition table, and
  corrects any that differs: whatever the writer put in zone_id, the database's rule holds.
  The writer derives them in its INSERT with the same function, so that nothing is written
  twice. UPDATEs are as grid_0004 left them.
- `natural_key`, which every insert computes for the stored `name_key`, answers a name with
  one run of at most 12 ASCII digits and no Chinese numeral (1号楼, 第3栋) with two regular
  expressions and no loop; every other name still goes through grid_0003's algorithm, now
  `natural_key_full`. Same keys (a test compares both with the tests' own reading).

Revision ID: grid_0006
Revises: grid_0005_idempotency
"""

from __future__ import annotations

from pathlib import Path

from alembic import op
from sqlalchemy import text

revision = "grid_0006"
down_revision = "grid_0005_idempotency"
branch_labels = None
depends_on = None

# `IS TRUE` keeps ST_Covers out of the index condition: as one (PostGIS's support function
# adds `boundary ~ point`), the interior point was computed for every footprint probed, even
# where no zone's box meets it; now only for the zones whose box does.
ZONE_HOLDING = """
CREATE FUNCTION zone_holding(p_community varchar, p_footprint geometry) RETURNS SETOF uuid
LANGUAGE sql STABLE ROWS 1 AS $$
    SELECT z.id FROM grid.zone z
    WHERE z.community_code = p_community
      AND z.boundary OPERATOR({postgis}.&&) p_footprint
      AND {postgis}.ST_Covers(z.boundary, {postgis}.ST_PointOnSurface(p_footprint)) IS TRUE
    ORDER BY z.id
    LIMIT 1
$$;
"""

ZONE_OF = """
CREATE OR REPLACE FUNCTION zone_of(p_community varchar, p_footprint geometry) RETURNS uuid
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT h FROM zone_holding(p_community, p_footprint) h
$$;
"""

# JIT off: the inlined PostGIS calls cost the plan of a 5,000-row statement over JIT's
# threshold, and compiling it took longer (~0.4 s) than running it.
SET_WISE = """
CREATE FUNCTION building_derive_zones_inserted() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT SET jit = off AS $$
BEGIN
    -- Writes zone_id alone, footprint unchanged: the per-row trigger lets it through while
    -- the flag is on (grid_0004).
    UPDATE building b SET zone_id = n.derived
    FROM (
        SELECT i.id, i.zone_id AS written,
               (SELECT h FROM zone_holding(i.community_code, i.footprint) h) AS derived
        FROM inserted i
    ) n
    WHERE n.written IS DISTINCT FROM n.derived AND b.id = n.id;
    RETURN NULL;
END
$$;
"""

TRIGGERS = """
DROP TRIGGER building_derive_zone ON building;
CREATE TRIGGER building_derive_zone
BEFORE UPDATE OF footprint, community_code, zone_id ON building
FOR EACH ROW EXECUTE FUNCTION building_derive_zone();
CREATE TRIGGER building_derive_zone_on_insert
BEFORE INSERT ON building
FOR EACH ROW
WHEN (current_setting('partygrid.bulk_zone_derivation', true) IS DISTINCT FROM 'on')
EXECUTE FUNCTION building_derive_zone();
CREATE TRIGGER building_derive_zones_inserted
AFTER INSERT ON building
REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT
WHEN (current_setting('partygrid.bulk_zone_derivation', true) = 'on')
EXECUTE FUNCTION building_derive_zones_inserted();
"""

# grid_0003's algorithm, kept whole under another name for the names the fast path leaves.
FULL = Path(__file__).with_name("grid_0003_natural_key.sql")
NUMERALS = "〇零一二两三四五六七八九十百千万"
# A SQL function without STRICT or SET: PostgreSQL inlines it into the generated column.
NATURAL_KEY = f"""
CREATE OR REPLACE FUNCTION natural_key(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN name ~ '^[^0-9{NUMERALS}]*[0-9]{{1,12}}[^0-9{NUMERALS}]*$'
        THEN regexp_replace(name, '[0-9]+', lpad(substring(name FROM '[0-9]+'), 12, '0'))
        ELSE grid.natural_key_full(name)
    END
$$;
"""

BEFORE = """
DROP TRIGGER building_derive_zones_inserted ON building;
DROP TRIGGER building_derive_zone_on_insert ON building;
DROP TRIGGER building_derive_zone ON building;
DROP FUNCTION building_derive_zones_inserted();
CREATE TRIGGER building_derive_zone
BEFORE INSERT OR UPDATE OF footprint, community_code, zone_id ON building
FOR EACH ROW EXECUTE FUNCTION building_derive_zone();
CREATE OR REPLACE FUNCTION zone_of(p_community varchar, p_footprint geometry) RETURNS uuid
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT z.id FROM zone z
    WHERE z.community_code = p_community
      AND z.boundary && p_footprint
      AND ST_Covers(z.boundary, ST_PointOnSurface(p_footprint))
    ORDER BY z.id
    LIMIT 1
$$;
DROP FUNCTION zone_holding(varchar, geometry);
"""


def upgrade() -> None:
    postgis = (
        op.get_bind()
        .execute(
            text(
                "SELECT extnamespace::regnamespace::text FROM pg_extension "
                "WHERE extname = 'postgis'"
            )
        )
        .scalar_one()
    )
    op.execute(ZONE_HOLDING.format(postgis=postgis))
    op.execute(ZONE_OF)
    op.execute(SET_WISE)
    op.execute(TRIGGERS)
    op.execute(FULL.read_text().replace("FUNCTION natural_key(", "FUNCTION natural_key_full("))
    op.execute(NATURAL_KEY)


def downgrade() -> None:
    op.execute(BEFORE)
    op.execute(FULL.read_text().replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))
    op.execute("DROP FUNCTION natural_key_full(text)")
