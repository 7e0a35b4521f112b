"""Pages in a real headless browser: Debian's Chromium driven by Playwright.

`partygrid test` installs Chromium when missing and hands its path in PARTYGRID_CHROMIUM.
A page opens signed in (the sign-in cookie the gateway's /login would set) and records what
it requests and every console error, so tests can assert no internet and no errors.
Screenshots go to <test data dir>/artifacts/screenshots.

Pages run under the gateway's CSP (no 'unsafe-eval'): give `wait_for_function` a function
(`"() => ..."`), not an expression, which Playwright would eval inside the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import pytest
from browser_pages import Visit
from playwright.sync_api import Browser, Page, sync_playwright

# The planner pages' shared fixtures (a corner to drag, a clearing to draw in, undo of what a
# test committed), defined beside the tests that first needed them and offered here to every
# page test, so no test module imports a fixture under its own name.
from test_planner_page import clearing, corner, restore  # noqa: F401 -- fixtures, by name

from gateway.auth.tokens import AccessTokens
from gateway.auth.web import COOKIE
from infra.browser import find_chromium
from infra.settings import SuiteSettings
from services.common.auth import Identity
from stack import DISTRICT, Running


# Module scope, after the suite is running: Playwright's sync API keeps an event loop
# running in this thread while the browser is open, and set-up code (and other tests) call
# asyncio.run, which refuses to start inside one.
@pytest.fixture(scope="module")
def browser(running: Running) -> Iterator[Browser]:
    chromium = find_chromium()
    assert chromium is not None, "no Chromium: run the tests with `./partygrid test`"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium))
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def screenshots(suite_settings: SuiteSettings) -> Path:
    folder = suite_settings.data_dir / "artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def visit(browser: Browser, running: Running) -> Iterator[Callable[..., Visit]]:
    """`visit(path, identity=DISTRICT)`: a fresh signed-in page at `path` on the gateway
    (identity None: nobody signed in). `gateway`: another gateway process's GraphQL URL
    (the session's by default); `before(page)` runs before the page opens (routes, say).
    `wait_until`: "load" for a page whose test waits for a readiness of its own (networkidle
    waits out half a second of silence after the last request besides)."""
    contexts = []

    def open_page(
        path: str,
        identity: Identity | None = DISTRICT,
        *,
        width: int = 1200,
        height: int = 800,
        gateway: str | None = None,
        before: Callable[[Page], None] | None = None,
        wait_until: Literal["load", "networkidle"] = "networkidle",
    ) -> Visit:
        base = (gateway or running.gateway).removesuffix("/graphql")
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        if identity is not None:
            tokens = AccessTokens(running.keys["access"], ttl=dt.timedelta(minutes=15))
            context.add_cookies(
                [{"name": COOKIE, "value": tokens.issue(identity).token, "url": base}]
            )
        page = context.new_page()
        seen = Visit(page)
        page.on("request", lambda request: seen.requests.append(request.url))
        page.on("console", lambda m: m.type == "error" and seen.errors.append(m.text))
        page.on("pageerror", lambda error: seen.errors.append(str(error)))
        if before is not None:
            before(page)
        page.goto(base + path, wait_until=wait_until)
        return seen

    yield open_page
    for context in contexts:
        context.close()
