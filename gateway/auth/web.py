"""Signing in from a browser: `/login` (a form) and `/logout`, for the map pages.

Browsers cannot add an Authorization header to a page request, so a successful sign-in keeps
the access token in an HttpOnly, SameSite=Strict cookie that the page routes (never
`/graphql`, which takes bearer tokens only, so no cross-site form can post to it with the
user's rights) accept. The form goes through the graph's own `login` mutation.
"""

from __future__ import annotations

import contextlib
import html
import urllib.parse
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from gateway.auth.tokens import InvalidAccessTokenError
from gateway.http import GraphQLParams
from services.common.auth import ANONYMOUS, Identity

COOKIE = "partygrid_access"
LOGIN = """mutation ($u: String!, $p: String!) { login(username: $u, password: $p) {
  session { accessToken expiresAt } errors { code message messageEn } } }"""
TEXT = {
    "zh": {
        "title": "登录 · 党建网格",
        "username": "用户名",
        "password": "密码",
        "submit": "登录",
        "failed": "用户名或密码错误",
    },
    "en": {
        "title": "Sign in · PartyGrid",
        "username": "Username",
        "password": "Password",
        "submit": "Sign in",
        "failed": "Wrong username or password",
    },
}


def page_identity(request: Request) -> Identity:
    """The caller of a page: a bearer token if sent, else the sign-in cookie. Anonymous
    without either, and when the token is expired or forged: a page then asks to sign in
    (`sign_in_first`) rather than failing."""
    # Kept on the request: a page asks several times, and each decode checks a signature.
    known: Identity | None = getattr(request.state, "page_identity", None)
    if known is not None:
        return known
    token = request.headers.get("authorization") or (
        f"Bearer {request.cookies[COOKIE]}" if request.cookies.get(COOKIE) else None
    )
    identity = ANONYMOUS
    if token is not None:
        with contextlib.suppress(InvalidAccessTokenError):
            identity = request.app.state.auth.authenticate(token)
    request.state.page_identity = identity
    return identity


async def run_as(
    request: Request, identity: Identity, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    """One operation through the gateway, as `identity` (its whole GraphQL body)."""
    with request.app.state.auth.serving(identity):
        outcome = await request.app.state.gateway.run(
            GraphQLParams(query=query, variables=variables), method="POST"
        )
    return outcome.body


def sign_in_first(request: Request) -> Response | None:
    """Nobody signed in: to the sign-in form, and back to this page afterwards."""
    if not page_identity(request).anonymous:
        return None
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    lang = "&lang=en" if request.query_params.get("lang") == "en" else ""
    return RedirectResponse(f"/login?next={urllib.parse.quote(here)}{lang}", status_code=303)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    # Browsers read "/\\host" as "//host": a backslash is as bad as a second slash.
    if not target or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return "/maps/coverage"
    return target


def _form(lang: str, next_path: str, failed: bool) -> str:
    t = TEXT[lang]
    error = f'<p role="alert" style="color:#b00">{t["failed"]}</p>' if failed else ""
    return f"""<!doctype html><html lang="{"en" if lang == "en" else "zh-CN"}"><head>
<meta charset="utf-8"><title>{t["title"]}</title></head>
<body style="font-family:sans-serif;max-width:22rem;margin:4rem auto">
<h1>{t["title"]}</h1>{error}
<form method="post" action="/login">
<input type="hidden" name="next" value="{html.escape(next_path)}">
<input type="hidden" name="lang" value="{lang}">
<p><label>{t["username"]}<br><input name="username" autocomplete="username" required></label></p>
<p><label>{t["password"]}<br><input name="password" type="password"
   autocomplete="current-password" required></label></p>
<p><button type="submit">{t["submit"]}</button></p>
</form></body></html>"""


def _lang(value: str | None) -> str:
    return "en" if value == "en" else "zh"


async def login_page(request: Request) -> Response:
    lang = _lang(request.query_params.get("lang"))
    next_path = _safe_next(request.query_params.get("next"))
    return HTMLResponse(_form(lang, next_path, failed=False))


async def login(request: Request) -> Response:
    body = urllib.parse.parse_qs((await request.body()).decode("utf-8", "replace"))
    field = {name: values[0] for name, values in body.items() if values}
    lang = _lang(field.get("lang"))
    next_path = _safe_next(field.get("next"))
    variables = {"u": field.get("username", ""), "p": field.get("password", "")}
    body = await run_as(request, ANONYMOUS, LOGIN, variables)
    session = ((body.get("data") or {}).get("login") or {}).get("session")
    if not session:
        return HTMLResponse(_form(lang, next_path, failed=True), status_code=401)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        COOKIE,
        session["accessToken"],
        max_age=int(request.app.state.auth.access.ttl.total_seconds()),
        httponly=True,
        samesite="strict",
        path="/",
    )
    return response


async def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


ROUTES = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST", "GET"]),
]
