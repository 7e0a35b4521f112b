-- Statements of bench/grid_city.py, one per "-- name:" section.

-- name: assign_raw
-- The raw baseline: every building's zone, driven from the zones side (one GiST probe into
-- building per zone; OFFSET 0 keeps the planner from turning the join around). Nothing
-- written.
SELECT count(*)
FROM grid.zone z
CROSS JOIN LATERAL (
    SELECT b.id
    FROM grid.building b
    WHERE b.footprint && z.boundary
      AND b.community_code = z.community_code
      AND ST_Covers(z.boundary, ST_PointOnSurface(b.footprint))
    OFFSET 0
) b

-- name: assign_default
-- The same join written plainly, as PostgreSQL plans it by default (building-driven).
SELECT count(*)
FROM grid.building b
JOIN grid.zone z
  ON z.community_code = b.community_code
 AND b.footprint && z.boundary
 AND ST_Covers(z.boundary, ST_PointOnSurface(b.footprint))

-- name: assign_ours
-- Our full re-assignment, step 1: the zone-driven join into a narrow assignment table
-- (two uuids a row, temporary: no WAL, no indexes to maintain).
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

-- name: apply_ours
-- Step 2: write only the buildings whose zone changed (NULL for those no zone holds). The
-- caller turns building_derive_zone off for this transaction, or every written row would
-- re-derive its zone one building at a time.
-- The changes are found in one hash join; only changed rows are then fetched by key.
UPDATE grid.building b
SET zone_id = n.zone_id
FROM (
    SELECT x.id, a.zone_id
    FROM grid.building x
    LEFT JOIN assignment a ON a.building_id = x.id
    WHERE x.zone_id IS DISTINCT FROM a.zone_id
) n
WHERE b.id = n.id

-- name: tile_raw_buildings
-- Raw ST_AsMVT of the buildings in one tile: the textbook query, with a simpler state rule
-- (no branch-community inference) than services/grid/tiles_building_states.sql.
SELECT ST_AsMVT(t, 'buildings', 4096, 'geom')
FROM (
    SELECT b.id::text AS id,
           b.name,
           CASE WHEN b.zone_id IS NULL THEN 'orphan'
                WHEN b.party_group_id IS NOT NULL OR z.organization_id IS NOT NULL THEN 'covered'
                ELSE 'gap' END AS state,
           ST_AsMVTGeom(ST_Transform(b.footprint, 3857), ST_TileEnvelope(:z, :x, :y)) AS geom
    FROM grid.building b
    LEFT JOIN grid.zone z ON z.id = b.zone_id
    WHERE b.footprint && ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326)
) t

-- name: tile_raw_zones
-- Raw ST_AsMVT of the zones in one tile.
SELECT ST_AsMVT(t, 'zones', 4096, 'geom')
FROM (
    SELECT z.id::text AS id,
           z.name,
           z.community_code AS community,
           z.organization_id IS NOT NULL AS has_organization,
           ST_AsMVTGeom(ST_Transform(z.boundary, 3857), ST_TileEnvelope(:z, :x, :y)) AS geom
    FROM grid.zone z
    WHERE z.boundary && ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326)
) t
