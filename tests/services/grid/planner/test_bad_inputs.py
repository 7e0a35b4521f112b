"""Inputs that crashed grid (issue 12, class 9) and the stall of class 10: each is a typed
refusal with nothing written (or, for a valid large zone, an import), and the grid's
invariants hold afterwards."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from planner_api import COMMUNITY, CREATE, REDRAW, Grid, call, ok, refused
from shapely.geometry import Polygon

from infra.cli import main as partygrid_main
from infra.setup import Prepared
from stack import Running

IMPORT_ZONES = """mutation ($code: String!, $format: ImportFormat!, $crs: Crs!, $data: String!) {
  importZones(communityCode: $code, format: $format, crs: $crs, data: $data) {
    imported skipped ids errors { code message messageEn field rule } } }"""

SQUARE = [[113.0, 34.0], [113.001, 34.0], [113.001, 34.001], [113.0, 34.001], [113.0, 34.0]]


def _zone(grid: Grid) -> dict:
    zone_id = grid.scalar(
        "SELECT id FROM grid.zone WHERE community_code = :c ORDER BY id LIMIT 1", c=COMMUNITY
    )
    return grid.zone(zone_id)


DEEP = "[" * 5000 + "113.0, 34.0" + "]" * 5000
BAD = {
    "a 400-digit integer coordinate": {
        "type": "Polygon",
        "coordinates": [[[10**400, 34.0], [113.001, 34.0], [113.001, 34.001], [10**400, 34.0]]],
    },
    "a 400-digit integer altitude": {
        "type": "Polygon",
        "coordinates": [[[113.0, 34.0, 10**400], *SQUARE[1:4], [113.0, 34.0, 10**400]]],
    },
    # GeoJSON text in a string, nested thousands deep.
    "nested 5,000 deep as text": '{"type": "Polygon", "coordinates": ' + DEEP + "}",
}


def _post(running: Running, variables: dict) -> dict:
    return running.post(running.subgraphs["grid"], REDRAW, variables)


@pytest.mark.parametrize("case", list(BAD))
def test_crashing_shapes_are_refused_and_nothing_written(
    running: Running, grid: Grid, case: str
) -> None:
    zone = _zone(grid)
    before, sets = grid.fingerprint(), grid.change_sets()
    body = _post(
        running, {"z": str(zone["id"]), "b": BAD[case], "v": zone["version"], "dry": False}
    )
    assert not body.get("errors"), body["errors"]
    result = refused(body["data"]["redrawZone"], "INVALID")
    assert result["errors"][0]["field"] == ["boundary"]
    assert (grid.fingerprint(), grid.change_sets()) == (before, sets)
    grid.assert_invariants()


@pytest.mark.parametrize(
    "name", ["片区\x00一", "片区\x07一", "片" * 990_000], ids=["NUL", "BEL", "990000"]
)
def test_bad_zone_names_are_refused(running: Running, grid: Grid, name: str) -> None:
    before, sets = grid.fingerprint(), grid.change_sets()
    far = [[113.9, 34.9], [113.901, 34.9], [113.901, 34.901], [113.9, 34.901], [113.9, 34.9]]
    result = call(
        running,
        CREATE,
        c=COMMUNITY,
        n=name,
        b={"type": "Polygon", "coordinates": [far]},
        dry=False,
    )
    refused(result, "INVALID")
    assert result["errors"][0]["field"] == ["name"]
    zone = _zone(grid)
    result = call(
        running,
        REDRAW,
        z=str(zone["id"]),
        b=json.loads(json.dumps({"type": "Polygon", "coordinates": [SQUARE]})),
        v=zone["version"],
        dry=False,
        r="理由\x00",
    )
    refused(result, "INVALID")
    assert result["errors"][0]["field"] == ["reason"]
    assert (grid.fingerprint(), grid.change_sets()) == (before, sets)


def test_a_commit_that_changes_nothing_records_nothing(running: Running, grid: Grid) -> None:
    zone = _zone(grid)
    boundary = json.loads(
        grid.scalar("SELECT ST_AsGeoJSON(boundary, 15) FROM grid.zone WHERE id = :i", i=zone["id"])
    )
    before, sets = grid.fingerprint(), grid.change_sets()
    result = ok(call(running, REDRAW, z=str(zone["id"]), b=boundary, v=zone["version"], dry=False))
    assert result["changeSet"] is None
    assert [f["code"] for f in result["findings"]] == ["NO_CHANGE"]
    assert (grid.fingerprint(), grid.change_sets()) == (before, sets)
    assert grid.zone(zone["id"])["version"] == zone["version"]


def _bow_ties(count: int) -> dict:
    """An invalid MultiPolygon of `count` overlapping bow-ties: tiny to send, cheap to find
    invalid, and minutes of GEOS to repair."""
    parts = []
    for i in range(count):
        x, y = 113.6 + (i % 60) * 1e-5, 34.7 + (i // 60) * 1e-5
        ring = [[x, y], [x + 3e-5, y + 3e-5], [x + 3e-5, y], [x, y + 3e-5], [x, y]]
        parts.append([ring])
    return {"type": "MultiPolygon", "coordinates": parts}


def test_an_oversized_invalid_shape_is_refused_as_too_complex(running: Running, grid: Grid) -> None:
    zone = _zone(grid)
    before, sets = grid.fingerprint(), grid.change_sets()
    result = call(
        running, REDRAW, z=str(zone["id"]), b=_bow_ties(3000), v=zone["version"], dry=True
    )
    refused(result, "INVALID")
    assert result["errors"][0]["rule"] == "geometry.too_complex"
    assert [f["code"] for f in result["findings"]] == ["GEOMETRY_TOO_COMPLEX"]
    # The worker was replaced: the next shape is checked as usual.
    ok(
        call(
            running,
            REDRAW,
            z=str(zone["id"]),
            b=json.loads(
                grid.scalar(
                    "SELECT ST_AsGeoJSON(boundary, 15) FROM grid.zone WHERE id = :i", i=zone["id"]
                )
            ),
            v=zone["version"],
            dry=True,
        )
    )
    assert (grid.fingerprint(), grid.change_sets()) == (before, sets)


def test_a_6000_vertex_zone_imports_from_csv(
    running: Running, prepared: Prepared, grid: Grid
) -> None:
    """Its WKT is over csv's default 128 KiB field limit."""
    # A demo community, in the caller's scope, whatever other tests left in grid; the zone
    # goes into the part no sibling zone covers.
    code = COMMUNITY
    center = grid.scalar(
        "SELECT ST_AsText(ST_PointOnSurface(ST_Difference(c.boundary, coalesce((SELECT "
        "ST_Union(z.boundary) FROM grid.zone z WHERE z.community_code = c.code), "
        "ST_GeomFromText('POLYGON EMPTY', 4326))))) FROM grid.community c WHERE code = :c",
        c=code,
    )
    x, y = (float(v) for v in center.removeprefix("POINT(").removesuffix(")").split())
    r = 2e-6
    ring = [
        (x + r * math.cos(2 * math.pi * i / 6000), y + r * math.sin(2 * math.pi * i / 6000))
        for i in range(6000)
    ]
    wkt = Polygon(ring).wkt
    assert len(wkt) > 128 * 1024
    data = f'name,wkt\n大片区,"{wkt}"\n'
    variables = {"code": code, "format": "CSV", "crs": "WGS84", "data": data}
    answer = running.post(running.subgraphs["grid"], IMPORT_ZONES, variables)["data"]
    result = answer["importZones"]
    try:
        assert result["errors"] == [] and result["imported"] == 1, result
        grid.assert_invariants()
    finally:
        for zone_id in result["ids"]:
            with grid.engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM grid.zone WHERE id = %s", (zone_id,))


def test_osm_import_of_a_file_that_is_not_pbf_is_refused(
    prepared: Prepared, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    url = prepared.database.service_urls["grid"]
    bad = tmp_path / "zones.osm.pbf"
    bad.write_text("name,lon,lat\n楼,113.6,34.7\n")
    argv = ["import", "buildings", str(bad), "--community", COMMUNITY, "--format", "osm"]
    assert partygrid_main([*argv, "--database-url", url]) == 1
    err = capsys.readouterr().err
    assert "OpenStreetMap" in err and "Traceback" not in err
