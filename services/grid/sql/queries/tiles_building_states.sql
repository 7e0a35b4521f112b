-- Included by tiles_buildings.sql and tiles_gaps.sql as the CTE "states": the buildings
-- (楼栋) whose footprints intersect the tile, each with its coverage state by the one rule
-- grid.building_coverage (sql/functions/building_coverage.sql; resident members live in the
-- org service and are not part of a tile's state).
-- Whether a community keeps its groups in zones is its kind, which lives in org: :branches
-- is the array of the tile's branch communities as org named them. When org did not answer
-- it is NULL and the kind is inferred from the grid tables (a community none of whose
-- buildings has a group is taken for a branch community — a new committee community would
-- read wrongly, which is why org is asked first).
in_tile AS (
    SELECT b.id, b.name, b.footprint, b.community_code, b.zone_id, b.party_group_id
    FROM grid.building b, bounds
    WHERE b.footprint && bounds.geo
      AND ST_Intersects(b.footprint, bounds.geo)
      AND b.community_code LIKE :area
),
-- MATERIALIZED: computed once per tile, not once per building.
zone_grouped AS MATERIALIZED (
    SELECT c.community_code
    FROM (SELECT DISTINCT community_code FROM in_tile) c
    WHERE CASE
        WHEN CAST(:branches AS text[]) IS NOT NULL
            THEN c.community_code = ANY (CAST(:branches AS text[]))
        ELSE NOT EXISTS (
            SELECT 1 FROM grid.building g
            WHERE g.community_code = c.community_code AND g.party_group_id IS NOT NULL
        )
    END
),
states AS (
    SELECT t.id, t.name, t.footprint,
           grid.building_coverage(
               t.zone_id,
               t.party_group_id IS NOT NULL,
               z.organization_id IS NOT NULL,
               zg.community_code IS NOT NULL
           ) AS state
    FROM in_tile t
    LEFT JOIN grid.zone z ON z.id = t.zone_id
    LEFT JOIN zone_grouped zg ON zg.community_code = t.community_code
)
