-- A building's zone is derived, never trusted (grid_0001). Only a write that changes nothing
-- but zone_id is let through, and only while the writer has set
-- partygrid.bulk_zone_derivation for its own transaction (services/grid/reassignment.py, which
-- derived those zone_ids set-wise just before; grid_0004).
CREATE OR REPLACE FUNCTION building_derive_zone() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND current_setting('partygrid.bulk_zone_derivation', true) = 'on'
       AND NEW.footprint IS NOT DISTINCT FROM OLD.footprint
       AND NEW.community_code = OLD.community_code THEN
        RETURN NEW;
    END IF;
    NEW.zone_id := zone_of(NEW.community_code, NEW.footprint);
    RETURN NEW;
END
$$;
