"""A geometry import's refused features come back as a file to fix and import again: a
GeoJSON FeatureCollection in WGS-84, each feature with its original columns and why it was
refused (`拒绝原因`, `refused_reason`), base64 in the report's `refusedRowsFile` (route) or
next to the input as FILE.refused.geojson (`partygrid import --partial`)."""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import shapely
from placeholder_communities import placeholder_communities, sql
from pyogrio.raw import write
from pyproj import Transformer
from shapely.geometry import box, mapping, shape

from infra.cli import main as partygrid_main
from infra.setup import Prepared
from services.common.auth import Identity, Role
from stack import Running

COMMUNITY = "990000000501"
AREA = box(114.60, 35.50, 114.61, 35.51)
IMPORTER = Identity("refused-features-test", Role.DISTRICT, "990000")


@pytest.fixture
def url(prepared: Prepared) -> Iterator[str]:
    with placeholder_communities(prepared.database.service_urls["grid"], {COMMUNITY: AREA}) as grid:
        yield grid


def _to_4547(shape_: Any) -> Any:
    forward = Transformer.from_crs(4326, 4547, always_xy=True)
    return shapely.transform(shape_, lambda xy: np.column_stack(forward.transform(*xy.T)))


def _bow_ties(x: float, y: float) -> Any:
    parts = []
    for i in range(3):
        x0 = x + i * 1e-5
        ring = [(x0, y), (x0 + 3e-5, y + 3e-5), (x0 + 3e-5, y), (x0, y + 3e-5), (x0, y)]
        parts.append(shapely.Polygon(ring))
    return shapely.MultiPolygon(parts)


X, Y = AREA.bounds[0], AREA.bounds[1]
TRUTH = {  # name -> (WGS-84 shape, remark, id)
    "甲": (box(X + 0.001, Y + 0.001, X + 0.0015, Y + 0.0015), "好", "b-1"),
    "远": (box(X + 0.2, Y + 0.001, X + 0.2005, Y + 0.0015), "东边 0.2 度", "b-2"),
    "乙": (box(X + 0.003, Y + 0.001, X + 0.0035, Y + 0.0015), "好", "b-3"),
    "坏": (_bow_ties(X + 0.005, Y + 0.005), "自相交", "b-4"),
}


def _geopackage(path: Path) -> bytes:
    """The four buildings in EPSG:4547 (no CRS declared in the file: --crs says it)."""
    names = list(TRUTH)
    geometry = np.array([shapely.to_wkb(_to_4547(TRUTH[n][0])) for n in names], dtype=object)
    columns = [
        np.array(names, dtype=object),
        np.array([TRUTH[n][1] for n in names], dtype=object),
        np.array([TRUTH[n][2] for n in names], dtype=object),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        write(
            str(path),
            geometry,
            columns,
            ["name", "备注", "id"],
            geometry_type="MultiPolygon",
            driver="GPKG",
        )
    return path.read_bytes()


def _refused(report: dict) -> dict[str, dict]:
    assert report["refusedRowsFileName"] == "refused-buildings.geojson"
    collection = json.loads(base64.b64decode(report["refusedRowsFile"]))
    assert collection["type"] == "FeatureCollection" and "crs" not in collection
    return {f["properties"]["name"]: f for f in collection["features"]}


def _names(url: str) -> list[str]:
    rows = sql(
        url,
        "SELECT name FROM grid.building WHERE community_code = :c ORDER BY name",
        c=COMMUNITY,
    )
    return [r[0] for r in rows]


def test_refused_features_come_back_to_fix_and_import(
    running: Running, url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    target = running.subgraphs["grid"].removesuffix("/graphql") + "/imports/buildings"
    data = _geopackage(tmp_path / "b.gpkg")

    def post(**params: str) -> httpx.Response:
        headers = {**running.headers(target, IMPORTER), "x-partygrid-filename": "b.gpkg"}
        params = {"crs": "EPSG:4547", **params}
        return httpx.post(target, content=data, headers=headers, params=params, timeout=120)

    # Refused as a whole (the reading refused the bow-ties, so nothing further was checked):
    # nothing written, and the refused feature returned.
    refused_whole = post()
    assert refused_whole.status_code == 422, refused_whole.text
    assert [g["count"] for g in refused_whole.json()["refused"]] == [1]
    assert set(_refused(refused_whole.json())) == {"坏"} and _names(url) == []

    answer = post(partial="true")
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["imported"] == 2 and report["written"] is True
    features = _refused(report)
    assert set(features) == {"远", "坏"}  # exactly the refused ones
    far, bad = features["远"], features["坏"]
    # Original columns kept (the id too, so a re-import updates), and each one's reason.
    assert far["properties"]["备注"] == "东边 0.2 度" and far["properties"]["id"] == "b-2"
    assert "no community" in far["properties"]["refused_reason"]
    assert "不在任何社区范围内" in far["properties"]["拒绝原因"]
    assert "Invalid polygon" in bad["properties"]["refused_reason"]
    assert "多边形无效" in bad["properties"]["拒绝原因"]
    # In WGS-84, where the file had it (EPSG:4547 converted back within a centimetre).
    assert shape(far["geometry"]).hausdorff_distance(TRUTH["远"][0]) < 1e-7
    assert sorted(_names(url)) == sorted(["甲", "乙"])

    # The user fixes both (moves the far one in, draws the bow-ties as one square) and
    # imports the file as it came back, reasons and all: no --crs, it is WGS-84.
    far["geometry"] = mapping(shapely.affinity.translate(shape(far["geometry"]), xoff=-0.195))
    bad["geometry"] = mapping(box(X + 0.005, Y + 0.005, X + 0.0055, Y + 0.0055))
    fixed = tmp_path / "fixed.geojson"
    collection = {"type": "FeatureCollection", "features": [far, bad]}
    fixed.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    code = partygrid_main(["import", "buildings", str(fixed), "--database-url", url])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "read 2, imported 2" in out and not (tmp_path / "fixed.refused.geojson").exists()
    assert sorted(_names(url)) == sorted(["甲", "乙", "远", "坏"])


def test_the_cli_writes_the_refused_features_next_to_the_file(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    source = tmp_path / "b.gpkg"
    _geopackage(source)
    argv = ["import", "buildings", str(source), "--crs", "EPSG:4547", "--partial", "--check"]
    code = partygrid_main([*argv, "--database-url", url])
    out, err = capsys.readouterr()
    assert code == 0, err
    written = tmp_path / "b.refused.geojson"
    assert f"in {written}" in err and "buildings: read 4, imported 2" in out
    collection = json.loads(written.read_text(encoding="utf-8"))
    assert sorted(f["properties"]["name"] for f in collection["features"]) == ["坏", "远"]
    assert _names(url) == []  # a check writes nothing
