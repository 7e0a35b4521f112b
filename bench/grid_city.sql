-- Statements of bench/grid_city.py, one per "-- name:" section. Ours (the full
-- re-assignment) is services/grid/sql/queries/reassignment.sql.

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

-- name: tile_raw_buildings
-- Raw ST_AsMVT of the buildings in one tile: the textbook query, with a simpler state rule
-- (no branch-community inference) than services/grid/sql/queries/tiles_building_states.sql.
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
