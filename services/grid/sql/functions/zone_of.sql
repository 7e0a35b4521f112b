-- DOMAIN "Places": a building belongs to the zone that holds it (zone_holding); a building no
-- zone holds is an orphan (NULL). The per-row trigger's form (grid_0001, grid_0006).
CREATE OR REPLACE FUNCTION zone_of(p_community varchar, p_footprint geometry) RETURNS uuid
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT h FROM zone_holding(p_community, p_footprint) h
$$;
