"""The import page `/admin/import` in Chromium: a district user chooses the kind and a file,
checks it (the grouped report, nothing written), fixes the file and imports it. Names from
the file and the file's own name are shown as text, never as markup; the page runs under the
gateway's CSP without a console error."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_pages import Visit
from placeholder_communities import placeholder_communities, sql
from playwright.sync_api import Page
from shapely.geometry import box, mapping

from infra.setup import Prepared
from services.common.auth import Identity, Role
from stack import Running

COMMUNITY = "990000000301"
AREA = box(114.50, 35.70, 114.51, 35.71)
IMPORTER = Identity("import-page-test", Role.DISTRICT, "990000")
PAYLOAD = '<img src=x id="pwn">'


@pytest.fixture
def grid_url(prepared: Prepared) -> Iterator[str]:
    with placeholder_communities(prepared.database.service_urls["grid"], {COMMUNITY: AREA}) as grid:
        yield grid


def _geojson(features: list[tuple[Any, dict[str, str]]]) -> bytes:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": mapping(shape), "properties": properties}
                for shape, properties in features
            ],
        },
        ensure_ascii=False,
    ).encode()


def _upload(page: Page, kind: str, name: str, data: bytes) -> None:
    page.select_option("#import-kind", kind)
    page.set_input_files(
        "#import-file", {"name": name, "mimeType": "application/geo+json", "buffer": data}
    )


def _report_done(page: Page) -> None:
    page.wait_for_function("() => document.querySelector('#import-report').dataset.state")


def test_check_then_import_buildings(
    visit: Callable[..., Visit], grid_url: str, screenshots: Path
) -> None:
    seen = visit("/admin/import", identity=IMPORTER)
    page = seen.page
    assert page.locator("h1").inner_text() == "导入数据"
    assert page.locator("#template-members").get_attribute("href") == "/templates/members.xlsx"
    x, y = AREA.bounds[0], AREA.bounds[1]
    good = [
        (box(x + 0.001, y + 0.001, x + 0.0018, y + 0.0018), {"名称": "一号楼"}),
        (box(x + 0.003, y + 0.001, x + 0.0038, y + 0.0018), {"名称": "二号楼"}),
    ]
    far = (box(114.9, 35.9, 114.901, 35.901), {"名称": "远楼"})
    _upload(page, "buildings", f"{PAYLOAD}.geojson", _geojson([*good, far]))
    page.locator("#import-check").click()
    _report_done(page)
    refused = page.locator("#import-refused tbody tr")
    assert refused.count() == 1, page.locator("body").inner_text()
    assert (
        "inside_community" in refused.inner_text() and "不在任何社区范围内" in refused.inner_text()
    )
    assert page.locator("#import-refused td.count").inner_text() == "1"
    assert page.locator("#import-commit").is_disabled()
    assert PAYLOAD in page.locator("#import-file-name").inner_text()
    assert page.locator("#pwn").count() == 0
    page.screenshot(path=screenshots / "admin-import-refused.png")
    assert sql(grid_url, "SELECT 1 FROM grid.building WHERE community_code = :c", c=COMMUNITY) == []

    _upload(page, "buildings", "楼栋.geojson", _geojson(good))
    page.locator("#import-check").click()
    _report_done(page)
    assert page.locator("#import-summary [data-field=imported]").inner_text() == "2"
    assert page.locator("#import-refused tbody tr").count() == 0
    assert page.locator("#import-commit").is_enabled()
    assert sql(grid_url, "SELECT 1 FROM grid.building WHERE community_code = :c", c=COMMUNITY) == []
    page.locator("#import-commit").click()
    page.wait_for_function(
        "() => document.querySelector('#import-report').dataset.state === 'written'"
    )
    assert page.locator("#import-summary [data-field=imported]").inner_text() == "2"
    names = sql(
        grid_url,
        "SELECT name FROM grid.building WHERE community_code = :c ORDER BY name",
        c=COMMUNITY,
    )
    assert [n[0] for n in names] == ["一号楼", "二号楼"]
    page.screenshot(path=screenshots / "admin-import-written.png")

    # A refused value from the file (a community code that is markup) is shown as text.
    _upload(page, "boundaries", "b.geojson", _geojson([(AREA, {"code": PAYLOAD})]))
    page.locator("#import-check").click()
    _report_done(page)
    assert PAYLOAD in page.locator("#import-refused tbody").inner_text()
    assert page.locator("#pwn").count() == 0
    # The browser notes each refused file's 422 in the console; nothing else may appear.
    assert [e for e in seen.errors if "status of 422" not in e] == []
    assert seen.external_requests() == []


def test_english_and_who_may_open_the_page(visit: Callable[..., Visit], running: Running) -> None:
    seen = visit("/admin/import?lang=en", identity=IMPORTER)
    assert seen.page.locator("#import-check").inner_text() == "Check"
    assert seen.page.locator("#import-commit").inner_text() == "Import"
    viewer = Identity("import-viewer", Role.VIEWER, "410104")
    refused = visit("/admin/import", identity=viewer)
    assert (
        refused.page.locator("#import-forbidden").inner_text() == "只有区委组织部用户可以导入数据"
    )
    base = running.gateway.removesuffix("/graphql")
    street = Identity("import-street", Role.STREET, "410104001")
    for identity, status in ((viewer, 403), (street, 403), (None, 303)):
        answer = httpx.get(
            f"{base}/admin/import",
            headers=running.headers(running.gateway, identity),
            follow_redirects=False,
        )
        assert answer.status_code == status, identity
    assert answer.headers["location"].startswith("/login?next=")
