-- Every zone written is checked against its community and its neighbours (grid_0001).
CREATE OR REPLACE TRIGGER zone_check_shape
BEFORE INSERT OR UPDATE OF boundary, community_code ON zone
FOR EACH ROW EXECUTE FUNCTION zone_check_shape();
