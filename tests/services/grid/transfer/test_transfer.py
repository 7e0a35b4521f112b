"""Import and export of zones and buildings (services.grid.transfer*, infra.grid_cli).

Imports into the demo district delete what they wrote afterwards; round trips run in
transactions that are rolled back; the OpenStreetMap test makes its own community. Every bad
input must come back as typed errors with nothing written.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import coordTransform as ct  # noqa: N813 (the package's own module name)
import numpy as np
import pytest
import shapely
from placeholder_communities import sql
from shapely.geometry import Point, box, mapping
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from expectations import expected_zone
from infra.cli import main as partygrid_main
from infra.demo.model import Demo
from infra.setup import Prepared
from services.common.auth import Identity, Role
from services.common.errors import DomainError
from services.grid.transfer import export as transfer_export
from services.grid.transfer import text_import as transfer_import
from services.grid.transfer.coordinates import Crs, wgs84_from
from services.grid.transfer.records import ImportOutcome
from stack import Running

DATA = Path(__file__).resolve().parents[3] / "data"
OSM_EXTRACT = DATA / "pyrosm-test.osm.pbf"
METRE = 1 / 111_000  # degrees of latitude, roughly

IMPORT_BUILDINGS = """mutation ($code: String!, $format: ImportFormat!, $crs: Crs!, $data: String!) {
  importBuildings(communityCode: $code, format: $format, crs: $crs, data: $data) {
    imported skipped ids errors { code message messageEn field rule } } }"""
IMPORT_ZONES = IMPORT_BUILDINGS.replace("importBuildings", "importZones")
BUILDING = (
    "query ($id: ID!) { building(id: $id) { name address households footprint zone { id } } }"
)
EXPORT = """query ($code: String!, $layer: ExportLayer!, $crs: Crs!) {
  exportGeoJSON(regionCode: $code, layer: $layer, crs: $crs)
  exportCSV(regionCode: $code, layer: $layer, crs: $crs) }"""


# --- helpers ---------------------------------------------------------------------------------


def _delete(url: str, ids: list[str]) -> None:
    sql(url, "DELETE FROM grid.building WHERE id = ANY(CAST(:ids AS uuid[]))", ids=ids)
    sql(url, "DELETE FROM grid.zone WHERE id = ANY(CAST(:ids AS uuid[]))", ids=ids)


def _counts(url: str) -> tuple[int, int]:
    rows = sql(url, "SELECT (SELECT count(*) FROM grid.building), (SELECT count(*) FROM grid.zone)")
    return rows[0][0], rows[0][1]


def _rolled_back(
    url: str, work: Callable[[AsyncConnection], Awaitable[Any]]
) -> Any:  # a transaction that is undone whatever happens
    async def run() -> Any:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        try:
            async with engine.connect() as conn:
                trans = await conn.begin()
                try:
                    return await work(conn)
                finally:
                    await trans.rollback()
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _collection(*features: dict) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def _feature(geometry: Any, **properties: Any) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


@pytest.fixture(scope="module")
def place(demo: Demo) -> tuple[str, Point, Any]:
    """A demo community, a WGS-84 point well inside one of its zones, and that zone."""
    community = demo.communities[0]
    zone = next(z for z in demo.zones if z.community_code == community.code)
    return community.code, zone.boundary.representative_point(), zone


# --- coordinates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("crs", "forward"), [(Crs.GCJ02, ct.wgs84_to_gcj02), (Crs.BD09, ct.wgs84_to_bd09)]
)
def test_offset_systems_convert_back_within_a_metre(crs: Crs, forward: Callable) -> None:
    """The library's forward offset is the reference; our inverse must undo it (< 1 m)."""
    lons = np.linspace(73.7, 134.7, 13)
    lats = np.linspace(18.3, 53.4, 13)
    offset = [forward(x, y) for x, y in zip(lons, lats, strict=True)]
    back_lons, back_lats = wgs84_from(
        crs, np.array([o[0] for o in offset]), np.array([o[1] for o in offset])
    )
    assert np.abs(back_lons - lons).max() < 0.01 * METRE
    assert np.abs(back_lats - lats).max() < 0.01 * METRE
    # The offset itself is real (hundreds of metres), so the check above means something.
    assert abs(offset[6][0] - lons[6]) > 100 * METRE


# --- GeoJSON and CSV through GraphQL ---------------------------------------------------------


def test_geojson_buildings_in_gcj02_are_stored_in_wgs84(
    running: Running, prepared: Prepared, demo: Demo, place: tuple
) -> None:
    code, point, zone = place
    url = prepared.database.service_urls["grid"]
    square = box(point.x - 5 * METRE, point.y - 5 * METRE, point.x + 5 * METRE, point.y + 5 * METRE)
    gcj_point = ct.wgs84_to_gcj02(point.x, point.y)
    gcj_square = shapely.transform(
        square, lambda xy: np.array([ct.wgs84_to_gcj02(x, y) for x, y in xy])
    )
    data = _collection(
        {
            **_feature(mapping(gcj_square), name="导入1号楼", address="测试路1号", households=12),
            "id": "a1",
        },
        _feature({"type": "Point", "coordinates": list(gcj_point)}, name="导入2号楼"),
    )
    variables = {"code": code, "format": "GEOJSON", "crs": "GCJ02", "data": data}
    grid = running.subgraphs["grid"]
    result = running.post(grid, IMPORT_BUILDINGS, variables)["data"]["importBuildings"]
    try:
        assert result["errors"] == [] and result["imported"] == 2 and result["skipped"] == 0
        stored = [
            running.post(grid, BUILDING, {"id": i})["data"]["building"] for i in result["ids"]
        ]
        assert stored[0]["name"] == "导入1号楼" and stored[0]["households"] == 12
        polygon = shapely.geometry.shape(stored[0]["footprint"])
        assert shapely.hausdorff_distance(polygon, square) < METRE
        assert Point(stored[1]["footprint"]["coordinates"]).distance(point) < METRE
        # Both lie inside `zone`: the database gave them that zone by its own rule.
        assert {s["zone"]["id"] for s in stored} == {str(zone.id)}
        again = running.post(grid, IMPORT_BUILDINGS, variables)["data"]["importBuildings"]
        assert (again["imported"], again["skipped"], again["ids"]) == (0, 2, result["ids"])
    finally:
        _delete(url, result["ids"])


def test_csv_buildings_in_bd09(running: Running, prepared: Prepared, place: tuple) -> None:
    code, point, zone = place
    bd = ct.wgs84_to_bd09(point.x, point.y)
    data = f"name,address,households,lon,lat\nCSV楼,测试街2号,7,{bd[0]},{bd[1]}\n"
    variables = {"code": code, "format": "CSV", "crs": "BD09", "data": data}
    grid = running.subgraphs["grid"]
    result = running.post(grid, IMPORT_BUILDINGS, variables)["data"]["importBuildings"]
    try:
        assert result["errors"] == [] and result["imported"] == 1
        stored = running.post(grid, BUILDING, {"id": result["ids"][0]})["data"]["building"]
        assert (stored["name"], stored["address"], stored["households"]) == (
            "CSV楼",
            "测试街2号",
            7,
        )
        assert Point(stored["footprint"]["coordinates"]).distance(point) < METRE
        assert stored["zone"]["id"] == str(zone.id)
    finally:
        _delete(prepared.database.service_urls["grid"], result["ids"])


def _bad_inputs(point: Point) -> dict[str, tuple[str, str, str]]:
    x, y = point.x, point.y
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + 1e-4, y + 1e-4], [x + 1e-4, y], [x, y + 1e-4], [x, y]]],
    }
    line = {"type": "LineString", "coordinates": [[x, y], [x + 1e-4, y]]}
    good = _feature({"type": "Point", "coordinates": [x, y]}, name="好楼")
    return {
        "not a collection": ("GEOJSON", "WGS84", json.dumps(good)),
        "wrong geometry type": ("GEOJSON", "WGS84", _collection(good, _feature(line, name="线"))),
        "NaN": (
            "GEOJSON",
            "WGS84",
            _collection(
                good, _feature({"type": "Point", "coordinates": [x, "NaN"]}, name="n")
            ).replace('"NaN"', "NaN"),
        ),
        "infinity": ("GEOJSON", "WGS84", _collection(good).replace(f"{y}]", "1e999]")),
        "out of range": (
            "GEOJSON",
            "WGS84",
            _collection(_feature({"type": "Point", "coordinates": [200, y]}, name="远")),
        ),
        "self-intersecting": ("GEOJSON", "WGS84", _collection(good, _feature(bowtie, name="蝴蝶"))),
        "no name": (
            "GEOJSON",
            "WGS84",
            _collection(_feature({"type": "Point", "coordinates": [x, y]})),
        ),
        "outside the community": (
            "GEOJSON",
            "WGS84",
            _collection(_feature({"type": "Point", "coordinates": [x + 1, y]}, name="外")),
        ),
        "bad csv latitude": ("CSV", "WGS84", f"name,lon,lat\n甲,{x},{y}\n乙,{x},95\n"),
        "csv without columns": ("CSV", "WGS84", "name,address\n甲,路\n"),
        "50 MB": ("CSV", "WGS84", "name,lon,lat\n" + f"楼,{x},{y}\n" * (50 * 1024 * 1024 // 30)),
    }


BAD = (
    "not a collection",
    "wrong geometry type",
    "NaN",
    "infinity",
    "out of range",
    "self-intersecting",
    "no name",
    "outside the community",
    "bad csv latitude",
    "csv without columns",
    "50 MB",
)


@pytest.mark.parametrize("case", BAD)
def test_bad_buildings_are_refused_with_nothing_written(
    running: Running, prepared: Prepared, place: tuple, case: str
) -> None:
    code, point, _ = place
    fmt, crs, data = _bad_inputs(point)[case]
    url = prepared.database.service_urls["grid"]
    before = _counts(url)
    variables = {"code": code, "format": fmt, "crs": crs, "data": data}
    result = running.post(running.subgraphs["grid"], IMPORT_BUILDINGS, variables)
    answer = result["data"]["importBuildings"]
    assert answer["errors"], case
    assert (answer["imported"], answer["ids"]) == (0, [])
    assert all(e["message"] and e["messageEn"] and e["field"] for e in answer["errors"])
    assert _counts(url) == before


def test_bad_zones_and_community_are_refused(
    running: Running, prepared: Prepared, place: tuple
) -> None:
    code, point, _ = place
    url = prepared.database.service_urls["grid"]
    before = _counts(url)
    inside = box(point.x - 1e-4, point.y - 1e-4, point.x + 1e-4, point.y + 1e-4)
    cases = {
        "overlaps a demo zone": (code, _collection(_feature(mapping(inside), name="新片区"))),
        "a point zone": (code, _collection(_feature(mapping(point), name="点"))),
        "unknown community": ("999999999999", _collection(_feature(mapping(inside), name="x"))),
    }
    expected = {
        "overlaps a demo zone": "CONFLICT",
        "a point zone": "INVALID",
        "unknown community": "NOT_FOUND",
    }
    for case, (community, data) in cases.items():
        variables = {"code": community, "format": "GEOJSON", "crs": "WGS84", "data": data}
        answer = running.post(running.subgraphs["grid"], IMPORT_ZONES, variables)["data"]
        errors = answer["importZones"]["errors"]
        assert [e["code"] for e in errors] == [expected[case]], (case, errors)
    assert _counts(url) == before


# --- export ----------------------------------------------------------------------------------


@pytest.mark.parametrize("crs", [Crs.WGS84, Crs.GCJ02])
def test_export_imports_back_unchanged(prepared: Prepared, place: tuple, crs: Crs) -> None:
    """An export, imported again into its own community (declaring the same system), changes
    and duplicates nothing."""
    code = place[0]

    async def work(conn: AsyncConnection) -> list[ImportOutcome]:
        outcomes = []
        for fmt in (transfer_export.ExportFormat.GEOJSON, transfer_export.ExportFormat.CSV):
            for layer, run in (
                (transfer_export.ExportLayer.ZONES, transfer_import.import_zones),
                (transfer_export.ExportLayer.BUILDINGS, transfer_import.import_buildings),
            ):
                data = await transfer_export.export(
                    conn, region_code=code, layer=layer, fmt=fmt, crs=crs
                )
                outcomes.append(
                    await run(
                        conn,
                        community_code=code,
                        fmt=transfer_import.ImportFormat(fmt.value),
                        crs=crs,
                        data=data,
                    )
                )
        return outcomes

    url = prepared.database.service_urls["grid"]
    before = _counts(url)
    outcomes = _rolled_back(url, work)
    for outcome in outcomes:
        assert outcome.imported == 0 and outcome.skipped == len(outcome.ids) > 0
    assert _counts(url) == before


def test_export_layers_and_gaps(
    running: Running, prepared: Prepared, demo: Demo, place: tuple
) -> None:
    code = place[0]
    street = code[:9]
    variables = {"code": street, "layer": "BUILDINGS", "crs": "WGS84"}
    data = running.post(running.subgraphs["grid"], EXPORT, variables)["data"]
    features = json.loads(data["exportGeoJSON"])["features"]
    ours = {b.id for b in demo.buildings if b.community_code.startswith(street)}
    assert {uuid.UUID(f["id"]) for f in features} == ours
    assert len(data["exportCSV"].strip().splitlines()) == len(ours) + 1
    zone_of = expected_zone(demo)
    assert all(
        f["properties"]["zoneId"]
        == (str(zone_of[uuid.UUID(f["id"])]) if zone_of[uuid.UUID(f["id"])] else None)
        for f in features
    )

    variables = {"code": code, "layer": "GAPS", "crs": "WGS84"}
    data = running.post(running.subgraphs["grid"], EXPORT, variables)["data"]
    gaps = json.loads(data["exportGeoJSON"])["features"]
    rows = sql(
        prepared.database.service_urls["grid"],
        "SELECT id FROM grid.building WHERE community_code = :c AND (party_group_id IS NULL "
        "OR zone_id IS NULL) UNION ALL SELECT id FROM grid.zone WHERE community_code = :c "
        "AND organization_id IS NULL",
        c=code,
    )
    assert sorted(f["id"] for f in gaps) == sorted(str(r[0]) for r in rows)
    assert all(f["properties"]["gaps"] for f in gaps)
    assert len(data["exportCSV"].strip().splitlines()) == len(gaps) + 1

    bad = running.post(running.subgraphs["grid"], EXPORT, {**variables, "code": "12"})
    assert bad["errors"] and bad["errors"][0]["extensions"]["code"] == "INVALID"


def test_export_in_gcj02_is_offset(prepared: Prepared, place: tuple) -> None:
    code = place[0]

    async def work(conn: AsyncConnection) -> tuple[str, str]:
        layer, fmt = transfer_export.ExportLayer.BUILDINGS, transfer_export.ExportFormat.GEOJSON
        return (
            await transfer_export.export(
                conn, region_code=code, layer=layer, fmt=fmt, crs=Crs.WGS84
            ),
            await transfer_export.export(
                conn, region_code=code, layer=layer, fmt=fmt, crs=Crs.GCJ02
            ),
        )

    wgs, gcj = _rolled_back(prepared.database.service_urls["grid"], work)
    a = shapely.geometry.shape(json.loads(wgs)["features"][0]["geometry"]).representative_point()
    b = shapely.geometry.shape(json.loads(gcj)["features"][0]["geometry"]).representative_point()
    expected = ct.wgs84_to_gcj02(a.x, a.y)
    assert Point(expected).distance(b) < METRE and a.distance(b) > 100 * METRE


# --- OpenStreetMap ---------------------------------------------------------------------------

OSM_COMMUNITY = "990000000001"
# The OSM test community lies outside the demo district: a caller scoped to its own district.
OSM_CALLER = Identity("osm-test", Role.DISTRICT, "990000")


@pytest.fixture
def osm_community(prepared: Prepared) -> Iterator[str]:
    """A community around the pyrosm test extract (Kotka, Finland); removed afterwards."""
    url = prepared.database.service_urls["grid"]
    boundary = box(26.92, 60.51, 26.98, 60.55).wkt
    sql(
        url,
        "INSERT INTO grid.community (code, street_code, district_code, boundary) "
        "VALUES (:c, :s, :d, ST_GeomFromText(:b, 4326))",
        c=OSM_COMMUNITY,
        s=OSM_COMMUNITY[:9],
        d=OSM_COMMUNITY[:6],
        b=boundary,
    )
    try:
        yield OSM_COMMUNITY
    finally:
        for table in ("building", "zone", "community"):
            column = "code" if table == "community" else "community_code"
            sql(url, f"DELETE FROM grid.{table} WHERE {column} = :c", c=OSM_COMMUNITY)


ORPHANS = """query ($r: [_Any!]!) { _entities(representations: $r) {
  ... on Community { buildingCount orphanBuildings { id } zones { id buildings { id } } } } }"""


def test_osm_extract_imports_and_gets_coverage(
    running: Running, prepared: Prepared, osm_community: str, capsys: pytest.CaptureFixture
) -> None:
    url = prepared.database.service_urls["grid"]
    argv = [
        "import",
        "buildings",
        str(OSM_EXTRACT),
        "--community",
        osm_community,
        "--format",
        "osm",
        "--database-url",
        url,
    ]
    assert partygrid_main(argv) == 0
    # 48 of the extract's 2219 building ways lack nodes (cut at its edge): reported, not dropped.
    printed = capsys.readouterr()
    assert "buildings: read 2219, imported 2171, updated 0, skipped 48" in printed.out
    assert "48 ways cut at the extract's edge" in printed.err
    grid = running.subgraphs["grid"]
    representation = {"r": [{"__typename": "Community", "code": osm_community}]}
    community = running.post(grid, ORPHANS, representation, identity=OSM_CALLER)["data"][
        "_entities"
    ][0]
    assert community["buildingCount"] == 2171
    assert len(community["orphanBuildings"]) == 2171  # no zones yet: every building an orphan
    coverage = running.post(
        grid,
        "query ($c: String!) { coverage(regionCode: $c) { buildings covered orphans } }",
        {"c": osm_community},
        identity=OSM_CALLER,
    )["data"]["coverage"]
    assert coverage == {"buildings": 2171, "covered": 0, "orphans": 2171}

    # A zone over the west half: the database gives it the buildings whose interior point it
    # covers; check against shapely on the exported footprints.
    west = box(26.92, 60.51, 26.95, 60.55)
    zones = _collection(_feature(mapping(west), name="西片区"))
    answer = running.post(
        grid,
        IMPORT_ZONES,
        {"code": osm_community, "format": "GEOJSON", "crs": "WGS84", "data": zones},
        identity=OSM_CALLER,
    )
    assert answer["data"]["importZones"]["errors"] == []
    exported = running.post(
        grid,
        EXPORT,
        {"code": osm_community, "layer": "BUILDINGS", "crs": "WGS84"},
        identity=OSM_CALLER,
    )
    features = json.loads(exported["data"]["exportGeoJSON"])["features"]
    in_west = {
        f["id"]
        for f in features
        if west.covers(shapely.geometry.shape(f["geometry"]).representative_point())
    }
    community = running.post(grid, ORPHANS, representation, identity=OSM_CALLER)["data"][
        "_entities"
    ][0]
    assert {b["id"] for b in community["zones"][0]["buildings"]} == in_west
    assert len(community["orphanBuildings"]) == 2171 - len(in_west) and 0 < len(in_west) < 2171

    # Again: nothing duplicated, nothing changed.
    assert partygrid_main(argv) == 0
    assert "imported 0, updated 0, skipped 2219" in capsys.readouterr().out


def test_osm_outside_and_wrong_system(prepared: Prepared, osm_community: str) -> None:
    url = prepared.database.service_urls["grid"]
    small = "UPDATE grid.community SET boundary = ST_MakeEnvelope(26.93, 60.52, 26.94, 60.53, 4326) WHERE code = :c"
    sql(url, small, c=osm_community)

    async def work(conn: AsyncConnection) -> ImportOutcome:
        return await transfer_import.import_osm_buildings(
            conn, community_code=osm_community, path=OSM_EXTRACT
        )

    outcome = _rolled_back(url, work)
    assert 0 < outcome.imported < 2171 and outcome.imported + outcome.skipped == 2219

    async def gcj(conn: AsyncConnection) -> None:
        await transfer_import.import_osm_buildings(
            conn, community_code=osm_community, path=OSM_EXTRACT, crs=Crs.GCJ02
        )

    with pytest.raises(DomainError):
        _rolled_back(url, gcj)


def test_cli_export_and_refusal(
    prepared: Prepared, place: tuple, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    url = prepared.database.service_urls["grid"]
    out = tmp_path / "zones.csv"
    argv = [
        "export",
        "zones",
        "--region",
        place[0],
        "--format",
        "csv",
        "-o",
        str(out),
        "--database-url",
        url,
    ]
    assert partygrid_main(argv) == 0
    assert out.read_text().startswith("id,community_code,name,organization_id,lon,lat,wkt")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,lon,lat\n坏,nan,30\n")
    before = _counts(url)
    argv = [
        "import",
        "buildings",
        str(bad),
        "--community",
        place[0],
        "--format",
        "csv",
        "--database-url",
        url,
    ]
    assert partygrid_main(argv) == 1
    assert "NaN" in capsys.readouterr().err
    assert _counts(url) == before
