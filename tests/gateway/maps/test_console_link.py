"""Every map page's header links the console (工作台, issue 16): `/maps/nav/<code>` names it
for every role, in the page's language (tests/browser/test_console_overview.py follows
the link the header script draws)."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from gateway.auth.tokens import AccessTokens
from gateway.auth.web import COOKIE
from services.common.auth import Identity, Role
from stack import Running

COMMUNITY = "410104001001"


@pytest.mark.parametrize(
    "identity",
    [
        Identity("d", Role.DISTRICT, COMMUNITY[:6]),
        Identity("st", Role.STREET, COMMUNITY[:9]),
        Identity("s", Role.SECRETARY, COMMUNITY),
        Identity("v", Role.VIEWER, COMMUNITY[:6]),
    ],
)
def test_the_map_header_links_the_console(running: Running, identity: Identity) -> None:
    site = running.gateway.removesuffix("/graphql")
    cookie = {
        COOKIE: AccessTokens(running.keys["access"], ttl=dt.timedelta(minutes=5))
        .issue(identity)
        .token
    }
    for lang, href, label in (("zh", "/console", "工作台"), ("en", "/console?lang=en", "Console")):
        answer = httpx.get(f"{site}/maps/nav/{COMMUNITY}?lang={lang}", cookies=cookie, timeout=60)
        assert answer.status_code == 200
        body = answer.json()
        assert (body["console"], body["consoleLabel"]) == (href, label)
        assert httpx.get(site + href, cookies=cookie, follow_redirects=False).status_code == 200
