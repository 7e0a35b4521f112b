-- An insert derives its zone row by row, unless the transaction has set
-- partygrid.bulk_zone_derivation (then building_derive_zones_inserted does, per statement).
CREATE OR REPLACE TRIGGER building_derive_zone_on_insert
BEFORE INSERT ON building
FOR EACH ROW
WHEN (current_setting('partygrid.bulk_zone_derivation', true) IS DISTINCT FROM 'on')
EXECUTE FUNCTION building_derive_zone();
