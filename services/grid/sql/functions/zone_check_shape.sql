-- DOMAIN "Places": zones of one community must not overlap and lie inside the community
-- (grid_0001). Area tolerances (1e-11 square degrees, about 0.1 m²) absorb floating-point
-- slivers along shared edges. The advisory lock serialises edits per community, so two
-- concurrent transactions cannot each insert one half of an overlap.
CREATE OR REPLACE FUNCTION zone_check_shape() RETURNS trigger
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
