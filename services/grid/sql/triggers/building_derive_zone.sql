-- An update of a building re-derives its zone; zone_id is in the column list so that a
-- direct write of it is re-derived, never trusted (grid_0001; inserts since grid_0006 below).
CREATE OR REPLACE TRIGGER building_derive_zone
BEFORE UPDATE OF footprint, community_code, zone_id ON building
FOR EACH ROW EXECUTE FUNCTION building_derive_zone();
