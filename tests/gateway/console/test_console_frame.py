"""The console's frame (issue 16): sign-in first, every page's header (navigation by
role, the user and role label, language, sign-out), words in Chinese first and English,
and every POST route refused without the form's CSRF token or from another site, before
its handler runs."""

from __future__ import annotations

import re

import httpx
import pytest
from console_client import SignIn, csrf_of
from starlette.routing import Route

from gateway.console.labels import LABELS
from gateway.console.routes import ROUTES
from services.common.auth import ROLE_LABELS, Role

USERS = {
    "demo-district": Role.DISTRICT,
    "demo-street": Role.STREET,
    "demo-secretary": Role.SECRETARY,
    "demo-planner": Role.PLANNER,
    "demo-viewer": Role.VIEWER,
}


def test_both_languages_have_every_word() -> None:
    assert LABELS["zh"].keys() == LABELS["en"].keys()
    assert all(LABELS["zh"].values()) and all(LABELS["en"].values())


def test_nobody_signed_in_is_sent_to_the_sign_in_form(site: str) -> None:
    answer = httpx.get(site + "/console?lang=en", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/console%3Flang%3Den&lang=en"
    assert httpx.get(site + "/", follow_redirects=False).headers["location"] == "/console"


@pytest.mark.parametrize("username", list(USERS))
def test_the_header_names_the_user_and_role_and_links_the_roles_pages(
    signed_in: SignIn, username: str
) -> None:
    client = signed_in(username)
    page = client.get("/console")
    assert page.status_code == 200
    html = page.text
    assert username in html
    assert ROLE_LABELS[USERS[username]][0] in html  # 区委组织部, 办事处党工委...
    assert 'action="/session/logout"' in html
    links = dict(re.findall(r'<a href="([^"]+)" data-nav="(\w+)"', html))
    keys = set(links.values())
    assert {"nav_home", "nav_search", "nav_maps", "nav_graphiql"} <= keys
    # A community user has its community's pages; others reach communities from above.
    assert ("nav_community" in keys) == (username == "demo-secretary")
    assert ("nav_overview" in keys) == (username != "demo-secretary")
    english = client.get("/console?lang=en").text
    assert ROLE_LABELS[USERS[username]][1][:1].upper() in english
    assert 'lang="en"' in english and "Sign out" in english


def _post_routes() -> list[str]:
    """Every console route that takes a POST, its path parameters filled with anything:
    the refusal comes before the handler reads them."""
    paths = []
    for route in ROUTES:
        if isinstance(route, Route) and "POST" in (route.methods or set()):
            paths.append(re.sub(r"\{(\w+)(:\w+)?\}", "410104001001", route.path))
    return paths


def test_every_console_post_needs_the_forms_token_and_this_site(
    signed_in: SignIn, site: str
) -> None:
    client = signed_in("demo-district")
    token = csrf_of(client.get("/console").text)
    paths = _post_routes()
    assert len(paths) > 15, paths  # the route table was read: the sweep cannot pass empty
    for path in paths:
        for data, headers in (
            ({}, {"origin": site}),  # no token
            ({"csrf": "0" * 64}, {"origin": site}),  # a wrong one
            ({"csrf": token}, {"sec-fetch-site": "cross-site"}),  # another site
            ({"csrf": token}, {}),  # no Origin, no Sec-Fetch-Site: not provably this site
        ):
            answer = client.post(path, data=data, headers=headers, follow_redirects=False)
            assert answer.status_code == 403, (path, data, headers, answer.status_code)
            assert LABELS["zh"]["csrf_refused"] in answer.text


def test_another_users_token_is_refused(signed_in: SignIn, site: str) -> None:
    viewer_token = csrf_of(signed_in("demo-viewer").get("/console").text)
    district_token = csrf_of(signed_in("demo-district").get("/console").text)
    assert viewer_token != district_token
