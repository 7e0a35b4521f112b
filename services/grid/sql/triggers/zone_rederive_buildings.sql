-- A zone that appears, moves or goes re-derives the zones of the buildings concerned (grid_0001).
CREATE OR REPLACE TRIGGER zone_rederive_buildings
AFTER INSERT OR UPDATE OF boundary, community_code OR DELETE ON zone
FOR EACH ROW EXECUTE FUNCTION zone_rederive_buildings();
