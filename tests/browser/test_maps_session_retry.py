"""A map page whose header data (/maps/nav) fails at load still keeps its session (review
item 5): the page tries the header again, learns when its access token runs out, and
refreshes the session before then, in Chromium."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import jwt
from browser_pages import Visit
from map_expectations import streets
from playwright.sync_api import Route
from test_maps_navigation import READY, _access, _sign_in

from gateway.auth.tokens import AccessTokens
from gateway.auth.web import COOKIE
from infra.demo.model import Demo
from infra.settings import SuiteSettings
from services.common.auth import Identity, Role
from stack import Running

LEFT = dt.timedelta(seconds=8)  # what the page's access token has left when it opens
HEADER_FAILED = "() => document.getElementById('pg-header').dataset.ready === 'failed'"


def test_a_header_that_fails_at_load_still_refreshes_the_session(
    visit: Callable[..., Visit],
    demo: Demo,
    running: Running,
    suite_settings: SuiteSettings,
    screenshots: Path,
) -> None:
    street = streets(demo)[0]
    seen = _sign_in(visit, suite_settings, f"/maps/coverage/{street}")
    page = seen.page
    # The signed-in user's access token, as if issued a quarter hour ago: seconds left.
    claims = jwt.decode(_access(seen), options={"verify_signature": False})
    ttl = dt.timedelta(seconds=claims["exp"] - claims["iat"])
    short = (
        AccessTokens(running.keys["access"], ttl=ttl)
        .issue(
            Identity(claims["sub"], Role(claims["role"]), claims["region"]),
            now=dt.datetime.now(dt.UTC) - ttl + LEFT,
            session_version=claims.get("sv"),
        )
        .token
    )
    base = running.gateway.removesuffix("/graphql")
    page.context.add_cookies([{"name": COOKIE, "value": short, "url": base}])
    failed: list[str] = []

    def fail_once(route: Route) -> None:
        if failed:
            route.continue_()
        else:
            failed.append(route.request.url)
            route.abort()

    page.route("**/maps/nav/**", fail_once)
    # The page's timers on Playwright's clock, moved on by hand rather than waited out: the
    # header is tried again MIN_WAIT (5 s) after it failed, and the session refreshed when
    # LEAD (80 %) of the time its token has left has passed, at least 5 s (session.js).
    page.clock.install()
    page.reload()
    page.wait_for_function(HEADER_FAILED)
    assert failed, "the header's first request was not failed"
    page.clock.fast_forward("00:06")
    page.wait_for_function(READY)  # tried again: it says how long the token has left
    assert page.evaluate("() => window.__pgSession.refreshed") == 0
    page.clock.fast_forward("00:10")
    page.wait_for_function("() => window.__pgSession && window.__pgSession.refreshed >= 1")
    assert _access(seen) != short
    page.wait_for_function(READY)
    page.screenshot(path=screenshots / "maps-session-retry.png")
    assert [e for e in seen.errors if "ERR_FAILED" not in e] == []


def test_two_tabs_refreshing_at_once_stay_signed_in(
    visit: Callable[..., Visit], demo: Demo, suite_settings: SuiteSettings
) -> None:
    """Two tabs of one browser refresh together (review item 4): both succeed and the
    session lives on (before, the second was taken for a stolen token and every session of
    the user was revoked)."""
    street = streets(demo)[0]
    seen = _sign_in(visit, suite_settings, f"/maps/coverage/{street}")
    other = seen.page.context.new_page()
    other.goto(seen.page.url)
    other.wait_for_function(READY)
    tabs = [seen.page, other]
    for tab in tabs:  # both leave before either answer is back
        tab.evaluate("() => { window.__both = window.__pgSession.refresh(); }")
    answers = [tab.evaluate("() => window.__both") for tab in tabs]
    assert [a["ok"] for a in answers] == [True, True], answers
    again = other.evaluate("() => window.__pgSession.refresh()")
    assert again["ok"] is True
    other.reload()
    other.wait_for_function(READY)
    assert "/login" not in other.url
    assert seen.errors == []
