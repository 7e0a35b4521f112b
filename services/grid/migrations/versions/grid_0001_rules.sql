-- Rules the database keeps for the grid schema (first migration).

-- DOMAIN "Places": a building belongs to the zone that contains it, by its footprint's
-- interior point; a building no zone contains is an orphan (zone_id NULL).
CREATE FUNCTION zone_of(p_community varchar, p_footprint geometry) RETURNS uuid
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT z.id FROM zone z
    WHERE z.community_code = p_community
      AND z.boundary && p_footprint
      AND ST_Covers(z.boundary, ST_PointOnSurface(p_footprint))
    ORDER BY z.id
    LIMIT 1
$$;

CREATE FUNCTION building_derive_zone() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    NEW.zone_id := zone_of(NEW.community_code, NEW.footprint);
    RETURN NEW;
END
$$;

-- zone_id is in the column list so that a direct write of it is re-derived, never trusted.
CREATE TRIGGER building_derive_zone
BEFORE INSERT OR UPDATE OF footprint, community_code, zone_id ON building
FOR EACH ROW EXECUTE FUNCTION building_derive_zone();

-- DOMAIN "Places": zones of one community must not overlap and lie inside the community.
-- Area tolerances (1e-11 square degrees, about 0.1 m²) absorb floating-point slivers along
-- shared edges. The advisory lock serialises edits per community, so two concurrent
-- transactions cannot each insert one half of an overlap.
CREATE FUNCTION zone_check_shape() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    other uuid;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('grid.zone:' || NEW.community_code));
    IF NOT EXISTS (
        SELECT 1 FROM community c
        WHERE c.code = NEW.community_code
          AND ST_Area(ST_Difference(NEW.boundary, c.boundary)) <= 1e-11
    ) THEN
        RAISE EXCEPTION 'zone % lies outside community %', NEW.id, NEW.community_code
            USING ERRCODE = 'check_violation', CONSTRAINT = 'zone_within_community';
    END IF;
    SELECT z.id INTO other
    FROM zone z
    WHERE z.community_code = NEW.community_code
      AND z.id <> NEW.id
      AND z.boundary && NEW.boundary
      AND ST_Area(ST_Intersection(z.boundary, NEW.boundary)) > 1e-11
    LIMIT 1;
    IF other IS NOT NULL THEN
        RAISE EXCEPTION 'zone % overlaps zone %', NEW.id, other
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'zone_no_overlap';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER zone_check_shape
BEFORE INSERT OR UPDATE OF boundary, community_code ON zone
FOR EACH ROW EXECUTE FUNCTION zone_check_shape();

-- Keep buildings' derived zone current when a zone appears, moves or goes.
CREATE FUNCTION zone_rederive_buildings() RETURNS trigger
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

CREATE TRIGGER zone_rederive_buildings
AFTER INSERT OR UPDATE OF boundary, community_code OR DELETE ON zone
FOR EACH ROW EXECUTE FUNCTION zone_rederive_buildings();
