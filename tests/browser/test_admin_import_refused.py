"""The import page offers a geometry import's refused features for download under the
service's name (refused-buildings.geojson): the file the user fixes and imports again."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from browser_pages import Visit
from placeholder_communities import placeholder_communities, sql
from shapely.geometry import box, mapping

from infra.setup import Prepared
from services.common.auth import Identity, Role

COMMUNITY = "990000000302"
AREA = box(114.52, 35.70, 114.53, 35.71)
IMPORTER = Identity("import-refused-page-test", Role.DISTRICT, "990000")


@pytest.fixture
def grid_url(prepared: Prepared) -> Iterator[str]:
    with placeholder_communities(prepared.database.service_urls["grid"], {COMMUNITY: AREA}) as grid:
        yield grid


def test_a_partial_import_offers_the_refused_features(
    visit: Callable[..., Visit], grid_url: str, screenshots: Path
) -> None:
    x, y = AREA.bounds[0], AREA.bounds[1]
    features = [
        (box(x + 0.001, y + 0.001, x + 0.0018, y + 0.0018), {"名称": "一号楼", "备注": "好"}),
        (box(114.9, 35.9, 114.901, 35.901), {"名称": "远楼", "备注": "画错了地方"}),
    ]
    data = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": mapping(s), "properties": p} for s, p in features
            ],
        },
        ensure_ascii=False,
    ).encode()
    seen = visit("/admin/import", identity=IMPORTER)
    page = seen.page
    page.select_option("#import-kind", "buildings")
    page.set_input_files(
        "#import-file", {"name": "楼栋.geojson", "mimeType": "application/geo+json", "buffer": data}
    )
    page.locator("#import-partial").check()
    page.locator("#import-check").click()
    page.wait_for_function("() => document.querySelector('#import-report').dataset.state")
    link = page.locator("#import-refused-rows")
    assert "refused-buildings.geojson" in link.inner_text()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "refused-buildings.geojson"
    collection = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    (refused,) = collection["features"]
    assert refused["properties"]["名称"] == "远楼" and refused["properties"]["备注"] == "画错了地方"
    assert "不在任何社区范围内" in refused["properties"]["拒绝原因"]
    page.screenshot(path=screenshots / "admin-import-refused-features.png")
    assert sql(grid_url, "SELECT 1 FROM grid.building WHERE community_code = :c", c=COMMUNITY) == []
    assert [e for e in seen.errors if "status of 422" not in e] == []
