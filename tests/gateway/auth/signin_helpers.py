"""Helpers of the sign-in tests: users made with `partygrid user`, calls through the gateway."""

from __future__ import annotations

import re
import uuid

import httpx
from test_sessions import add_user

from infra.setup import Prepared
from stack import Running

LOGIN = """mutation ($u: String!, $p: String!) { login(username: $u, password: $p) {
  session { accessToken refreshToken } errors { code } } }"""
CHANGE = """mutation ($c: String!, $n: String!) { changePassword(current: $c, new: $n) {
  session { accessToken refreshToken } errors { code message messageEn } } }"""
REFRESH = (
    """mutation ($t: String!) { refresh(token: $t) { session { accessToken } errors { code } } }"""
)
VIEWER = "{ viewer { username } }"
STRONG = "网格员的新密码-Quartz-Lantern-{}"


def new_user(prepared: Prepared, role: str = "viewer", region: str = "410104") -> tuple[str, str]:
    name, password = f"si-{uuid.uuid4().hex[:10]}", STRONG.format(uuid.uuid4().hex[:6])
    add_user(prepared, name, password, role, region)  # the CLI's add has tests of its own
    return name, password


def site(running: Running) -> str:
    return running.gateway.removesuffix("/graphql")


def gql(
    running: Running,
    query: str,
    variables: dict | None = None,
    *,
    token: str | None = None,
    client: str | None = None,
) -> httpx.Response:
    """POST to the gateway's /graphql; `client` poses as that address (X-Forwarded-For,
    which uvicorn trusts from the loopback proxy the tests run on)."""
    headers = {"accept": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    if client:
        headers["x-forwarded-for"] = client
    return httpx.post(
        running.gateway, json={"query": query, "variables": variables}, headers=headers, timeout=60
    )


def login(running: Running, name: str, password: str, client: str | None = None) -> dict:
    return gql(running, LOGIN, {"u": name, "p": password}, client=client).json()


def form(browser: httpx.Client, path: str = "/login") -> str:
    """GET the sign-in form (its CSRF cookie lands in `browser`) and return the form's token."""
    page = browser.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf" value="([^"]*)"', page.text)
    return found.group(1) if found else ""
