-- DOMAIN "The coverage graph": a building's coverage state from grid data, the one
-- definition that coverage (services/grid/coverage.py) and the tiles (tiles_*.sql) read:
--   orphan   no zone holds it (zone_id NULL), whatever its group;
--   covered  it has its own Party group (党小组建到楼栋), or its community keeps its groups
--            in zones (a branch community, 党小组建在片区) and its zone has its organization;
--   gap      otherwise.
-- Whether the community keeps its groups in zones is its kind, which lives in org: the
-- caller says (p_zone_grouped). Resident members live in org too; coverage, which asks org
-- for them, tells a gap with members from a gap. A SQL function without STRICT or SET:
-- PostgreSQL inlines it into the statements that call it (grid_0008).
CREATE OR REPLACE FUNCTION building_coverage(
    p_zone_id uuid, p_has_group boolean, p_zone_has_organization boolean, p_zone_grouped boolean
) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN p_zone_id IS NULL THEN 'orphan'
        WHEN p_has_group THEN 'covered'
        WHEN p_zone_has_organization AND p_zone_grouped THEN 'covered'
        ELSE 'gap'
    END
$$;
