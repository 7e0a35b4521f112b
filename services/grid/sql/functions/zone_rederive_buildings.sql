-- Keep buildings' derived zone current when a zone appears, moves or goes (grid_0001).
CREATE OR REPLACE FUNCTION zone_rederive_buildings() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        -- Writing zone_id fires building_derive_zone, which re-derives it.
        UPDATE building b SET zone_id = NULL WHERE b.zone_id = OLD.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE building b SET zone_id = NULL
        WHERE b.community_code = NEW.community_code
          AND b.zone_id IS DISTINCT FROM NEW.id
          AND b.footprint && NEW.boundary
          AND ST_Covers(NEW.boundary, ST_PointOnSurface(b.footprint));
    END IF;
    RETURN NULL;
END
$$;
