"""Every console page for every demo user (issue 16; the security standards): each GET route
of the console's route table, filled from the demo by sweep_targets.py, opened in Chinese and
in English as each role, and once with a region code outside the user's region. A new page
joins by being in the route table; a route the table cannot fill fails, naming it.

Each page, for each role: never a 5xx; 200 or the console's own 403/404 page; `lang` zh-CN
by default and en with ?lang=en; nothing loaded or linked from another host; no form that
writes for a role no service lets write (a viewer, a planner); no member's phone, birth date or
helper contact for a role outside PERSONAL_READERS; no raw enum value of the supergraph in
its text (each enum shown by its label). Outside the user's region: 403, and nothing of the
place named.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import httpx
import pytest
from console_client import SignIn
from starlette.routing import Route
from supergraph_enums import user_enum_values
from sweep_targets import (
    Facts,
    Target,
    UnfilledRouteError,
    demo_users,
    gather,
    get_routes,
    seeded,
    swept_community,
    targets,
)

from gateway.console.labels import LABELS
from gateway.console.permissions import WRITERS, may
from gateway.console.routes import ROUTES
from infra.demo.model import Demo
from infra.setup import Prepared
from services.common.auth import PERSONAL_READERS, Identity, Role
from stack import Running

SIGN_OUT = "/session/logout"

# Not \b: a Chinese character is a word character, and 党员OPEN must be found too. A value
# before a file's extension is a file's name (the demo's evidence is DELIBERATION.pdf).
RAW_ENUM = re.compile(
    r"(?<![A-Za-z0-9_])("
    + "|".join(sorted(user_enum_values(), key=len, reverse=True))
    + r")(?![A-Za-z0-9_]|\.[a-z])"
)
_POST_ROUTES = [
    route.path_regex
    for route in ROUTES
    if isinstance(route, Route) and "POST" in (route.methods or set())
]


class _Page(HTMLParser):
    """What a page shows and links: its text nodes (not scripts, styles or attributes), every
    address it loads or links, its POST forms' actions and <html lang>."""

    _HIDDEN = frozenset({"script", "style", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.addresses: list[str] = []
        self.post_actions: list[str] = []
        self.lang: str | None = None
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = found.get("lang")
        if tag in self._HIDDEN:
            self._hidden += 1
        for name in ("src", "href", "action", "formaction", "poster", "data"):
            if name in found:
                self.addresses.append(found[name])
        if tag == "form" and found.get("method", "get").lower() == "post":
            self.post_actions.append(found.get("action", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.text.append(data)


def _parsed(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def _foreign(address: str, site: str) -> bool:
    """An address on another host (a scheme-relative one included)."""
    low = address.strip().lower()
    if low.startswith(("http://", "https://", "//")):
        return not low.startswith(site.lower() + "/") and low != site.lower()
    return False


def _is_refusal(answer: httpx.Response, lang: str) -> bool:
    words = LABELS[lang]
    headline = {403: words["forbidden"], 404: words["not_found"]}.get(answer.status_code)
    return headline is not None and f"<h1>{headline}</h1>" in answer.text


# Roles shown no console form that writes: the viewer writes nothing, the planner writes
# the grid on the map pages only; and any role no form family of permissions.WRITERS takes.
FORMLESS = frozenset({Role.VIEWER, Role.PLANNER})


def _formless(identity: Identity) -> bool:
    return identity.role in FORMLESS or not any(may(identity, f) for f in WRITERS)


def _check_page(
    answer: httpx.Response,
    lang: str,
    identity: Identity,
    site: str,
    personal: Personal,
) -> list[str]:
    status = answer.status_code
    if status >= 500:
        return [f"{status}"]
    problems = []
    if status != 200 and not _is_refusal(answer, lang):
        problems.append(f"{status}, not 200 nor the console's refusal page")
    page = _parsed(answer.text)
    want_lang = "en" if lang == "en" else "zh-CN"
    if page.lang != want_lang:
        problems.append(f"<html lang={page.lang!r}>, not {want_lang!r}")
    foreign = [a for a in page.addresses if _foreign(a, site)]
    if foreign:
        problems.append(f"addresses on another host: {foreign[:3]}")
    writes = [a for a in page.post_actions if a.split("?")[0] != SIGN_OUT]
    if writes and _formless(identity):
        problems.append(f"forms that write for a {identity.role.value}: {writes[:3]}")
    unknown = [a for a in writes if not any(r.match(a.split("?")[0]) for r in _POST_ROUTES)]
    if unknown:
        problems.append(f"POST forms to no console POST route: {unknown[:3]}")
    if identity.role not in PERSONAL_READERS:
        leaked = sorted(set(personal.findall(answer.text)))
        if leaked:
            problems.append(f"personal data for a {identity.role.value}: {leaked[:3]}")
    raw = sorted({m for text in page.text for m in RAW_ENUM.findall(text)})
    if raw:
        problems.append(f"raw enum values in its text: {raw[:6]}")
    return problems


@pytest.fixture(scope="module")
def users(demo: Demo) -> dict[str, Identity]:
    return demo_users(demo)


@pytest.fixture(scope="module")
def facts(running: Running, prepared: Prepared, demo: Demo) -> Iterator[Facts]:
    assess = prepared.database.service_urls["assess"]
    with seeded(running, assess, swept_community(demo)):
        yield gather(running, demo)


class Personal:
    """The personal values to look for, each found where no digit adjoins it (a phone inside
    a longer number is another number). One `str.find` per value: a regex alternating the
    hundreds of values took seconds per page and most of the sweep's time."""

    def __init__(self, values: set[str]) -> None:
        self.values = tuple(sorted(values))

    def findall(self, text: str) -> list[str]:
        """The values found in `text` (each once)."""
        return [value for value in self.values if self._in(value, text)]

    @staticmethod
    def _in(value: str, text: str) -> bool:
        start = text.find(value)
        while start != -1:
            end = start + len(value)
            before = text[start - 1] if start else ""
            after = text[end] if end < len(text) else ""
            if not (before and before in DIGITS) and not (after and after in DIGITS):
                return True
            start = text.find(value, start + 1)
        return False


DIGITS = "0123456789"


@pytest.fixture(scope="module")
def personal(facts: Facts) -> Personal:
    assert facts.personal, "the demo has no personal data to look for"
    return Personal(facts.personal)


def test_the_sweep_fills_every_console_route(facts: Facts, users: dict[str, Identity]) -> None:
    unfilled = []
    for route in get_routes():
        for identity in users.values():
            try:
                assert targets(route, facts, identity)
            except UnfilledRouteError as error:
                unfilled.append(str(error))
                break
    assert not unfilled, "\n".join(unfilled)
    assert len(get_routes()) > 15  # the table is read, not empty


def test_a_route_the_table_cannot_fill_is_named(facts: Facts, users: dict[str, Identity]) -> None:
    route = "/console/community/{code}/novel/{thing}"
    with pytest.raises(UnfilledRouteError, match=re.escape(route)):
        targets(route, facts, users["demo-district"])
    # A new page under a filled slot needs no row of its own.
    (page,) = targets("/console/community/{code}/novel", facts, users["demo-district"])
    assert page.path == f"/console/community/{facts.community}/novel"


def test_the_sweep_would_see_personal_data(
    facts: Facts, signed_in: SignIn, personal: Personal
) -> None:
    """The values looked for are as pages show them: the district, which may read them, sees
    the swept member's phone on its page."""
    assert facts.member_phone, "the swept member has no phone the district reads"
    path = f"/console/community/{facts.community}/members/{facts.member}"
    shown = signed_in("demo-district").get(path)
    assert shown.status_code == 200
    assert facts.member_phone in personal.findall(shown.text)


@pytest.mark.parametrize("route", get_routes())
def test_every_role_sees_the_page_safely(
    route: str,
    facts: Facts,
    users: dict[str, Identity],
    signed_in: SignIn,
    site: str,
    personal: Personal,
) -> None:
    problems: list[str] = []
    shown = 0
    for username, identity in users.items():
        client = signed_in(username)
        found: list[Target] = targets(route, facts, identity)
        for target in found:
            # English for the roles that write: a viewer's or planner's page is theirs
            # without the forms (whose choices show enums too), so their Chinese suffices.
            langs = [("zh", {})] + [("en", {"lang": "en"})] * (not _formless(identity))
            for lang, query in langs:
                answer = client.get(
                    target.path, params={**target.query, **query}, follow_redirects=False
                )
                if answer.status_code == 303:  # a page that is another's (an index, say)
                    where = answer.headers["location"]
                    if not where.startswith("/console") or (lang == "en") != ("lang=en" in where):
                        problems.append(f"{username} {target.url} [{lang}]: 303 to {where}")
                    answer = client.get(where, follow_redirects=False)
                shown += answer.status_code == 200
                for problem in _check_page(answer, lang, identity, site, personal):
                    problems.append(f"{username} {target.url} [{lang}]: {problem}")
            if target.outside is None:
                continue
            answer = client.get(target.outside, params=target.query, follow_redirects=False)
            if answer.status_code != 403 or not _is_refusal(answer, "zh"):
                problems.append(f"{username} {target.outside}: {answer.status_code}, not 403")
            named = [name for name in target.outside_names if name in answer.text]
            if named:
                problems.append(f"{username} {target.outside}: names {named}")
    assert not problems, "\n".join(problems)
    assert shown, f"{route}: no role was shown the page"
