-- A bulk insert (partygrid.bulk_zone_derivation on) derives every inserted row's zone
-- set-wise, once per statement (grid_0006).
CREATE OR REPLACE TRIGGER building_derive_zones_inserted
AFTER INSERT ON building
REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT
WHEN (current_setting('partygrid.bulk_zone_derivation', true) = 'on')
EXECUTE FUNCTION building_derive_zones_inserted();
