-- A synthetic city for bench/grid_city.py, made with generate_series in one transaction.
-- Parameters: communities, cols (communities per row of the city's square).
-- Each community is a 0.01° square (about 1 km) split into 5 × 5 zones of 0.002°; each zone
-- holds 4 × 5 buildings of about 30 m × 20 m, strictly inside it (no ties between zones).
-- Every 10th community has a half-width corner zone, so 10 of its buildings are orphans;
-- every 17th zone has no organization; every 5th community is a branch community (groups
-- in zones, none on buildings); elsewhere every 13th building has no Party group (a gap).
-- Buildings go in with the zone-deriving trigger off: grid_city.py assigns them afterwards.

INSERT INTO grid.community (code, street_code, district_code, boundary)
SELECT '4199' || lpad(c::text, 8, '0'), '4199' || lpad((c / 50)::text, 5, '0'), '419900',
       ST_MakeEnvelope(113.4 + (c % :cols) * 0.01, 34.5 + (c / :cols) * 0.01,
                       113.41 + (c % :cols) * 0.01, 34.51 + (c / :cols) * 0.01, 4326)
FROM generate_series(0, :communities - 1) c;

INSERT INTO grid.zone (id, community_code, name, boundary, organization_id)
SELECT md5('zone' || c || '-' || j)::uuid, '4199' || lpad(c::text, 8, '0'), '第' || j + 1 || '片区',
       ST_MakeEnvelope(
           113.4 + (c % :cols) * 0.01 + (j % 5) * 0.002,
           34.5 + (c / :cols) * 0.01 + (j / 5) * 0.002,
           113.4 + (c % :cols) * 0.01 + (j % 5) * 0.002
               + CASE WHEN c % 10 = 3 AND j = 24 THEN 0.001 ELSE 0.002 END,
           34.5 + (c / :cols) * 0.01 + (j / 5) * 0.002 + 0.002, 4326),
       CASE WHEN (c * 25 + j) % 17 = 0 THEN NULL ELSE md5('org' || c || '-' || j)::uuid END
FROM generate_series(0, :communities - 1) c, generate_series(0, 24) j;

ALTER TABLE grid.building DISABLE TRIGGER building_derive_zone;

INSERT INTO grid.building (id, community_code, name, households, footprint, party_group_id)
SELECT md5('building' || c || '-' || j || '-' || k)::uuid, '4199' || lpad(c::text, 8, '0'),
       (j * 20 + k + 1) || '号楼', 24,
       ST_MakeEnvelope(
           113.4 + (c % :cols) * 0.01 + (j % 5) * 0.002 + (k % 4) * 0.0005 + 0.0001,
           34.5 + (c / :cols) * 0.01 + (j / 5) * 0.002 + (k / 4) * 0.0004 + 0.0001,
           113.4 + (c % :cols) * 0.01 + (j % 5) * 0.002 + (k % 4) * 0.0005 + 0.0004,
           34.5 + (c / :cols) * 0.01 + (j / 5) * 0.002 + (k / 4) * 0.0004 + 0.0003, 4326),
       CASE WHEN c % 5 = 4 OR (c * 500 + j * 20 + k) % 13 = 0 THEN NULL
            ELSE md5('group' || c || '-' || j || '-' || k)::uuid END
FROM generate_series(0, :communities - 1) c, generate_series(0, 24) j, generate_series(0, 19) k;

ALTER TABLE grid.building ENABLE TRIGGER building_derive_zone
