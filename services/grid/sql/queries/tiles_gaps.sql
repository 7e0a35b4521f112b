-- Vector tile layer "gaps": zones without an organization (kind 'zone', state
-- 'no_organization') and, when with_buildings, buildings in state gap or orphan (kind
-- 'building'; see tiles_building_states.sql). Zones come first, then the more severe
-- building gaps (DOMAIN "The coverage graph"), so a feature cap drops orphans last-first.
-- Parameters: z, x, y, extent, buffer, area (a LIKE prefix of community codes), feature_limit,
-- with_buildings, branches.
WITH bounds AS (
    SELECT ST_TileEnvelope(:z, :x, :y) AS merc,
           ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326) AS geo
),
{building_states},
gaps AS (
    SELECT z.id, z.name, 'zone' AS kind, 'no_organization' AS state, 0 AS rank,
           z.boundary AS geom4326
    FROM grid.zone z, bounds
    WHERE z.organization_id IS NULL
      AND z.boundary && bounds.geo
      AND ST_Intersects(z.boundary, bounds.geo)
      AND z.community_code LIKE :area
    UNION ALL
    SELECT s.id, s.name, 'building', s.state, CASE s.state WHEN 'gap' THEN 1 ELSE 2 END,
           s.footprint
    FROM states s
    WHERE :with_buildings AND s.state <> 'covered'
),
picked AS (
    SELECT * FROM gaps ORDER BY rank, id LIMIT :feature_limit
),
features AS (
    SELECT p.id::text AS id,
           p.name,
           p.kind,
           p.state,
           ST_AsMVTGeom(ST_Transform(p.geom4326, 3857), bounds.merc, :extent, :buffer, true)
               AS geom
    FROM picked p, bounds
)
SELECT ST_AsMVT(features, 'gaps', :extent, 'geom') AS tile, count(*) AS features
FROM features
WHERE geom IS NOT NULL
