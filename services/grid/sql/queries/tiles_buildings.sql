-- Vector tile layer "buildings": every building in the tile with its coverage state (see
-- tiles_building_states.sql). Parameters: z, x, y, extent, buffer, area (a LIKE prefix of community codes), feature_limit,
-- branches.
WITH bounds AS (
    SELECT ST_TileEnvelope(:z, :x, :y) AS merc,
           ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326) AS geo
),
{building_states},
picked AS (
    SELECT * FROM states ORDER BY id LIMIT :feature_limit
),
features AS (
    SELECT p.id::text AS id,
           p.name,
           p.state,
           ST_AsMVTGeom(ST_Transform(p.footprint, 3857), bounds.merc, :extent, :buffer, true)
               AS geom
    FROM picked p, bounds
)
SELECT ST_AsMVT(features, 'buildings', :extent, 'geom') AS tile, count(*) AS features
FROM features
WHERE geom IS NOT NULL
