"""The import page in Chromium: a commit whose answer the network lost can be sent again, with
the same Idempotency-Key, so grid writes the file once and the page shows the first answer;
each new commit click (after another check) carries a fresh key."""

from __future__ import annotations

from collections.abc import Callable

from browser_pages import Visit
from placeholder_communities import sql
from playwright.sync_api import Page, Route
from shapely.geometry import box
from test_admin_import import (  # noqa: F401  (the module's fixture, for this test)
    AREA,
    COMMUNITY,
    IMPORTER,
    _geojson,
    _report_done,
    _upload,
    grid_url,
)


def _state(page: Page, state: str) -> None:
    page.wait_for_function(
        f"() => document.querySelector('#import-report').dataset.state === '{state}'"
    )


def _buildings(grid: str) -> list[str]:
    rows = sql(
        grid,
        "SELECT name FROM grid.building WHERE community_code = :c ORDER BY name",
        c=COMMUNITY,
    )
    return [r[0] for r in rows]


def test_a_commit_whose_answer_was_lost_is_written_once_on_retry(
    visit: Callable[..., Visit],
    grid_url: str,  # noqa: F811 -- the imported fixture, requested by name
) -> None:
    page = visit("/admin/import", identity=IMPORTER).page
    x, y = AREA.bounds[0], AREA.bounds[1]
    good = [
        (box(x + 0.001, y + 0.001, x + 0.0018, y + 0.0018), {"名称": "一号楼"}),
        (box(x + 0.003, y + 0.001, x + 0.0038, y + 0.0018), {"名称": "二号楼"}),
    ]
    _upload(page, "buildings", "楼栋.geojson", _geojson(good))
    page.locator("#import-check").click()
    _report_done(page)
    keys: list[str | None] = []

    def lose_the_answer(route: Route) -> None:
        if "check=true" in route.request.url:
            route.continue_()
            return
        keys.append(route.request.headers.get("idempotency-key"))
        route.fetch()  # grid writes the file...
        route.abort("internetdisconnected")  # ...and the page never hears of it

    page.route("**/imports/buildings*", lose_the_answer)
    page.locator("#import-commit").click()
    _state(page, "error")
    assert _buildings(grid_url) == ["一号楼", "二号楼"]
    assert page.locator("#import-commit").is_enabled()  # no answer: it may be sent again
    page.unroute("**/imports/buildings*")

    def watch(route: Route) -> None:
        if "check=true" not in route.request.url:
            keys.append(route.request.headers.get("idempotency-key"))
        route.continue_()

    page.route("**/imports/buildings*", watch)
    page.locator("#import-commit").click()
    _state(page, "written")  # the first answer: written, two imported
    assert page.locator("#import-summary [data-field=imported]").inner_text() == "2"
    assert _buildings(grid_url) == ["一号楼", "二号楼"]
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1], keys

    # A new check and commit is a new import: a fresh key.
    page.locator("#import-check").click()
    _state(page, "checked")
    page.locator("#import-commit").click()
    page.wait_for_function(
        "() => !['', 'checked'].includes(document.querySelector('#import-report').dataset.state)"
    )
    assert len(keys) == 3 and keys[2] and keys[2] != keys[0], keys
    assert _buildings(grid_url) == ["一号楼", "二号楼"]
