-- Names sort as people read them (grid_0003's algorithm, named natural_key_full since
-- grid_0006): every run of Arabic digits and every run of Chinese numerals is replaced with
-- its value, zero-padded to 12 digits, so a plain text comparison of keys orders numbers by
-- value (第二片区 before 第十片区, 2号楼 before 10号楼). natural_key calls it for the names
-- its fast path leaves.
CREATE OR REPLACE FUNCTION natural_key_full(name text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    result text := '';
    rest text := name;
    found text[];
    run text;
    value bigint;
    section bigint;
    digit bigint;
    ch text;
BEGIN
    IF name !~ '[0-9〇零一二两三四五六七八九十百千万]' THEN
        RETURN name;
    END IF;
    LOOP
        found := regexp_match(rest, '^(.*?)([0-9]+|[〇零一二两三四五六七八九十百千万]+)(.*)$');
        EXIT WHEN found IS NULL;
        result := result || found[1];
        run := found[2];
        rest := found[3];
        IF run ~ '^[0-9]+$' THEN
            value := left(run, 12)::bigint;
        ELSIF run !~ '[十百千万]' THEN
            -- Digits without units read positionally: 一〇二 is 102.
            value := 0;
            FOREACH ch IN ARRAY regexp_split_to_array(left(run, 12), '') LOOP
                value := value * 10 + CASE ch
                    WHEN '零' THEN 0 WHEN '两' THEN 2
                    ELSE position(ch IN '〇一二三四五六七八九') - 1 END;
            END LOOP;
        ELSE
            -- Units: 十二 is 12, 二十 is 20, 一百零五 is 105, 三万二千 is 32000.
            value := 0;
            section := 0;
            digit := 0;
            FOREACH ch IN ARRAY regexp_split_to_array(run, '') LOOP
                CASE ch
                    WHEN '十' THEN section := section + greatest(digit, 1) * 10; digit := 0;
                    WHEN '百' THEN section := section + greatest(digit, 1) * 100; digit := 0;
                    WHEN '千' THEN section := section + greatest(digit, 1) * 1000; digit := 0;
                    WHEN '万' THEN value := value + (section + digit) * 10000; section := 0; digit := 0;
                    WHEN '两' THEN digit := 2;
                    WHEN '〇', '零' THEN digit := 0;
                    ELSE digit := position(ch IN '〇一二三四五六七八九') - 1;
                END CASE;
            END LOOP;
            value := value + section + digit;
        END IF;
        result := result || lpad(least(value, 999999999999)::text, 12, '0');
    END LOOP;
    RETURN result || rest;
END
$$;
