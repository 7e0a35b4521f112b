"""Geometry files (services.grid.transfer.files, .file_import) through `partygrid import`.

Every file is made here with pyogrio/shapely/pyproj, in the system a district would have it
in; what is stored is transformed back with pyproj and compared with the truth (within 1 m).
The test communities lie outside the demo district and are removed afterwards.
"""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import shapely
import shapely.affinity
from placeholder_communities import placeholder_communities, remove_communities, sql
from pyogrio.raw import write
from pyproj import Transformer
from shapely.geometry import box

from infra.cli import main as partygrid_main
from infra.setup import Prepared
from services.common.auth import Identity, Role
from stack import Running

WEST, EAST = "990000000101", "990000000102"
# Two neighbouring communities north of the demo district (central meridian 114°E).
AREAS = {WEST: box(114.30, 35.50, 114.31, 35.51), EAST: box(114.31, 35.50, 114.32, 35.51)}


@pytest.fixture
def url(prepared: Prepared) -> Iterator[str]:
    """The grid role's URL, with the two test communities (tiny placeholder boundaries)."""
    with placeholder_communities(prepared.database.service_urls["grid"], AREAS) as grid:
        yield grid


def _to(epsg: int, shape: Any) -> Any:
    forward = Transformer.from_crs(4326, epsg, always_xy=True)
    return shapely.transform(shape, lambda xy: np.column_stack(forward.transform(*xy.T)))


def _metres_apart(stored_wkt: str, truth: Any, epsg: int) -> float:
    """Hausdorff distance in metres between a stored WGS-84 shape and the truth in `epsg`."""
    return _to(epsg, shapely.from_wkt(stored_wkt)).hausdorff_distance(truth)


def _write(path: Path, shapes: list, columns: dict[str, list], crs: str | None, **kw: Any) -> None:
    geometry = np.array([shapely.to_wkb(s) for s in shapes], dtype=object)
    fields = list(columns)
    values = [np.array(columns[f], dtype=object) for f in fields]
    kind = "Point" if shapes[0].geom_type == "Point" else "Polygon"
    with warnings.catch_warnings():  # pyogrio warns of a file without a CRS: wanted here
        warnings.simplefilter("ignore", UserWarning)
        write(str(path), geometry, values, fields, geometry_type=kind, crs=crs, **kw)


def _zipped(folder: Path, drop: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in sorted(folder.iterdir()):
            if part.suffix not in drop:
                archive.write(part, part.name)
    return buffer.getvalue()


def _import(capsys: pytest.CaptureFixture, url: str, *argv: str) -> tuple[int, str, str]:
    code = partygrid_main(["import", *argv, "--database-url", url])
    out, err = capsys.readouterr()
    return code, out, err


def _buildings(url: str, code: str) -> list:
    return sql(
        url,
        "SELECT name, ST_AsText(footprint), address FROM grid.building "
        "WHERE community_code = :c ORDER BY name_key",
        c=code,
    )


def _footprint(area: Any, dx: float, dy: float, size: float = 0.0008) -> Any:
    x, y = area.bounds[0] + dx, area.bounds[1] + dy
    return box(x, y, x + size, y + size)


# --- formats and coordinate systems ----------------------------------------------------------


def test_boundaries_from_a_geopackage_in_gauss_kruger(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    truth = {
        WEST: box(114.301, 35.501, 114.3095, 35.5095),
        EAST: box(114.3105, 35.501, 114.319, 35.509),
    }
    projected = {c: _to(4547, s) for c, s in truth.items()}
    path = tmp_path / "boundaries.gpkg"
    _write(
        path,
        list(projected.values()),
        {"社区代码": list(projected), "名称": ["西", "东"]},
        "EPSG:4547",
        driver="GPKG",
    )
    code, out, err = _import(capsys, url, "boundaries", str(path))
    assert code == 0, err
    assert "read 2, imported 0, updated 2" in out
    for community, shape in projected.items():
        (stored,) = sql(
            url, "SELECT ST_AsText(boundary) FROM grid.community WHERE code = :c", c=community
        )
        assert _metres_apart(stored[0], shape, 4547) < 1.0
    # A code grid does not know, and a street code: refused, nothing written.
    _write(
        tmp_path / "bad.gpkg",
        [projected[WEST]] * 2,
        {"code": ["990000000199", "990000001"]},
        "EPSG:4547",
        driver="GPKG",
    )
    code, _, err = _import(capsys, url, "boundaries", str(tmp_path / "bad.gpkg"))
    assert code == 1
    assert "12 digits" in err and "nothing was imported" in err


def test_zipped_shapefile_in_web_mercator_with_gbk_names_and_no_cpg(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    truth = [_footprint(AREAS[WEST], 0.001, 0.001), _footprint(AREAS[WEST], 0.003, 0.001)]
    folder = tmp_path / "shp"
    folder.mkdir()
    names = ["金水苑1号楼", "金水苑2号楼"]
    _write(
        folder / "楼栋.shp",
        [_to(3857, s) for s in truth],
        {"名称": names, "地址": ["金水路1号", "金水路2号"]},
        "EPSG:3857",
        driver="ESRI Shapefile",
        encoding="GBK",
    )
    data = _zipped(folder, drop=(".cpg",))
    assert b"\xbd\xf0" in data  # 金 in GBK: the names really are GBK bytes
    (tmp_path / "buildings.zip").write_bytes(data)
    code, out, err = _import(
        capsys, url, "buildings", str(tmp_path / "buildings.zip"), "--community", WEST
    )
    assert code == 0, err
    assert "GB18030" in err and "imported 2" in out
    stored = _buildings(url, WEST)
    assert [s[0] for s in stored] == names and stored[0][2] == "金水路1号"
    for (_, wkt, _), shape in zip(stored, truth, strict=True):
        assert _metres_apart(wkt, _to(3857, shape), 3857) < 1.0


def test_kml_csv_with_only_wkt_and_geojson_in_cgcs2000(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    kml_shape = _footprint(AREAS[WEST], 0.001, 0.005)
    coords = " ".join(f"{x},{y},0" for x, y in kml_shape.exterior.coords)
    kml = (
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
        "<Document><Placemark><name>红旗楼</name><Polygon><outerBoundaryIs><LinearRing>"
        f"<coordinates>{coords}</coordinates></LinearRing></outerBoundaryIs></Polygon>"
        "</Placemark></Document></kml>"
    )
    (tmp_path / "b.kml").write_text(kml)
    code, out, err = _import(capsys, url, "buildings", str(tmp_path / "b.kml"))
    assert code == 0, err
    assert "imported 1" in out

    csv_shapes = [_footprint(AREAS[EAST], 0.001 + 0.0008 * i, 0.001, 0.0004) for i in range(11)]
    rows = "\n".join(f'"{s.wkt}"' for s in csv_shapes)
    (tmp_path / "b.csv").write_text(f"WKT\n{rows}\n")
    code, out, err = _import(capsys, url, "buildings", str(tmp_path / "b.csv"))
    assert code == 0, err
    assert "imported 11" in out
    # Unnamed: ordinals, in natural order (2 before 10).
    assert [s[0] for s in _buildings(url, EAST)][:3] == [
        "未命名楼栋 1",
        "未命名楼栋 2",
        "未命名楼栋 3",
    ]

    truth = _footprint(AREAS[WEST], 0.006, 0.006)
    _write(tmp_path / "b.geojson", [truth], {"name": ["国标楼"]}, "EPSG:4490", driver="GeoJSON")
    assert "4490" in (tmp_path / "b.geojson").read_text()
    code, out, err = _import(capsys, url, "buildings", str(tmp_path / "b.geojson"))
    assert code == 0, err
    (stored,) = [s for s in _buildings(url, WEST) if s[0] == "国标楼"]
    assert _metres_apart(stored[1], _to(4547, truth), 4547) < 1.0
    assert {s[0] for s in _buildings(url, WEST)} == {"红旗楼", "国标楼"}


def test_a_csv_without_geometry_says_what_it_found(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    (tmp_path / "b.csv").write_text(
        'name,shape_txt\n甲,"POLYGON((114.3 35.5,114.301 35.5,114.301 35.501,114.3 35.5))"\n'
    )
    code, _, err = _import(capsys, url, "buildings", str(tmp_path / "b.csv"))
    assert code == 1
    assert "'shape_txt' holds WKT shapes: name it WKT" in err


def test_gauss_kruger_with_zone_prefix_and_no_prj_needs_a_declaration(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    truth = _footprint(AREAS[EAST], 0.004, 0.004)
    folder = tmp_path / "shp"
    folder.mkdir()
    _write(
        folder / "b.shp", [_to(4526, truth)], {"name": ["带号楼"]}, None, driver="ESRI Shapefile"
    )
    (tmp_path / "b.zip").write_bytes(_zipped(folder, drop=(".prj",)))
    code, _, err = _import(capsys, url, "buildings", str(tmp_path / "b.zip"))
    assert code == 1
    assert "declares no coordinate system" in err and "zone 38" in err and "EPSG:4526" in err
    assert _buildings(url, EAST) == []
    code, _out, err = _import(
        capsys, url, "buildings", str(tmp_path / "b.zip"), "--crs", "EPSG:4526"
    )
    assert code == 0, err
    (stored,) = _buildings(url, EAST)
    assert _metres_apart(stored[1], _to(4526, truth), 4526) < 1.0


# --- several communities, duplicates, ids ----------------------------------------------------


def test_a_file_spanning_communities_is_split_and_what_lies_outside_reported(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    west = [_footprint(AREAS[WEST], 0.001 + 0.002 * i, 0.002) for i in range(3)]
    east = [_footprint(AREAS[EAST], 0.001 + 0.002 * i, 0.002) for i in range(2)]
    outside = [_footprint(AREAS[EAST], 0.13, 0.002), _footprint(AREAS[EAST], 0.135, 0.002)]
    shapes = west + east + outside
    _write(
        tmp_path / "b.gpkg",
        [_to(4547, s) for s in shapes],
        {"name": [f"楼{i}" for i in range(7)]},
        "EPSG:4547",
        driver="GPKG",
    )
    code, _, err = _import(capsys, url, "buildings", str(tmp_path / "b.gpkg"))
    assert code == 1
    assert "2 features lie in no community" in err and "km east of community 990000000102" in err
    assert _buildings(url, WEST) == [] and _buildings(url, EAST) == []
    code, out, err = _import(capsys, url, "buildings", str(tmp_path / "b.gpkg"), "--partial")
    assert code == 0, err
    assert "read 7, imported 5" in out and "refused 2" in out
    assert [b[0] for b in _buildings(url, WEST)] == ["楼0", "楼1", "楼2"]
    assert [b[0] for b in _buildings(url, EAST)] == ["楼3", "楼4"]


@pytest.mark.parametrize("policy", ["skip", "keep", "replace"])
def test_duplicate_footprints_follow_the_policy(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture, policy: str
) -> None:
    first = _footprint(AREAS[WEST], 0.002, 0.002)
    _write(tmp_path / "a.gpkg", [first], {"name": ["原楼"]}, "EPSG:4326", driver="GPKG")
    assert _import(capsys, url, "buildings", str(tmp_path / "a.gpkg"))[0] == 0
    (before,) = sql(url, "SELECT id FROM grid.building WHERE community_code = :c", c=WEST)
    # 3 % shifted: overlapping 97 % of each other; twice in the file, and a new one twice.
    again = shapely.affinity.translate(first, 0.00002, 0)
    fresh = _footprint(AREAS[WEST], 0.005, 0.005)
    _write(
        tmp_path / "b.gpkg",
        [again, again, fresh, fresh],
        {"name": ["新楼", "新楼副本", "另一楼", "另一楼副本"]},
        "EPSG:4326",
        driver="GPKG",
    )
    code, out, err = _import(capsys, url, "buildings", str(tmp_path / "b.gpkg"), "--policy", policy)
    assert code == 0, err
    query = "SELECT id, name FROM grid.building WHERE community_code = :c ORDER BY name_key"
    stored = sql(url, query, c=WEST)
    if policy == "skip":
        assert (
            "imported 1, updated 0, skipped 3 (duplicate of a stored building 2; "
            "duplicate of another building in the file 1)" in out
        )
        assert [s[1] for s in stored] == ["原楼", "另一楼"]
    elif policy == "keep":
        assert "imported 4, updated 0, skipped 0" in out
        assert sorted(s[1] for s in stored) == sorted(
            ["原楼", "新楼", "新楼副本", "另一楼", "另一楼副本"]
        )
    else:
        assert "imported 1, updated 1, skipped 2" in out
        # The stored building took the new shape and name, keeping its id.
        assert (before[0], "新楼") in stored and sorted(s[1] for s in stored) == ["另一楼", "新楼"]


def test_reimport_with_an_id_column_updates(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    shapes = [_footprint(AREAS[EAST], 0.001 + 0.002 * i, 0.003) for i in range(3)]
    ids = ["B-1", "B-2", "B-3"]
    _write(
        tmp_path / "a.gpkg",
        shapes,
        {"id": ids, "name": ["一", "二", "三"]},
        "EPSG:4326",
        driver="GPKG",
    )
    code, out, _ = _import(capsys, url, "buildings", str(tmp_path / "a.gpkg"), "--community", EAST)
    assert "imported 3, updated 0" in out
    moved = [shapes[0], shapely.affinity.translate(shapes[1], 0.0001, 0), shapes[2]]
    _write(
        tmp_path / "b.gpkg",
        moved,
        {"id": ids, "name": ["一号", "二", "三"]},
        "EPSG:4326",
        driver="GPKG",
    )
    code, out, _ = _import(capsys, url, "buildings", str(tmp_path / "b.gpkg"), "--check")
    assert code == 0 and "buildings: read 3, imported 0, updated 2, skipped 1" in out
    assert out.rstrip().endswith("— checked")
    assert [b[0] for b in _buildings(url, EAST)] == ["一", "二", "三"]  # --check wrote nothing
    code, out, _err = _import(capsys, url, "buildings", str(tmp_path / "b.gpkg"))
    assert code == 0 and "imported 0, updated 2, skipped 1 (unchanged 1)" in out
    assert sorted(b[0] for b in _buildings(url, EAST)) == sorted(["一号", "二", "三"])
    assert len(_buildings(url, EAST)) == 3


# --- the HTTP route of the import contract ---------------------------------------------------

TEST_DISTRICT = Identity("geofiles-test", Role.DISTRICT, "990000")


def test_the_import_route_checks_refuses_grouped_and_writes(
    running: Running, url: str, tmp_path: Path
) -> None:
    target = running.subgraphs["grid"].removesuffix("/graphql") + "/imports/buildings"

    def post(data: bytes, identity: Identity, **params: str) -> httpx.Response:
        headers = {**running.headers(target, identity), "x-partygrid-filename": "b.gpkg"}
        return httpx.post(target, content=data, params=params, headers=headers, timeout=60)

    shapes = [_footprint(AREAS[WEST], 0.001 + 0.002 * i, 0.002) for i in range(3)]
    shapes += [_footprint(AREAS[EAST], 0.2, 0.0), _footprint(AREAS[EAST], 0.21, 0.0)]
    path = tmp_path / "b.gpkg"
    _write(path, [_to(4547, s) for s in shapes], {"name": list("甲乙丙丁戊")}, None, driver="GPKG")
    data = path.read_bytes()

    response = post(data, TEST_DISTRICT)  # no CRS, projected numbers: refused, nothing written
    assert response.status_code == 400 and "EPSG" in response.json()["errors"][0]["messageEn"]
    response = post(data, TEST_DISTRICT, crs="EPSG:4547")  # two outside: refused, grouped
    assert response.status_code == 422, response.text
    report = response.json()
    assert report["written"] is False and report["read"] == 5
    (group,) = report["refused"]
    assert group["rule"] == "inside_community" and group["count"] == 2
    assert "km" in group["messageEn"] and group["row"] == 4
    assert _buildings(url, WEST) == []

    response = post(data, TEST_DISTRICT, crs="EPSG:4547", partial="true", check="true")
    assert response.status_code == 200 and response.json()["checkOnly"] is True
    assert response.json()["imported"] == 3 and _buildings(url, WEST) == []
    response = post(data, TEST_DISTRICT, crs="EPSG:4547", partial="true")
    assert response.json()["written"] is True and response.json()["imported"] == 3
    assert sorted(b[0] for b in _buildings(url, WEST)) == sorted("甲乙丙")
    # Another district's user may not write here: the communities are not theirs.
    other = Identity("other", Role.DISTRICT, "410104")
    response = post(data, other, crs="EPSG:4547", community=WEST)
    assert response.status_code == 403
    assert post(data, Identity("v", Role.VIEWER, "990000")).status_code == 403
    # A malformed community is a typed INVALID before any scope check (issue 12 class 2).
    for bad in (" " + WEST, WEST[:-1] + "%", WEST + "0"):
        response = post(data, TEST_DISTRICT, crs="EPSG:4547", community=bad)
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["errors"][0]["code"] == "INVALID"
    # Community outlines are the district's to set, not a planner's, even in scope.
    boundaries = target.replace("/imports/buildings", "/imports/boundaries")
    planner = Identity("p", Role.PLANNER, WEST)
    response = httpx.post(
        boundaries, content=data, headers=running.headers(boundaries, planner), timeout=60
    )
    assert response.status_code == 403, response.text


def test_zones_from_one_geojson_go_to_their_communities(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    zones = [
        box(114.301, 35.501, 114.305, 35.509),
        box(114.305, 35.501, 114.309, 35.509),
        box(114.311, 35.501, 114.319, 35.509),
    ]
    _write(
        tmp_path / "z.geojson",
        [_to(3857, z) for z in zones],
        {"名称": ["一片", "二片", "东片"]},
        "EPSG:3857",
        driver="GeoJSON",
    )
    code, out, err = _import(capsys, url, "zones", str(tmp_path / "z.geojson"))
    assert code == 0, err
    assert "zones: read 3, imported 3" in out
    query = "SELECT community_code, name, ST_AsText(boundary) FROM grid.zone WHERE community_code LIKE '9900000001%' ORDER BY name"
    stored = {name: (community, wkt) for community, name, wkt in sql(url, query)}
    assert {n: c for n, (c, _) in stored.items()} == {"一片": WEST, "二片": WEST, "东片": EAST}
    assert _metres_apart(stored["东片"][1], _to(3857, zones[2]), 3857) < 1.0


NEW = "990000001103"  # in org's region tree, not yet in grid


@pytest.fixture
def org_community(prepared: Prepared) -> Iterator[str]:
    org = prepared.database.service_urls["org"]
    rows = [
        ("990000", "district", None),
        ("990000001", "street", "990000"),
        (NEW, "community", "990000001"),
    ]
    made = []
    for code, level, parent in rows:
        exists = sql(org, "SELECT 1 FROM org.region WHERE code = :c", c=code)
        if not exists:
            sql(
                org,
                "INSERT INTO org.region (code, name, name_en, level, parent_code) "
                "VALUES (:c, :n, :n, :l, :p)",
                c=code,
                n=f"测试 {code}",
                l=level,
                p=parent,
            )
            made.append(code)
    try:
        yield org
    finally:
        for code in reversed(made):
            sql(org, "DELETE FROM org.region WHERE code = :c", c=code)


@pytest.fixture
def founded(url: str) -> Iterator[None]:
    """The grid community NEW that the test founds is removed afterwards: left behind, it is
    a community without zones that later tests (planner's) pick up."""
    try:
        yield
    finally:
        remove_communities(url, [NEW])


@pytest.mark.usefixtures("founded")
def test_a_boundary_founds_a_grid_community_that_org_holds(
    url: str, org_community: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    truth = box(114.33, 35.50, 114.34, 35.51)
    _write(tmp_path / "b.gpkg", [_to(4547, truth)], {"社区代码": [NEW]}, "EPSG:4547", driver="GPKG")
    argv = ("boundaries", str(tmp_path / "b.gpkg"))
    code, _, err = _import(capsys, url, *argv)  # grid alone cannot tell the code is real
    assert code == 1 and "import the region tree first" in err
    code, out, err = _import(capsys, url, *argv, "--org-database-url", org_community)
    assert code == 0, err
    assert "read 1, imported 1, updated 0" in out
    ((wkt, street),) = sql(
        url, "SELECT ST_AsText(boundary), street_code FROM grid.community WHERE code = :c", c=NEW
    )
    assert street == NEW[:9] and _metres_apart(wkt, _to(4547, truth), 4547) < 1.0


def test_a_boundary_code_stored_as_a_number_reads_as_its_digits_and_full_width_is_refused(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """The one cell cleaner (services.common.cells): a code column that a spreadsheet or GIS
    tool stored as a real number (990000000101.0) is the code, as org's region import reads
    it; full-width digits are refused by the one region-code rule, not folded."""

    def geojson(code: object) -> bytes:
        feature = {
            "type": "Feature",
            "properties": {"code": code, "名称": "西"},
            "geometry": shapely.geometry.mapping(box(114.301, 35.501, 114.3095, 35.5095)),
        }
        return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()

    (tmp_path / "number.geojson").write_bytes(geojson(float(WEST)))
    code, out, err = _import(capsys, url, "boundaries", str(tmp_path / "number.geojson"))
    assert code == 0, err
    assert "read 1, imported 0, updated 1" in out
    full_width = WEST.translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})
    (tmp_path / "wide.geojson").write_bytes(geojson(full_width))
    code, _, err = _import(capsys, url, "boundaries", str(tmp_path / "wide.geojson"))
    assert (
        code == 1
        and f"12 digits, not '{full_width}'" in err
        and full_width not in sql(url, "SELECT string_agg(code, ',') FROM grid.community")[0][0]
    )


def test_a_boundary_that_leaves_out_a_zone_is_refused_before_the_write(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """A new boundary must still hold every zone of its community (zones lie inside their
    community, DOMAIN 片区); the check runs in a short read before the write, so the refused
    feature comes back in FILE.refused.geojson and only the others are written (--partial)."""
    zone_shape = box(114.301, 35.501, 114.303, 35.503)
    sql(
        url,
        "INSERT INTO grid.zone (id, community_code, name, boundary) "
        "VALUES (gen_random_uuid(), :c, '一片区', ST_GeomFromText(:b, 4326))",
        c=WEST,
        b=zone_shape.wkt,
    )
    new = {
        WEST: box(114.304, 35.504, 114.3095, 35.5095),
        EAST: box(114.3105, 35.501, 114.319, 35.509),
    }
    path = tmp_path / "boundaries.gpkg"
    _write(path, list(new.values()), {"社区代码": list(new)}, "EPSG:4326", driver="GPKG")
    before = sql(url, "SELECT code, ST_AsText(boundary) FROM grid.community ORDER BY code")

    code, _, err = _import(capsys, url, "boundaries", str(path))
    assert code == 1 and "leaves out its zone '一片区'" in err
    assert sql(url, "SELECT code, ST_AsText(boundary) FROM grid.community ORDER BY code") == before

    code, out, err = _import(capsys, url, "boundaries", str(path), "--partial")
    assert code == 0, err
    assert "read 2, imported 0, updated 1" in out
    ((west,),) = sql(url, "SELECT ST_AsText(boundary) FROM grid.community WHERE code = :c", c=WEST)
    assert shapely.from_wkt(west).equals(AREAS[WEST])  # kept
    ((east,),) = sql(url, "SELECT ST_AsText(boundary) FROM grid.community WHERE code = :c", c=EAST)
    assert shapely.from_wkt(east).equals(new[EAST])
    refused = json.loads((tmp_path / "boundaries.refused.geojson").read_text())
    assert [f["properties"]["社区代码"] for f in refused["features"]] == [WEST]
