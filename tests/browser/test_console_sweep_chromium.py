"""Every console page in Chromium for the district and a community secretary (issue 16; the
security standards): the pages of the console's route table, filled from the demo by
tests/gateway/console/sweep_targets.py, opened one after another in one page. None asks
anything of another host and none logs a console error (a CSP violation is one: an inline
script or style, a stray host); the header is reached with the keyboard on the last."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from browser_pages import Visit

from infra.demo.model import Demo
from infra.setup import Prepared
from services.common.auth import Identity
from stack import Running
from tests.gateway.console.sweep_targets import (
    demo_users,
    gather,
    get_routes,
    seeded,
    swept_community,
    targets,
)

REFUSED = r"Failed to load resource: the server responded with a status of 40[34] "


def test_every_console_page_loads_clean_for_the_district_and_a_secretary(
    visit: Callable[..., Visit],
    running: Running,
    prepared: Prepared,
    demo: Demo,
    screenshots: Path,
) -> None:
    users = demo_users(demo)
    with seeded(running, prepared.database.service_urls["assess"], swept_community(demo)):
        facts = gather(running, demo)
        for username in ("demo-district", "demo-secretary"):
            # The demo user's role and region, signed in as the other page tests are.
            demo_user = users[username]
            identity = Identity(f"sweep-{username}", demo_user.role, demo_user.region)
            # One page of each route (a many-valued slot's first: the forms differ in fields,
            # not in what they load).
            urls = [targets(route, facts, identity)[0].url for route in get_routes()]
            seen = visit("/console", identity=identity)
            page = seen.page
            base = running.gateway.removesuffix("/graphql")
            refused = 0
            for url in urls:
                answer = page.goto(base + url, wait_until="load")
                assert answer is not None
                assert page.url.startswith(base + "/console"), (username, url, page.url)
                # A page outside the role (a secretary's street report) is the console's own
                # refusal page, which Chromium logs as a failed load; nothing else may be.
                assert answer.status in (200, 403, 404), (username, url, answer.status)
                refused += answer.status != 200
            failed = [e for e in seen.errors if re.match(REFUSED, e)]
            assert len(failed) == refused, (username, seen.errors)
            assert [e for e in seen.errors if e not in failed] == [], (username, seen.errors)
            assert seen.external_requests() == [], username
            # The keyboard, back on the home page: the first Tab reaches the skip link.
            page.goto(base + "/console", wait_until="load")
            page.keyboard.press("Tab")
            assert page.evaluate("() => document.activeElement.className") == "skip"
            page.screenshot(path=screenshots / f"console-sweep-{username}.png", full_page=True)
