"""The commendations page in Chromium (issue 16): a street user's community page with the
star ratings and the forms its role may use, the year changed from the keyboard (a GET form,
swapped in by htmx), nothing loaded from elsewhere, no script error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from browser_pages import Visit

from gateway.console.labels import LABELS
from services.common.auth import Identity, Role

STREET = Identity("test-street", Role.STREET, "410104001")
COMMUNITY = "410104001001"


def test_a_street_user_reads_the_commendations_of_a_community_by_year(
    visit: Callable[..., Visit], screenshots: Path
) -> None:
    seen = visit(f"/console/commendations/{COMMUNITY}", identity=STREET, height=1400)
    page = seen.page
    # The star units by their name (星级模范楼栋党支部（党小组）), as the labels give it.
    assert page.locator("h2#stars-h").inner_text() == LABELS["zh"]["cmd_stars"]
    assert page.locator("form#form-award").count() == 1  # a street office awards stars
    assert page.locator("form#form-draft").count() == 0  # the district drafts the list
    # Keyboard: the year field, a new year, Enter (the GET form, swapped in by htmx).
    year = page.locator("#f-pick-year")
    year.focus()
    year.fill("2020")
    year.press("Enter")
    page.wait_for_url("**year=2020**")
    page.locator("h1", has_text="2020").wait_for()
    assert page.locator("#f-pick-year").input_value() == "2020"
    assert page.locator("table caption").first.inner_text() == LABELS["zh"]["cmd_stars_caption"]
    page.screenshot(path=screenshots / "console-commendations.png", full_page=True)
    assert seen.external_requests() == []
    assert seen.errors == []
