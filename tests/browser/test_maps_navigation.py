"""Navigation and the session on the map pages (issue 15, item 9), in Chromium: a header on
every map page with the user, the role's label and sign-out; links district → street →
community → planner and back, as the role may follow them; a page open past its access
token's life keeps working (it refreshes the session itself); signing out ends it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from browser_pages import Visit
from map_expectations import streets

from gateway.auth.tokens import AccessTokens
from gateway.auth.web import COOKIE, REFRESH_COOKIE
from infra.demo.model import Demo
from infra.demo.users import PASSWORD_FILE
from infra.settings import SuiteSettings
from services.common.auth import Identity, Role
from stack import Running

READY = "() => document.getElementById('pg-header').dataset.ready === '1'"
# A building popup's JSON, as the tiled pages fetch it: the status tells whether the page's
# cookie is still good.
FETCH = """(id) => fetch('/maps/buildings/' + id, {credentials: 'same-origin'})
  .then(r => r.status)"""


def _header(seen: Visit) -> str:
    seen.page.wait_for_function(READY)
    return seen.page.locator("#pg-header").inner_text()


def test_every_map_page_has_a_header_and_links_up_and_down(
    visit: Callable[..., Visit], demo: Demo, screenshots: Path
) -> None:
    street = streets(demo)[0]
    code = sorted(c.code for c in demo.communities if c.code.startswith(street))[0]
    planner = Identity("test-planner", Role.PLANNER, street)
    seen = visit(f"/maps/coverage/{code}", identity=planner)
    page = seen.page
    text = _header(seen)
    assert "test-planner" in text and "网格规划员" in text and "PLANNER" not in text
    assert page.locator("#pg-header button", has_text="退出登录").count() == 1
    assert page.locator("#pg-header [data-nav=district]").count() == 0  # not the planner's
    seen.page.screenshot(path=screenshots / "maps-header.png")
    # community → street → community → planner → community
    page.locator("#pg-header a[data-nav=street]").click()
    page.wait_for_url(f"**/maps/coverage/{street}")
    assert page.locator("#pg-header [data-nav=street]").get_attribute("aria-current") == "page"
    assert "test-planner" in _header(seen)
    page.goto(page.url.replace(street, code), wait_until="networkidle")
    _header(seen)
    page.locator("#pg-header a[data-nav=planner]").click()
    page.wait_for_url(f"**/maps/planner/{code}")
    assert "网格规划员" in _header(seen)
    page.locator("#pg-header a[data-nav=community]").click()
    page.wait_for_url(f"**/maps/coverage/{code}")
    _header(seen)
    assert seen.errors == []


def test_the_district_page_links_down_and_a_viewer_sees_no_planner(
    visit: Callable[..., Visit], demo: Demo
) -> None:
    street = streets(demo)[0]
    seen = visit(f"/maps/coverage/{street}")  # the district's user
    text = _header(seen)
    assert "区委组织部" in text
    assert seen.page.locator("#pg-header a[data-nav=district]").count() == 1
    code = sorted(c.code for c in demo.communities if c.code.startswith(street))[0]
    viewer = visit(f"/maps/coverage/{code}", identity=Identity("v", Role.VIEWER, code))
    assert "只读用户" in _header(viewer)
    # Its own page only among the region links, and the console (工作台) beside them.
    assert viewer.page.locator("#pg-header [data-nav]:not([data-nav=console])").count() == 1
    assert viewer.page.locator("#pg-header a[data-nav=console]").get_attribute("href") == "/console"
    assert seen.errors == [] and viewer.errors == []


def _sign_in(visit: Callable[..., Visit], suite_settings: SuiteSettings, path: str) -> Visit:
    """A browser signed in through the form (so it holds the refresh cookie too)."""
    seen = visit(f"/login?next={path}", identity=None)
    password = (suite_settings.data_dir / PASSWORD_FILE).read_text().strip()
    seen.page.fill("input[name=username]", "demo-district")
    seen.page.fill("input[name=password]", password)
    seen.page.click("button[type=submit]")
    seen.page.wait_for_url(f"**{path}")
    seen.page.wait_for_function(READY)
    return seen


def _access(seen: Visit) -> str:
    return next(c["value"] for c in seen.page.context.cookies() if c["name"] == COOKIE)


def test_a_page_open_past_its_access_token_keeps_working(
    visit: Callable[..., Visit],
    demo: Demo,
    running: Running,
    suite_settings: SuiteSettings,
    screenshots: Path,
) -> None:
    street = streets(demo)[0]
    seen = _sign_in(visit, suite_settings, f"/maps/coverage/{street}")
    building = next(str(b.id) for b in demo.buildings if b.community_code.startswith(street))
    assert seen.page.evaluate(FETCH, building) == 200
    # The access token runs out while the page is open (one issued an hour ago).
    old = AccessTokens(running.keys["access"], ttl=dt.timedelta(minutes=15))
    stale = old.issue(
        Identity("demo-district", Role.DISTRICT, street[:6]),
        now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
    ).token
    base = running.gateway.removesuffix("/graphql")
    seen.page.context.add_cookies([{"name": COOKIE, "value": stale, "url": base}])
    assert seen.page.evaluate(FETCH, building) == 401
    # What the page's timer does before the token expires: it refreshes the session.
    answer = seen.page.evaluate("() => window.__pgSession.refresh()")
    assert answer["ok"] is True
    assert _access(seen) != stale
    assert seen.page.evaluate(FETCH, building) == 200
    assert seen.page.evaluate("() => window.__pgSession.refreshed") == 1
    seen.page.screenshot(path=screenshots / "maps-session-refreshed.png")
    # Signing out from the header ends the session: the refresh token is refused after,
    # even when a copy of it is sent again.
    kept = next(c for c in seen.page.context.cookies() if c["name"] == REFRESH_COOKIE)
    seen.page.locator("#pg-header button", has_text="退出登录").click()
    seen.page.wait_for_url("**/login")
    assert REFRESH_COOKIE not in {c["name"] for c in seen.page.context.cookies()}
    seen.page.context.add_cookies([kept])
    refused = seen.page.evaluate(
        """() => fetch('/session/refresh', {method: 'POST', credentials: 'same-origin'})
          .then(r => r.status)"""
    )
    assert refused == 401
    seen.page.goto(base + f"/maps/coverage/{street}")
    assert "/login" in seen.page.url
    # The only errors: the browser's notes of the two refused requests the test made.
    assert [e for e in seen.errors if "status of 401" not in e] == []
