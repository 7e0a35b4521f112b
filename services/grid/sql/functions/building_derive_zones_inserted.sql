-- A bulk insert's zones, derived set-wise once per statement from its transition table while
-- the writer has set partygrid.bulk_zone_derivation (grid_0006): whatever the writer put in
-- zone_id, the database's rule holds. JIT off: the inlined PostGIS calls cost the plan of a
-- 5,000-row statement over JIT's threshold, and compiling it took longer than running it.
CREATE OR REPLACE FUNCTION building_derive_zones_inserted() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT SET jit = off AS $$
BEGIN
    -- Writes zone_id alone, footprint unchanged: the per-row trigger lets it through while
    -- the flag is on (grid_0004).
    UPDATE building b SET zone_id = n.derived
    FROM (
        SELECT i.id, i.zone_id AS written,
               (SELECT h FROM zone_holding(i.community_code, i.footprint) h) AS derived
        FROM inserted i
    ) n
    WHERE n.written IS DISTINCT FROM n.derived AND b.id = n.id;
    RETURN NULL;
END
$$;
