"""The browser the page tests use works here: it opens a gateway page signed in, offline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from browser_pages import Visit


def test_a_signed_in_map_page_opens_offline_without_errors(
    visit: Callable[..., Visit], screenshots: Path
) -> None:
    seen = visit("/maps/coverage/410104001001")
    assert seen.page.url.endswith("/maps/coverage/410104001001"), "not sent to sign in"
    assert seen.page.locator(".leaflet-container").count() == 1
    assert seen.external_requests() == []
    assert [e for e in seen.errors if "favicon" not in e] == []
    seen.page.screenshot(path=screenshots / "community-map-410104001001.png")


def test_nobody_signed_in_lands_on_the_sign_in_form(visit: Callable[..., Visit]) -> None:
    seen = visit("/maps/coverage", identity=None)
    assert "/login" in seen.page.url
    assert seen.page.locator("input[name=password]").count() == 1
