"""The map pages' session (issue 15, item 9): the sign-in keeps the refresh token in a
cookie for `/session/...` only; `POST /session/refresh` (same-origin only) trades it for a
fresh access cookie; signing out revokes it. And `/maps/nav/<code>`: the header's links by
role."""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from gateway.auth.tokens import AccessTokens
from gateway.auth.web import COOKIE, CSRF_COOKIE, REFRESH_COOKIE
from infra.demo.users import PASSWORD_FILE
from infra.settings import SuiteSettings
from services.common.auth import ROLE_LABELS, Identity, Role
from stack import Running

COMMUNITY = "410104001001"


@pytest.fixture(scope="module")
def site(running: Running) -> str:
    return running.gateway.removesuffix("/graphql")


@pytest.fixture(scope="module")
def demo_password(suite_settings: SuiteSettings) -> str:
    return (suite_settings.data_dir / PASSWORD_FILE).read_text().strip()


def _signed_in(site: str, username: str, password: str) -> httpx.Client:
    """A client holding the cookies a browser gets from the sign-in form."""
    client = httpx.Client(base_url=site, timeout=60)
    form = client.get("/login").text
    token = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    fields = {"username": username, "password": password, "next": "/maps/coverage"}
    answer = client.post("/login", data={**fields, "csrf": token}, follow_redirects=False)
    assert answer.status_code == 303
    return client


def _refresh(client: httpx.Client, site: str, **headers: str) -> httpx.Response:
    return client.post("/session/refresh", headers={"origin": site, **headers})


def test_the_sign_in_keeps_a_refresh_cookie_for_the_session_routes_only(
    site: str, demo_password: str
) -> None:
    client = _signed_in(site, "demo-viewer", demo_password)
    cookies = {c.name: c for c in client.cookies.jar}
    refresh = cookies[REFRESH_COOKIE]
    assert refresh.path == "/session"
    assert refresh.has_nonstandard_attr("HttpOnly")
    assert (refresh.get_nonstandard_attr("SameSite") or "").lower() == "strict"
    assert cookies[COOKIE].path == "/"


def test_a_refresh_sets_a_fresh_access_cookie(site: str, demo_password: str) -> None:
    client = _signed_in(site, "demo-viewer", demo_password)
    access, refresh = client.cookies[COOKIE], client.cookies[REFRESH_COOKIE]
    time.sleep(1.1)  # a token issued in another second differs
    answer = _refresh(client, site)
    assert answer.status_code == 200, answer.text
    assert answer.json()["ok"] is True and answer.json()["expiresIn"] > 0
    assert client.cookies[COOKIE] != access
    assert client.cookies[REFRESH_COOKIE] != refresh  # rotated: each is good once
    assert client.get(f"/maps/coverage/{COMMUNITY}").status_code == 200


def test_cross_site_refreshes_are_refused(site: str, demo_password: str) -> None:
    client = _signed_in(site, "demo-viewer", demo_password)
    access = client.cookies[COOKIE]
    for headers in (
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
        {"origin": "https://evil.example"},
    ):
        answer = client.post("/session/refresh", headers=headers)
        assert answer.status_code == 403, headers
        assert answer.json()["errors"][0]["code"] == "CROSS_SITE"
    answer = client.post("/session/refresh")  # no Origin, no Sec-Fetch-Site
    assert answer.status_code == 403
    assert client.cookies[COOKIE] == access


def test_an_expired_access_token_is_renewed_by_the_refresh_cookie(
    site: str, running: Running, demo_password: str
) -> None:
    client = _signed_in(site, "demo-viewer", demo_password)
    old = AccessTokens(running.keys["access"], ttl=dt.timedelta(minutes=15))
    viewer = Identity("demo-viewer", Role.VIEWER, COMMUNITY)
    stale = old.issue(viewer, now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).token
    client.cookies.set(COOKIE, stale, path="/")
    page = client.get(f"/maps/coverage/{COMMUNITY}", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    answer = _refresh(client, site, **{"sec-fetch-site": "same-origin"})
    assert answer.status_code == 200, answer.text
    client.cookies.delete(COOKIE, path="/")
    client.cookies.set(COOKIE, answer.cookies[COOKIE], path="/")
    assert client.get(f"/maps/coverage/{COMMUNITY}").status_code == 200


def test_after_sign_out_the_refresh_token_is_refused(site: str, demo_password: str) -> None:
    client = _signed_in(site, "demo-viewer", demo_password)
    refresh = client.cookies[REFRESH_COOKIE]
    out = client.post("/session/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert COOKIE not in client.cookies and REFRESH_COOKIE not in client.cookies
    replay = httpx.Client(base_url=site, timeout=60)
    replay.cookies.set(REFRESH_COOKIE, refresh, path="/session")
    answer = _refresh(replay, site)
    assert answer.status_code == 401
    error = answer.json()["errors"][0]
    assert error["code"] == "INVALID_REFRESH_TOKEN" and error["message"] and error["messageEn"]
    assert COOKIE not in answer.cookies


def test_the_header_links_follow_the_role(site: str, running: Running) -> None:
    tokens = AccessTokens(running.keys["access"], ttl=dt.timedelta(minutes=15))

    def nav(identity: Identity, code: str, page: str = "coverage") -> dict:
        cookie = {COOKIE: tokens.issue(identity).token}
        answer = httpx.get(f"{site}/maps/nav/{code}?page={page}", cookies=cookie, timeout=60)
        assert answer.status_code == 200
        return answer.json()

    def hrefs(body: dict) -> dict[str, str | None]:
        return {link["key"]: link["href"] for link in body["links"]}

    street = COMMUNITY[:9]
    planner = nav(Identity("p", Role.PLANNER, street), COMMUNITY)
    assert hrefs(planner) == {
        "street": f"/maps/coverage/{street}",
        "community": None,  # the page it is on
        "planner": f"/maps/planner/{COMMUNITY}",
    }
    assert planner["roleLabel"] == "网格规划员" and planner["user"] == "p"
    assert planner["expiresIn"] > 800
    back = nav(Identity("p", Role.PLANNER, street), COMMUNITY, page="planner")
    assert hrefs(back)["community"] == f"/maps/coverage/{COMMUNITY}"
    assert hrefs(back)["planner"] is None
    secretary = nav(Identity("s", Role.SECRETARY, COMMUNITY), COMMUNITY)
    assert hrefs(secretary) == {"community": None}  # no street page, no planner
    assert secretary["roleLabel"] == "社区党组织书记"
    district = nav(Identity("d", Role.DISTRICT, COMMUNITY[:6]), street)
    assert hrefs(district) == {"district": f"/maps/coverage/{COMMUNITY[:6]}", "street": None}
    street_user = nav(Identity("st", Role.STREET, street), street)
    assert hrefs(street_user) == {"street": None}  # the district page is not theirs
    assert httpx.get(f"{site}/maps/nav/{street}", timeout=60).status_code == 401


def test_two_refreshes_with_one_token_at_once_keep_the_user_signed_in(
    site: str, demo_password: str
) -> None:
    """Two tabs post /session/refresh with the same cookie at once (review item 4): both get
    the one successor; neither this session nor the user's others are revoked."""
    other = _signed_in(site, "demo-viewer", demo_password)  # another browser of the user
    client = _signed_in(site, "demo-viewer", demo_password)
    tabs = [httpx.Client(base_url=site, timeout=60, cookies=client.cookies) for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda tab: _refresh(tab, site), tabs))
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    successors = {a.cookies[REFRESH_COOKIE] for a in answers}
    assert len(successors) == 1  # one successor, whichever answer the browser keeps last
    assert _refresh(tabs[0], site).status_code == 200
    assert _refresh(other, site).status_code == 200


def test_a_retry_after_a_lost_answer_gets_the_same_successor(site: str, demo_password: str) -> None:
    client = _signed_in(site, "demo-viewer", demo_password)
    token = client.cookies[REFRESH_COOKIE]
    lost = httpx.post(
        f"{site}/session/refresh", cookies={REFRESH_COOKIE: token}, headers={"origin": site}
    )
    assert lost.status_code == 200
    retry = _refresh(client, site)  # the browser still holds the old token
    assert retry.status_code == 200, retry.text
    assert retry.cookies[REFRESH_COOKIE] == lost.cookies[REFRESH_COOKIE]
    assert _refresh(client, site).status_code == 200


def test_logout_revokes_the_refresh_token(site: str, demo_password: str) -> None:
    """`/logout` (not only `/session/logout`) ends the refresh token too (review item 12)."""
    client = _signed_in(site, "demo-viewer", demo_password)
    refresh = client.cookies[REFRESH_COOKIE]
    out = client.post("/logout", follow_redirects=True)
    assert out.status_code == 200 and out.url.path == "/login"
    assert COOKIE not in client.cookies and REFRESH_COOKIE not in client.cookies
    replay = httpx.Client(base_url=site, timeout=60)
    replay.cookies.set(REFRESH_COOKIE, refresh, path="/session")
    assert _refresh(replay, site).status_code == 401
    assert client.post("/logout", headers={"sec-fetch-site": "cross-site"}).status_code == 403


def _set_cookies(response: httpx.Response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.get_list("set-cookie")}


def test_cookies_are_secure_over_https(site: str, demo_password: str) -> None:
    """Behind a TLS proxy uvicorn trusts (loopback), X-Forwarded-Proto: https makes every
    session cookie Secure (review item 13); plain http (tests, a laptop) keeps them usable."""
    https = {"x-forwarded-proto": "https"}
    form = httpx.get(f"{site}/login", headers=https)
    assert "secure" in _set_cookies(form)[CSRF_COOKIE].lower()
    token = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    fields = {"username": "demo-viewer", "password": demo_password, "csrf": token}
    # (a client on http would not send a Secure cookie back: sent here by hand)
    nonce = {"cookie": f"{CSRF_COOKIE}={form.cookies[CSRF_COOKIE]}"}
    answer = httpx.post(
        f"{site}/login", data=fields, headers={**https, **nonce}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    cookies = _set_cookies(answer)
    for name in (COOKIE, REFRESH_COOKIE):
        assert "; secure" in cookies[name].lower(), cookies[name]
    refreshed = httpx.post(
        f"{site}/session/refresh",
        cookies={REFRESH_COOKIE: answer.cookies[REFRESH_COOKIE]},
        headers={**https, "sec-fetch-site": "same-origin"},
    )
    assert refreshed.status_code == 200, refreshed.text
    assert all("; secure" in h.lower() for h in _set_cookies(refreshed).values())
    plain = _set_cookies(_signed_in_answer(site, demo_password))
    assert "secure" not in plain[COOKIE].lower()


def _signed_in_answer(site: str, password: str) -> httpx.Response:
    client = httpx.Client(base_url=site, timeout=60)
    token = client.get("/login").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    fields = {"username": "demo-viewer", "password": password, "csrf": token}
    return client.post("/login", data=fields, follow_redirects=False)


def test_the_street_role_has_its_one_label(site: str, running: Running) -> None:
    """The header names the street role as everywhere else (services.common.auth
    ROLE_LABELS, DOMAIN.md: 办事处党工委), in both languages."""
    tokens = AccessTokens(running.keys["access"], ttl=dt.timedelta(minutes=15))
    cookie = {COOKIE: tokens.issue(Identity("st", Role.STREET, COMMUNITY[:9])).token}
    for lang, label in (("zh", ROLE_LABELS[Role.STREET][0]), ("en", "Street office")):
        answer = httpx.get(f"{site}/maps/nav/{COMMUNITY[:9]}?lang={lang}", cookies=cookie)
        assert answer.json()["roleLabel"] == label
    assert ROLE_LABELS[Role.STREET][0] == "办事处党工委"
