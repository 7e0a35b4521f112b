-- Statements of services/grid/reassignment.py, one per "-- name:" section.

-- name: assign
-- Every building's zone, driven from the zones side (one GiST probe into building per zone;
-- OFFSET 0 keeps the planner from turning the join around), into a narrow temporary table
-- (two uuids a row: no WAL, no indexes to maintain). :prefix limits it to a region.
CREATE TEMP TABLE assignment ON COMMIT DROP AS
SELECT b.id AS building_id, z.id AS zone_id
FROM grid.zone z
CROSS JOIN LATERAL (
    SELECT b.id
    FROM grid.building b
    WHERE b.footprint && z.boundary
      AND b.community_code = z.community_code
      AND ST_Covers(z.boundary, ST_PointOnSurface(b.footprint))
    OFFSET 0
) b
WHERE z.community_code LIKE :prefix

-- name: apply
-- Write only the buildings whose zone changed (NULL for those no zone holds), found in one
-- hash join and then fetched by key. zone_id is derived data: versions stay (as when a
-- redraw moves buildings between zones). The caller sets partygrid.bulk_zone_derivation for this
-- statement, or every written row would re-derive its zone one building at a time.
UPDATE grid.building b
SET zone_id = n.zone_id, updated_at = now()
FROM (
    SELECT x.id, a.zone_id
    FROM grid.building x
    LEFT JOIN assignment a ON a.building_id = x.id
    WHERE x.community_code LIKE :prefix
      AND x.zone_id IS DISTINCT FROM a.zone_id
) n
WHERE b.id = n.id

-- name: drop
-- The assignment table, dropped once applied (it would live until the commit otherwise).
DROP TABLE assignment
