"""The grid service: polygons decide which zone holds each building, in PostGIS."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
import shapely
from shapely import affinity
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from expectations import expected_zone, reading_key
from infra.demo.model import Demo
from infra.setup import Prepared
from stack import Running, rolled_back


@pytest.fixture
def grid_conn(prepared: Prepared) -> Iterator[Connection]:
    """A grid-role connection whose changes are rolled back after the test."""
    with rolled_back(prepared.database.service_urls["grid"]) as conn:
        yield conn


def _zone_ids(conn: Connection) -> dict[uuid.UUID, uuid.UUID | None]:
    return dict(conn.execute(text("SELECT id, zone_id FROM grid.building")).all())


def test_every_building_is_in_the_zone_containing_its_interior_point(
    grid_conn: Connection, demo: Demo
) -> None:
    stored = _zone_ids(grid_conn)
    expected = expected_zone(demo)
    assert stored == expected
    assert any(v is None for v in stored.values()), "the demo must hold orphan buildings"


def _a_zone_with_buildings(conn: Connection) -> tuple[uuid.UUID, str]:
    row = conn.execute(
        text(
            "SELECT zone_id, community_code FROM grid.building WHERE zone_id IS NOT NULL "
            "GROUP BY zone_id, community_code ORDER BY count(*) DESC LIMIT 1"
        )
    ).one()
    return row[0], row[1]


def test_shrinking_a_zone_orphans_the_buildings_left_outside(grid_conn: Connection) -> None:
    zone_id, _ = _a_zone_with_buildings(grid_conn)
    wkt = grid_conn.execute(
        text("SELECT ST_AsText(boundary) FROM grid.zone WHERE id = :id"), {"id": zone_id}
    ).scalar_one()
    smaller = affinity.scale(shapely.from_wkt(wkt), 0.5, 0.5, origin="centroid")
    before = _zone_ids(grid_conn)
    grid_conn.execute(
        text("UPDATE grid.zone SET boundary = ST_GeomFromText(:wkt, 4326) WHERE id = :id"),
        {"wkt": smaller.wkt, "id": zone_id},
    )
    after = _zone_ids(grid_conn)
    footprints = dict(
        grid_conn.execute(text("SELECT id, ST_AsText(footprint) FROM grid.building")).all()
    )
    moved = {b for b in before if before[b] != after[b]}
    assert moved, "halving a zone must change some buildings"
    for b in moved:
        inside = smaller.covers(shapely.from_wkt(footprints[b]).representative_point())
        assert before[b] == zone_id and after[b] is None and not inside
    for b, z in after.items():
        if z == zone_id:
            assert smaller.covers(shapely.from_wkt(footprints[b]).representative_point())


def test_a_direct_write_of_zone_id_is_rederived(grid_conn: Connection) -> None:
    zone_id, community = _a_zone_with_buildings(grid_conn)
    building_id = grid_conn.execute(
        text("SELECT id FROM grid.building WHERE zone_id = :z LIMIT 1"), {"z": zone_id}
    ).scalar_one()
    other = grid_conn.execute(
        text("SELECT id FROM grid.zone WHERE community_code = :c AND id <> :z LIMIT 1"),
        {"c": community, "z": zone_id},
    ).scalar_one()
    grid_conn.execute(
        text("UPDATE grid.building SET zone_id = :o WHERE id = :b"), {"o": other, "b": building_id}
    )
    assert _zone_ids(grid_conn)[building_id] == zone_id


def test_deleting_a_zone_orphans_its_buildings(grid_conn: Connection) -> None:
    zone_id, _ = _a_zone_with_buildings(grid_conn)
    members = [b for b, z in _zone_ids(grid_conn).items() if z == zone_id]
    grid_conn.execute(text("DELETE FROM grid.zone WHERE id = :id"), {"id": zone_id})
    after = _zone_ids(grid_conn)
    assert members and all(after[b] is None for b in members)


def test_overlapping_sibling_zones_are_refused(grid_conn: Connection) -> None:
    """DOMAIN "Places": zones of one community must not overlap."""
    zone_id, community = _a_zone_with_buildings(grid_conn)
    wkt = grid_conn.execute(
        text("SELECT ST_AsText(ST_Buffer(boundary, -0.0001)) FROM grid.zone WHERE id = :id"),
        {"id": zone_id},
    ).scalar_one()
    with pytest.raises(DBAPIError, match="overlaps zone") as failure:
        grid_conn.execute(
            text(
                "INSERT INTO grid.zone (id, community_code, name, boundary) "
                "VALUES (:id, :c, 'overlap', ST_GeomFromText(:wkt, 4326))"
            ),
            {"id": uuid.uuid4(), "c": community, "wkt": wkt},
        )
    assert failure.value.orig.sqlstate == "23P01"  # exclusion_violation


def test_a_zone_outside_its_community_is_refused(grid_conn: Connection) -> None:
    _, community = _a_zone_with_buildings(grid_conn)
    far = shapely.box(100.0, 30.0, 100.01, 30.01)
    with pytest.raises(DBAPIError, match="outside community") as failure:
        grid_conn.execute(
            text(
                "INSERT INTO grid.zone (id, community_code, name, boundary) "
                "VALUES (:id, :c, 'far', ST_GeomFromText(:wkt, 4326))"
            ),
            {"id": uuid.uuid4(), "c": community, "wkt": far.wkt},
        )
    assert failure.value.orig.sqlstate == "23514"  # check_violation


def test_invalid_polygons_are_refused(grid_conn: Connection) -> None:
    _, community = _a_zone_with_buildings(grid_conn)
    bowtie = "POLYGON((113.7 34.7, 113.71 34.71, 113.71 34.7, 113.7 34.71, 113.7 34.7))"
    with pytest.raises(DBAPIError) as failure:
        grid_conn.execute(
            text(
                "INSERT INTO grid.building (id, community_code, name, footprint) "
                "VALUES (:id, :c, 'bowtie', ST_GeomFromText(:wkt, 4326))"
            ),
            {"id": uuid.uuid4(), "c": community, "wkt": bowtie},
        )
    assert failure.value.orig.sqlstate == "23514"


def test_zones_and_buildings_over_http(running: Running, demo: Demo) -> None:
    community = demo.communities[0]
    zones = sorted(
        (z for z in demo.zones if z.community_code == community.code),
        key=lambda z: reading_key(z.name),
    )
    expected = expected_zone(demo)
    result = running.post(
        running.subgraphs["grid"],
        """query ($reps: [_Any!]!) { _entities(representations: $reps) {
             ... on Community { code boundary zones { id name boundary buildings { id name } } } } }""",
        {"reps": [{"__typename": "Community", "code": community.code}]},
    )
    assert "errors" not in result, result
    got = result["data"]["_entities"][0]
    assert shapely.from_geojson(json.dumps(got["boundary"])).equals_exact(community.boundary, 1e-7)
    assert [z["name"] for z in got["zones"]] == [z.name for z in zones]
    for zone_json, zone in zip(got["zones"], zones, strict=True):
        assert zone_json["id"] == str(zone.id)
        assert shapely.from_geojson(json.dumps(zone_json["boundary"])).equals_exact(
            zone.boundary, 1e-7
        )
        assert {b["id"] for b in zone_json["buildings"]} == {
            str(b) for b, z in expected.items() if z == zone.id
        }


def test_an_unknown_or_malformed_building_id_is_null(running: Running) -> None:
    result = running.post(
        running.subgraphs["grid"],
        f'{{ a: building(id: "not-a-uuid") {{ id }} b: building(id: "{uuid.uuid4()}") {{ id }} }}',
    )
    assert result == {"data": {"a": None, "b": None}}


READING_ORDER = [
    "1号楼",
    "2号楼",
    "10号楼",
    "一〇二室",
    "一百零五号",
    "第一片区",
    "第二片区",
    "第三片区",
    "第十片区",
    "第十二片区",
    "第二十片区",
    "第二十片区2号楼",
    "第二十片区10号楼",
]


def test_names_sort_as_people_read_them(grid_conn: Connection) -> None:
    """Zones and buildings list 第二 before 第十 and 2号楼 before 10号楼 (code-point order
    put 第三 before 第二): the database's natural_key agrees with the test's own reading."""
    shuffled = sorted(READING_ORDER, reverse=True)
    keys = grid_conn.execute(
        text("SELECT n, grid.natural_key(n) FROM unnest(CAST(:names AS text[])) AS n"),
        {"names": shuffled},
    ).all()
    assert dict(keys) == {n: reading_key(n) for n in shuffled}
    assert [name for name, _ in sorted(keys, key=lambda row: row[1])] == READING_ORDER
    # Stored with every zone and building, and kept current when a name changes.
    zone_id, _ = _a_zone_with_buildings(grid_conn)
    grid_conn.execute(
        text("UPDATE grid.zone SET name = '第十二片区' WHERE id = :z"), {"z": zone_id}
    )
    stored = grid_conn.execute(
        text("SELECT name_key FROM grid.zone WHERE id = :z"), {"z": zone_id}
    ).scalar_one()
    assert stored == reading_key("第十二片区")
