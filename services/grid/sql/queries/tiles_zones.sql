-- Vector tile layer "zones": the zones (片区) a tile touches, with whether a grid branch
-- (committee/general-branch communities) or a zone Party group (branch communities) holds
-- them. Parameters: z, x, y, extent, buffer, area (a LIKE prefix of community codes),
-- feature_limit.
-- The && on the tile's bounds in 4326 lets zone_boundary_gix choose the candidates.
WITH bounds AS (
    SELECT ST_TileEnvelope(:z, :x, :y) AS merc,
           ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326) AS geo
),
picked AS (
    SELECT z.id, z.name, z.community_code, z.organization_id, z.boundary
    FROM grid.zone z, bounds
    WHERE z.boundary && bounds.geo
      AND ST_Intersects(z.boundary, bounds.geo)
      AND z.community_code LIKE :area
    ORDER BY z.id
    LIMIT :feature_limit
),
features AS (
    SELECT p.id::text AS id,
           p.name,
           p.community_code AS community,
           p.organization_id IS NOT NULL AS has_organization,
           ST_AsMVTGeom(ST_Transform(p.boundary, 3857), bounds.merc, :extent, :buffer, true)
               AS geom
    FROM picked p, bounds
)
SELECT ST_AsMVT(features, 'zones', :extent, 'geom') AS tile, count(*) AS features
FROM features
WHERE geom IS NOT NULL
