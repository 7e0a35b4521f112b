-- DOMAIN "Places": the one definition of "the zone that holds a footprint" — the zone of the
-- footprint's community that covers its interior point (grid_0006). A set-returning SQL
-- function without a SET clause, so that PostgreSQL inlines it into set-wise statements as
-- one index probe per row; hence its schema-qualified names, PostGIS's (@postgis@) included.
-- `IS TRUE` keeps ST_Covers out of the index condition: as one (PostGIS's support function
-- adds `boundary ~ point`), the interior point was computed for every footprint probed.
CREATE OR REPLACE FUNCTION zone_holding(p_community varchar, p_footprint geometry) RETURNS SETOF uuid
LANGUAGE sql STABLE ROWS 1 AS $$
    SELECT z.id FROM grid.zone z
    WHERE z.community_code = p_community
      AND z.boundary OPERATOR(@postgis@.&&) p_footprint
      AND @postgis@.ST_Covers(z.boundary, @postgis@.ST_PointOnSurface(p_footprint)) IS TRUE
    ORDER BY z.id
    LIMIT 1
$$;
