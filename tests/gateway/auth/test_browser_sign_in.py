"""Signing in from a browser for the map pages (gateway/auth/web.py), and the demo's
sign-in accounts (infra/demo/users.py)."""

from __future__ import annotations

import stat

import httpx
import pytest

from infra.demo.users import PASSWORD_FILE, demo_accounts
from infra.settings import SuiteSettings
from stack import Running


@pytest.fixture(scope="module")
def site(running: Running) -> str:
    return running.gateway.removesuffix("/graphql")


@pytest.fixture(scope="module")
def demo_password(suite_settings: SuiteSettings) -> str:
    path = suite_settings.data_dir / PASSWORD_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, "the demo password is the owner's only"
    return path.read_text().strip()


def _sign_in(site: str, username: str, password: str, next_path: str = "/maps/coverage"):
    """As a browser does: open the form (its CSRF cookie and token), then post it."""
    with httpx.Client(base_url=site, timeout=30) as browser:
        page = browser.get("/login").text
        token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        fields = {"username": username, "password": password, "next": next_path, "csrf": token}
        return browser.post("/login", data=fields, follow_redirects=False)


def test_a_map_page_sends_an_anonymous_visitor_to_sign_in(site: str) -> None:
    response = httpx.get(f"{site}/maps/coverage/410104001001?lang=en", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == (
        "/login?next=/maps/coverage/410104001001%3Flang%3Den&lang=en"
    )
    form = httpx.get(f"{site}{response.headers['location']}")
    assert form.status_code == 200 and "Sign in" in form.text
    assert "登录" in httpx.get(f"{site}/login").text  # Chinese first


def test_signing_in_as_a_demo_account_opens_the_maps(site: str, demo_password: str) -> None:
    response = _sign_in(site, "demo-viewer", demo_password, "/maps/coverage/410104001001")
    assert response.status_code == 303
    assert response.headers["location"] == "/maps/coverage/410104001001"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    with httpx.Client(base_url=site, cookies=response.cookies, timeout=60) as browser:
        page = browser.get("/maps/coverage/410104001001")
        assert page.status_code == 200 and "leaflet" in page.text.lower()
        # /graphql takes bearer tokens only: the cookie alone gives no rights there.
        answer = browser.post("/graphql", json={"query": "{ regions { code } }"}).json()
        assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        out = browser.post("/logout", follow_redirects=True)
        assert out.status_code == 200 and out.url.path == "/login"


def test_a_wrong_password_is_refused_without_a_cookie(site: str) -> None:
    response = _sign_in(site, "demo-viewer", "not-the-password")
    assert response.status_code == 401
    assert "partygrid_access" not in response.cookies  # a fresh form token only
    assert "用户名或密码错误" in response.text


def test_sign_in_never_redirects_off_the_site(site: str, demo_password: str) -> None:
    for target in (
        "//evil.example/x",
        "/\\evil.example/x",
        "https://evil.example/",
        "javascript:alert(1)",
    ):
        response = _sign_in(site, "demo-viewer", demo_password, target)
        assert response.headers["location"] == "/console", target


def test_the_demo_has_one_account_per_role() -> None:
    regions = {"410104": "district", "410104001": "street", "410104002": "street"}
    regions |= {"410104001001": "community", "410104002001": "community"}
    accounts = demo_accounts(regions)
    assert {role for _, role, _ in accounts} == {
        "district",
        "street",
        "secretary",
        "planner",
        "viewer",
    }
    by_role = {role: region for _, role, region in accounts}
    assert by_role["street"] == "410104001" and by_role["secretary"] == "410104001001"
