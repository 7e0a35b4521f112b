"""A retried import's answer keeps no personal data (services/common/import_once.py): the
refused features of a partial commit whose answer the network lost are not in the answer the
retry gets; the import page says so (check the file again to get them) instead of a link."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from browser_pages import Visit
from placeholder_communities import placeholder_communities, sql
from playwright.sync_api import Page, Route
from shapely.geometry import box
from test_admin_import import _geojson, _report_done, _upload

from infra.setup import Prepared
from services.common.auth import Identity, Role

COMMUNITY = "990000000303"
AREA = box(114.54, 35.72, 114.55, 35.73)
IMPORTER = Identity("import-withheld-page-test", Role.DISTRICT, "990000")


@pytest.fixture
def grid_url(prepared: Prepared) -> Iterator[str]:
    with placeholder_communities(prepared.database.service_urls["grid"], {COMMUNITY: AREA}) as grid:
        yield grid


def _state(page: Page) -> str:
    page.wait_for_function(
        "() => !['', 'working'].includes(document.querySelector('#import-report').dataset.state)"
    )
    return page.locator("#import-report").get_attribute("data-state") or ""


def test_a_retried_partial_commit_withholds_the_refused_features(
    visit: Callable[..., Visit], grid_url: str
) -> None:
    x, y = AREA.bounds[0], AREA.bounds[1]
    features = [
        (box(x + 0.001, y + 0.001, x + 0.0018, y + 0.0018), {"名称": "一号楼"}),
        (box(114.9, 35.9, 114.901, 35.901), {"名称": "远楼", "备注": "张三 13900000000"}),
    ]
    page = visit("/admin/import", identity=IMPORTER).page
    _upload(page, "buildings", "楼栋.geojson", _geojson(features))
    page.locator("#import-partial").check()
    page.locator("#import-check").click()
    _report_done(page)

    def lose_the_answer(route: Route) -> None:
        if "check=true" in route.request.url:
            route.continue_()
            return
        route.fetch()  # grid writes the valid feature...
        route.abort("internetdisconnected")  # ...and the page never hears of it

    page.route("**/imports/buildings*", lose_the_answer)
    page.locator("#import-commit").click()
    assert _state(page) == "error"
    page.unroute("**/imports/buildings*")
    page.locator("#import-commit").click()  # the same key: the stored answer
    page.wait_for_function(
        "() => document.querySelector('#import-report').dataset.state === 'written'"
    )
    assert page.locator("#import-summary [data-field=imported]").inner_text() == "1"
    assert page.locator("#import-refused-rows").count() == 0
    assert "重新检查" in page.locator("#import-report").inner_text()
    rows = sql(grid_url, "SELECT name FROM grid.building WHERE community_code = :c", c=COMMUNITY)
    assert rows == [("一号楼",)]
