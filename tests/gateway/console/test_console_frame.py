"""The console's frame (issue 16): sign-in first, every page's header (navigation by
role, the user and role label, language, sign-out), words in Chinese first and English,
and every POST route refused without the form's CSRF token or from another site, before
its handler runs."""

from __future__ import annotations

import html
import re

import httpx
import pytest
from console_client import SignIn, csrf_of
from starlette.routing import Route

from gateway.console.labels import LABELS
from gateway.console.routes import ROUTES
from gateway.console.templating import FILE_TYPES, file_size, file_type, when
from infra.demo.users import PASSWORD_FILE
from infra.settings import SuiteSettings
from services.assess.records.evidence import ALLOWED
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
    assert len(paths) > 15, paths  # the sweep cannot pass empty
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


def test_console_pages_are_never_kept_by_the_browser_cache(signed_in: SignIn) -> None:
    """Personal data and the page's token must not come back from the cache after sign-out
    (review finding: a Back on a shared computer)."""
    client = signed_in("demo-secretary")
    for path in ("/console", "/console/community/410104001001/members"):
        assert client.get(path).headers["cache-control"] == "no-store", path


def test_signing_out_clears_the_browsers_cache(site: str, suite_settings: SuiteSettings) -> None:
    password = (suite_settings.data_dir / PASSWORD_FILE).read_text().strip()
    with httpx.Client(base_url=site, timeout=60) as client:  # its own session, ended here
        token = csrf_of(client.get("/login").text)
        fields = {"username": "demo-planner", "password": password, "csrf": token}
        assert client.post("/login", data=fields).status_code in (200, 303)
        answer = client.post("/session/logout", headers={"origin": site}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["clear-site-data"] == '"cache"'


def test_a_token_that_is_no_ascii_is_refused_not_a_crash(signed_in: SignIn, site: str) -> None:
    client = signed_in("demo-district")
    path = _post_routes()[0]
    answer = client.post(path, data={"csrf": "é"}, headers={"origin": site})
    assert answer.status_code == 403
    assert LABELS["zh"]["csrf_refused"] in answer.text


def test_a_form_past_the_parsers_limits_gets_the_consoles_own_page(
    signed_in: SignIn, site: str
) -> None:
    client = signed_in("demo-secretary")
    token = csrf_of(client.get("/console").text)
    files = [("files", (f"f{i}.pdf", b"%PDF-1.4\n", "application/pdf")) for i in range(9)]
    answer = client.post(
        "/console/records/410104001001/new/sitting",
        data={"csrf": token},
        files=files,
        headers={"origin": site},
    )
    assert answer.status_code == 400
    assert LABELS["zh"]["form_unreadable"] in answer.text
    assert answer.headers["content-type"].startswith("text/html")


# --- one set of words: English pages without Chinese punctuation, one time format ---------

COMMUNITY_CODE, STREET_CODE = "410104001001", "410104001"
# The main pages of a community secretary and of a street office, each read in English.
ENGLISH_PAGES = {
    "demo-secretary": [
        "/console",
        f"/console/community/{COMMUNITY_CODE}",
        f"/console/community/{COMMUNITY_CODE}/members",
        f"/console/records/{COMMUNITY_CODE}",
        f"/console/records/{COMMUNITY_CODE}/evidence",
        f"/console/records/{COMMUNITY_CODE}/new/sitting",
        f"/console/assessment/{COMMUNITY_CODE}",
        f"/console/commendations/{COMMUNITY_CODE}",
    ],
    "demo-street": [
        f"/console/overview/{STREET_CODE}",
        f"/console/reports/{STREET_CODE}",
        f"/console/commendations/{STREET_CODE}",
    ],
}
CHINESE_MARKS = re.compile("[：、；（）元]")


def _words_of(page: str) -> str:
    """The text a reader sees: no scripts, no tags, entities read, words in attributes
    that are read aloud (aria-label, title) kept; a quotation marked Chinese (a plan's clause,
    `lang="zh-CN"`) is the source's own text, not the page's words."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<(\w+)\b[^>]*\blang="zh-CN"[^>]*>.*?</\1>', " ", page, flags=re.S)
    spoken = " ".join(re.findall(r'(?:aria-label|title)="([^"]*)"', page))
    return html.unescape(re.sub(r"<[^>]+>", " ", page) + " " + spoken)


@pytest.mark.parametrize("username", list(ENGLISH_PAGES))
def test_english_pages_have_no_chinese_punctuation_or_yuan(
    signed_in: SignIn, username: str
) -> None:
    client = signed_in(username)
    found = {}
    for path in ENGLISH_PAGES[username]:
        answer = client.get(path, params={"lang": "en"})
        assert answer.status_code == 200, path
        words = _words_of(answer.text)
        found.update(
            {
                f"{path} {m.group(0)}": words[max(0, m.start() - 40) : m.end() + 40]
                for m in CHINESE_MARKS.finditer(words)
            }
        )
    assert found == {}


def test_times_are_shown_in_the_districts_zone_to_the_minute() -> None:
    # The services store UTC; Beijing is 8 hours ahead, across a day's end too.
    assert when("2026-01-31T17:05:59+00:00") == "2026-02-01 01:05"
    assert when("2026-01-31T17:05:59") == "2026-02-01 01:05"  # no offset: UTC, as stored
    assert when("2026-01-31T09:05:00+08:00") == "2026-01-31 09:05"
    assert when(None) == "" and when("") == ""


def test_file_sizes_and_types_read_as_people_name_them() -> None:
    assert [file_size(n) for n in (0, 1023, 1024, 1536, 5 * 1024 * 1024)] == [
        "0 B",
        "1023 B",
        "1.0 KB",
        "1.5 KB",
        "5.0 MB",
    ]
    # Every type assess accepts has its name, and no other.
    assert FILE_TYPES.keys() == ALLOWED.keys()
    assert file_type("application/pdf") == "PDF"
