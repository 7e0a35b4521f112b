-- The sort key of a zone's or building's name (the stored name_key column; grid_0006): a
-- name with one run of at most 12 ASCII digits and no Chinese numeral (1号楼, 第3栋) by two
-- regular expressions and no loop, every other name by natural_key_full. A SQL function
-- without STRICT or SET: PostgreSQL inlines it into the generated column.
CREATE OR REPLACE FUNCTION natural_key(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN name ~ '^[^0-9〇零一二两三四五六七八九十百千万]*[0-9]{1,12}[^0-9〇零一二两三四五六七八九十百千万]*$'
        THEN regexp_replace(name, '[0-9]+', lpad(substring(name FROM '[0-9]+'), 12, '0'))
        ELSE grid.natural_key_full(name)
    END
$$;
