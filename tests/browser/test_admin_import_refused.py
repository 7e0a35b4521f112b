"""The import page offers a geometry import's refused features for download under the
service's name (refused-buildings.geojson): the file the user fixes and imports again."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from browser_pages import Visit
from openpyxl import load_workbook
from placeholder_communities import placeholder_communities, sql
from shapely.geometry import box, mapping

from infra.setup import Prepared
from services.common.auth import Identity, Role
from stack import Running

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


def test_a_roster_s_refused_rows_are_still_offered_as_xlsx(
    visit: Callable[..., Visit], running: Running
) -> None:
    """The roster's returned rows keep their name and type (its report names no file)."""
    template = httpx.get(
        running.subgraphs["org"].removesuffix("/graphql") + "/templates/organizations.xlsx",
        headers=running.headers(running.subgraphs["org"], IMPORTER),
        timeout=60,
    )
    assert template.status_code == 200, template.text
    book = load_workbook(io.BytesIO(template.content))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    row = {
        "组织编码": "REFUSED-1",
        "组织名称": "不存在社区党委",
        "组织类别": "社区党委",
        "所在社区（区划代码）": "990000009999",  # no such community: refused
        "成立日期": "2019-03-01",
    }
    sheet.append([row.get(h) for h in header])
    out = io.BytesIO()
    book.save(out)
    seen = visit("/admin/import", identity=IMPORTER)
    page = seen.page
    page.select_option("#import-kind", "organizations")
    page.set_input_files(
        "#import-file",
        {"name": "组织.xlsx", "mimeType": "application/octet-stream", "buffer": out.getvalue()},
    )
    page.locator("#import-check").click()
    page.wait_for_function("() => document.querySelector('#import-report').dataset.state")
    link = page.locator("#import-refused-rows")
    assert link.inner_text() == "下载被退回的行（.xlsx）"
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == "refused-rows.xlsx"
    returned = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).worksheets[0]
    assert any(r == "REFUSED-1" for row in returned.iter_rows(values_only=True) for r in row)
