"""Signing in from a browser: `/login` (a form) and `/logout`, for the map pages.

Browsers cannot add an Authorization header to a page request, so a successful sign-in keeps
the access token in an HttpOnly, SameSite=Strict cookie that the page routes (never
`/graphql`, which takes bearer tokens only, so no cross-site form can post to it with the
user's rights) accept. The form goes through the graph's own `login` mutation, so it is
throttled as that is (429 with Retry-After here).

Login CSRF (a cross-site form signing the victim in as the attacker) is refused twice over:
the form carries a signed double-submit token (OWASP's pattern: a random nonce in a
SameSite=Strict cookie scoped to /login, and in a hidden field its HMAC under a key derived
from the access key, so neither a cross-site form nor a cookie planted from a sibling host
can produce a matching pair), and a browser's `Sec-Fetch-Site` other than same-origin (or
none: typed by the user) is refused outright. `/logout` takes POST only, with the same
`Sec-Fetch-Site` check. The page has no script, style attributes or event handlers (it is
served under a strict CSP) and every text put into it is escaped.

The access token lives minutes (`PARTYGRID_AUTH_ACCESS_TTL`), so the sign-in also keeps the
refresh token, in an HttpOnly, SameSite=Strict cookie sent only to `/session/...`: an open map
page posts `/session/refresh` (same-origin only) before its access token expires and gets a
fresh pair through the graph's own `refresh` mutation (the refresh token rotates, each used
once). Signing out (`/session/logout`, the header's button; `/logout` redirects there) revokes
it. Every cookie carries `Secure` when the request came over https (`_secure`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import html
import secrets
import time
import urllib.parse
from typing import Any

import jwt
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from gateway.auth import sessions
from gateway.auth.tokens import InvalidAccessTokenError
from gateway.http import GraphQLParams
from services.common.auth import ANONYMOUS, Identity

COOKIE = "partygrid_access"
REFRESH_COOKIE = "partygrid_refresh"
SESSION_PATH = "/session"  # the refresh cookie goes to these routes only
CSRF_COOKIE = "partygrid_login_csrf"
_CSRF_PURPOSE = "login-csrf"
_CSRF_TTL = 2 * 3600  # how long an open sign-in form stays usable
_SESSION_FIELDS = "session { accessToken expiresAt refreshToken refreshExpiresAt }"
LOGIN = f"""mutation ($u: String!, $p: String!) {{ login(username: $u, password: $p) {{
  {_SESSION_FIELDS} errors {{ code message messageEn }} }} }}"""
REFRESH = f"""mutation ($t: String!) {{ refresh(token: $t) {{
  {_SESSION_FIELDS} errors {{ code message messageEn }} }} }}"""
_NO_REFRESH = {
    "code": "INVALID_REFRESH_TOKEN",
    "message": "登录已过期，请重新登录",
    "messageEn": "The sign-in has expired; sign in again.",
}
_CROSS_SITE = {
    "code": "CROSS_SITE",
    "message": "拒绝来自其他网站的请求",
    "messageEn": "Requests from other sites are refused.",
}
TEXT = {
    "zh": {
        "title": "登录 · 党建网格",
        "username": "用户名",
        "password": "密码",
        "submit": "登录",
        "failed": "用户名或密码错误",
        "throttled": "尝试次数过多，请 {seconds} 秒后再试",
        "expired": "表单已过期或来源不明，请重新提交",
    },
    "en": {
        "title": "Sign in · PartyGrid",
        "username": "Username",
        "password": "Password",
        "submit": "Sign in",
        "failed": "Wrong username or password",
        "throttled": "Too many attempts; try again in {seconds} s",
        "expired": "The form expired or came from elsewhere; please submit it again",
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
    request: Request,
    identity: Identity,
    query: str,
    variables: dict[str, Any],
    *,
    operation_name: str | None = None,
) -> dict[str, Any]:
    """One operation through the gateway, as `identity` (its whole GraphQL body);
    `operation_name` picks one of a document's operations (the console's GraphiQL)."""
    outcome = await run_outcome_as(request, identity, query, variables, operation_name)
    return outcome.body


async def run_outcome_as(
    request: Request,
    identity: Identity,
    query: str,
    variables: dict[str, Any],
    operation_name: str | None = None,
) -> Any:
    """`run_as`, answering the whole outcome (status and headers: a throttled operation's
    429 and Retry-After; a gateway.runtime.Outcome, not imported: the runtime imports this
    package). The page's client address goes to the access log, and the caller's state
    decides introspection, as for `/graphql`."""
    client = request.client.host if request.client else None
    params = GraphQLParams(
        query=query, variables=variables, operation_name=operation_name, client=client
    )
    auth = request.app.state.auth
    with auth.serving(identity):
        return await request.app.state.gateway.run(
            params, method="POST", authenticated=auth.authenticated(identity)
        )


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
        return "/console"
    return target


def _form(lang: str, next_path: str, csrf: str, problem: str = "") -> str:
    t = TEXT[lang]
    esc = html.escape
    error = f'<p role="alert" class="error">{esc(problem)}</p>' if problem else ""
    return f"""<!doctype html><html lang="{"en" if lang == "en" else "zh-CN"}"><head>
<meta charset="utf-8"><title>{esc(t["title"])}</title></head>
<body>
<h1>{esc(t["title"])}</h1>{error}
<form method="post" action="/login">
<input type="hidden" name="csrf" value="{esc(csrf)}">
<input type="hidden" name="next" value="{esc(next_path)}">
<input type="hidden" name="lang" value="{esc(lang)}">
<p><label>{esc(t["username"])}<br><input name="username" autocomplete="username" required></label></p>
<p><label>{esc(t["password"])}<br><input name="password" type="password"
   autocomplete="current-password" required></label></p>
<p><button type="submit">{esc(t["submit"])}</button></p>
</form></body></html>"""


def _lang(value: str | None) -> str:
    return "en" if value == "en" else "zh"


def _csrf_mac(request: Request, nonce: str) -> str:
    access = request.app.state.auth.access
    # Without an access key nobody can sign in anyway; the form still renders.
    return access.mac(_CSRF_PURPOSE, nonce) if access is not None else ""


def _form_response(
    request: Request, lang: str, next_path: str, problem: str = "", status: int = 200
) -> Response:
    """The form with a fresh CSRF pair: the nonce in a cookie, its MAC in the form."""
    nonce = secrets.token_urlsafe(32)
    response = HTMLResponse(
        _form(lang, next_path, _csrf_mac(request, nonce), problem), status_code=status
    )
    response.set_cookie(
        CSRF_COOKIE,
        nonce,
        max_age=_CSRF_TTL,
        httponly=True,
        samesite="strict",
        path="/login",
        secure=_secure(request),
    )
    return response


def _same_site(request: Request) -> bool:
    """Not a cross-site request, as far as the browser says (`Sec-Fetch-Site`; clients
    that are not browsers send none)."""
    return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")


def _csrf_ok(request: Request, field: dict[str, str]) -> bool:
    nonce = request.cookies.get(CSRF_COOKIE, "")
    sent = field.get("csrf", "")
    if not (nonce and sent and _same_site(request)):
        return False
    expected = _csrf_mac(request, nonce)
    return bool(expected) and hmac.compare_digest(sent, expected)


async def login_page(request: Request) -> Response:
    lang = _lang(request.query_params.get("lang"))
    next_path = _safe_next(request.query_params.get("next"))
    return _form_response(request, lang, next_path)


def _rate_limited(body: dict[str, Any]) -> int | None:
    for error in body.get("errors") or []:
        extensions = error.get("extensions") or {}
        if extensions.get("code") == "RATE_LIMITED":
            return int(extensions.get("retryAfter") or 1)
    return None


async def login(request: Request) -> Response:
    # The body is capped (gateway/body_cap.py: a small form's cap) before it is read here.
    posted = urllib.parse.parse_qs((await request.body()).decode("utf-8", "replace"))
    field = {name: values[0] for name, values in posted.items() if values}
    lang = _lang(field.get("lang"))
    next_path = _safe_next(field.get("next"))
    if not _csrf_ok(request, field):
        return _form_response(request, lang, next_path, TEXT[lang]["expired"], status=403)
    variables = {"u": field.get("username", ""), "p": field.get("password", "")}
    body = await run_as(request, ANONYMOUS, LOGIN, variables)
    wait = _rate_limited(body)
    if wait is not None:
        response = _form_response(
            request, lang, next_path, TEXT[lang]["throttled"].format(seconds=wait), status=429
        )
        response.headers["retry-after"] = str(wait)
        return response
    session = ((body.get("data") or {}).get("login") or {}).get("session")
    if not session:
        return _form_response(request, lang, next_path, TEXT[lang]["failed"], status=401)
    response = RedirectResponse(next_path, status_code=303)
    _keep_session(request, response, session)
    response.delete_cookie(CSRF_COOKIE, path="/login")
    return response


def _secure(request: Request) -> bool:
    """Cookies carry `Secure` when the page came over https: the request's own scheme, or
    `X-Forwarded-Proto` from a proxy uvicorn trusts (`FORWARDED_ALLOW_IPS`, loopback by
    default), which uvicorn has already put in the scheme."""
    return request.url.scheme == "https"


def _keep_session(request: Request, response: Response, session: dict[str, Any]) -> None:
    """The session's two cookies: the access token for every page, the refresh token for
    `/session/...` only."""
    response.set_cookie(
        COOKIE,
        session["accessToken"],
        max_age=int(request.app.state.auth.access.ttl.total_seconds()),
        httponly=True,
        samesite="strict",
        path="/",
        secure=_secure(request),
    )
    refresh_expires = dt.datetime.fromisoformat(session["refreshExpiresAt"])
    response.set_cookie(
        REFRESH_COOKIE,
        session["refreshToken"],
        max_age=max(0, int((refresh_expires - dt.datetime.now(dt.UTC)).total_seconds())),
        httponly=True,
        samesite="strict",
        path=SESSION_PATH,
        secure=_secure(request),
    )


def _end_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")
    response.delete_cookie(REFRESH_COOKIE, path=SESSION_PATH)


def same_origin(request: Request) -> bool:
    """A request from this site's own page (a script's POST): `Sec-Fetch-Site` says so, or,
    from a client that sends none, `Origin` names this site. Neither: refused. (The one
    check of every page's JSON POST routes: the planner's and imports' use it too.)"""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("origin")
    return origin is not None and origin == f"{request.url.scheme}://{request.url.netloc}"


def access_expires_in(request: Request) -> int | None:
    """Seconds the page's access cookie has left (None without a valid one): the page
    refreshes its session before then. Read only after `page_identity` accepted it."""
    token = request.cookies.get(COOKIE)
    if not token or page_identity(request).anonymous:
        return None
    try:  # (a page called with a bearer header may carry some other cookie)
        claims = jwt.decode(token, options={"verify_signature": False})
        return max(0, int(claims["exp"] - time.time()))
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return None


async def refresh_session(request: Request) -> Response:
    """POST /session/refresh: a fresh access cookie (and the next refresh token) for the
    refresh cookie, through the graph's `refresh` mutation. Same-origin only."""
    if not same_origin(request):
        return JSONResponse({"ok": False, "errors": [_CROSS_SITE]}, status_code=403)
    token = request.cookies.get(REFRESH_COOKIE)
    session = None
    errors = [_NO_REFRESH]
    if token:
        body = await run_as(request, ANONYMOUS, REFRESH, {"t": token})
        payload = (body.get("data") or {}).get("refresh") or {}
        session = payload.get("session")
        errors = payload.get("errors") or errors
    if not session:
        response = JSONResponse({"ok": False, "errors": errors}, status_code=401)
        response.delete_cookie(REFRESH_COOKIE, path=SESSION_PATH)
        return response
    ttl = int(request.app.state.auth.access.ttl.total_seconds())
    response = JSONResponse({"ok": True, "expiresIn": ttl})
    _keep_session(request, response, session)
    return response


async def sign_out(request: Request) -> Response:
    """POST `/logout`: on to `/session/logout` (307 keeps the POST), the one route the
    refresh cookie reaches, so the refresh token is revoked whichever a page posts to."""
    if not _same_site(request):
        return Response("cross-site sign-out refused", status_code=403)
    response = RedirectResponse(SESSION_PATH + "/logout", status_code=307)
    # The access cookie ends here already (a client that does not follow is signed out of
    # the pages); the refresh cookie must still go along to the next route.
    response.delete_cookie(COOKIE, path="/")
    return response


async def logout(request: Request) -> Response:
    """POST only (a GET, e.g. an <img> on another site, must not sign anyone out). The
    refresh token (its cookie is sent to `/session/...` only) is revoked."""
    if not _same_site(request):
        return Response("cross-site sign-out refused", status_code=403)
    token = request.cookies.get(REFRESH_COOKIE)
    if token:
        # The auth subgraph's own database, served in-process by the gateway.
        async with request.app.state.auth.app.state.engine.begin() as conn:
            await sessions.revoke(conn, token=token)
    response = RedirectResponse("/login", status_code=303)
    _end_session(response)
    # Pages already shown (the console's, with personal data) leave the browser's cache too.
    response.headers["clear-site-data"] = '"cache"'
    return response


ROUTES = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", sign_out, methods=["POST"]),
    Route(SESSION_PATH + "/logout", logout, methods=["POST"]),
    Route(SESSION_PATH + "/refresh", refresh_session, methods=["POST"]),
]
