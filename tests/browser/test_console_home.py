"""The console's home and search in Chromium (issue 16): from the home page, the keyboard
alone reaches search through the header, and a search typed there finds the user's own
community as the user types (htmx) and on Enter (the plain form); nothing loads from outside 127.0.0.1 and the page logs no error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from browser_pages import Visit

from services.common.auth import Identity, Role

STREET = Identity("test-street", Role.STREET, "410104001")
ACTIVE_NAV = "() => document.activeElement && document.activeElement.dataset.nav || ''"


def test_keyboard_from_home_to_a_search_result(
    visit: Callable[..., Visit], screenshots: Path
) -> None:
    seen = visit("/console", identity=STREET)
    page = seen.page
    assert page.locator('section[data-part="milestones"][data-state="ok"]').count() == 1
    assert page.locator('[data-region="410104001"]').inner_text().startswith("北下街街道")
    page.screenshot(path=screenshots / "console-home.png", full_page=True)
    # The first Tab reaches the skip link; the header's links follow, in order.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip"
    for _ in range(20):
        if page.evaluate(ACTIVE_NAV) == "nav_search":
            break
        page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE_NAV) == "nav_search"
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/search")
    page.locator("#f-q").focus()
    # Typing alone brings the results (htmx, after a pause) and puts the query in the URL.
    page.keyboard.type("书院")
    page.wait_for_selector('tr[data-place="410104001001"]')
    page.wait_for_url("**/console/search?q=*")
    assert page.locator("#f-q").input_value() == "书院"
    # Enter submits the plain GET form: the same results.
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/search?q=*")
    page.wait_for_selector('tr[data-place="410104001001"]')
    page.screenshot(path=screenshots / "console-search.png", full_page=True)
    assert seen.external_requests() == []
    assert seen.errors == []
