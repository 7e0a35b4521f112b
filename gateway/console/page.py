"""The console's one chokepoint: every console route is made by `console_route`, which

- sends a caller who is not signed in to `/login` (and back afterwards);
- on every POST refuses, before anything is read or written, a request from another site
  (`same_origin`, the check of every page's POST) or without the form's CSRF token (an HMAC
  of the user under a key derived from the access key, in a hidden field `csrf` or the
  `X-CSRF-Token` header htmx and the console's GraphiQL send), so the SameSite=Strict cookie
  is not the only guard; a JSON POST (GraphiQL's) is refused as JSON in GraphQL's shape;
- parses a region code in the path once (`Page.region`): not a code 404, outside the
  caller's region 403, before the graph is asked anything;
- turns a refused read (`PageRefusalError`) into a plain page with its status.

Handlers get a `Page`: the caller, the language, the words, the parsed form, and `render`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import re
import urllib.parse
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import jwt
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from gateway.auth.web import (
    COOKIE,
    access_expires_in,
    page_identity,
    same_origin,
    sign_in_first,
)
from gateway.body_cap import CONSOLE_FILES
from gateway.console import graph
from gateway.console.labels import labels_for
from gateway.console.nav import nav_items
from gateway.console.templating import render
from gateway.security_headers import nonce
from services.common.auth import REGION_CODE_LENGTHS, Identity, is_region_code

_CSRF_PURPOSE = "console-csrf"
# Forms of the console are small; evidence uploads are the one big part (records pages).
MAX_FIELDS = 400
MAX_FILES = CONSOLE_FILES

Handler = Callable[["Page"], Awaitable[Response]]


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_date(text: str) -> str | None:
    """A date as a date input posts it (YYYY-MM-DD), or None when it is none: every console
    form reads its dates through this one parser."""
    if not _DAY.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def _session_version(request: Request) -> str:
    """The `sv` claim of the caller's access token (already verified by `page_identity`):
    it changes when the user's password changes or the user is disabled, so a page's token
    dies with the sessions it was made for."""
    header = request.headers.get("authorization", "")
    token = header.removeprefix("Bearer ").strip() or request.cookies.get(COOKIE, "")
    with contextlib.suppress(jwt.PyJWTError):
        claims = jwt.decode(token, options={"verify_signature": False})
        return str(claims.get("sv", ""))
    return ""


def csrf_token(request: Request, identity: Identity) -> str:
    access = request.app.state.auth.access
    if access is None:
        return ""
    role = identity.role.value if identity.role else ""
    message = f"{identity.subject}|{role}|{identity.region}|{_session_version(request)}"
    return str(access.mac(_CSRF_PURPOSE, message))


@dataclass
class Page:
    """One console request as its handler sees it."""

    request: Request
    identity: Identity
    lang: str  # "zh" or "en"
    form: FormData | None = None
    words: dict[str, str] = field(default_factory=dict)

    def t(self, key: str) -> str:
        """A word of the page (a missing key is an error, caught by the label tests)."""
        return self.words[key]

    def message_of(self, error: dict[str, Any]) -> str:
        """A typed error's message in the page's language (Chinese first)."""
        english = error.get("messageEn") or (error.get("extensions") or {}).get("messageEn")
        if self.lang == "en" and english:
            return str(english)
        return str(error.get("message") or english or "")

    def url(self, path: str, **params: Any) -> str:
        """A console address keeping the page's language (`?lang=en`)."""
        query = {k: v for k, v in params.items() if v is not None and v != ""}
        if self.lang == "en":
            query["lang"] = "en"
        return path + (f"?{urllib.parse.urlencode(query, doseq=True)}" if query else "")

    def region(self, code: str) -> str:
        """A region code from the path, checked once: 404 if it is none, 403 outside the
        caller's region (nothing asked of the graph, so nothing learnt of what lies there)."""
        if not is_region_code(code):
            raise graph.PageRefusalError(404)
        if not self.identity.covers(code):
            raise graph.PageRefusalError(403)
        return code

    def community(self, code: str) -> str:
        """A community's code from the path: checked as `region`, and 12 digits (a street's
        or district's code on a community page is not found)."""
        code = self.region(code)
        if len(code) != REGION_CODE_LENGTHS[-1]:
            raise graph.PageRefusalError(404)
        return code

    def field(self, name: str, default: str = "") -> str:
        """A posted text field (trimmed by the services' own text rule, not here)."""
        value = self.form.get(name) if self.form is not None else None
        return value if isinstance(value, str) else default

    async def ask(self, query: str, variables: dict[str, Any] | None = None) -> graph.Answer:
        return await graph.ask(self, query, variables)

    async def write(
        self, mutation: str, variables: dict[str, Any], payload: str
    ) -> graph.WriteResult:
        return await graph.write(self, mutation, variables, payload)

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        role = self.identity.role.value if self.identity.role else ""
        frame = {
            "page": self,
            "t": self.t,
            "url": self.url,
            "lang": self.lang,
            "nonce": nonce(self.request),
            "csrf": csrf_token(self.request, self.identity),
            "user": self.identity.subject,
            "role": role,
            "role_label": self.words.get(f"role_{role}", role),
            "nav": nav_items(self.identity, self.lang),
            "here": self.request.url.path,
            "expires_in": access_expires_in(self.request),
            "other_lang_url": _other_lang_url(self.request, self.lang),
        }
        return HTMLResponse(render(template, {**frame, **values}), status_code=status)

    def redirect(self, path: str, **params: Any) -> Response:
        """After a write: see the result (303, so a reload does not post again)."""
        return Response(status_code=303, headers={"location": self.url(path, **params)})


def _other_lang_url(request: Request, lang: str) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    if lang != "en":
        params.append(("lang", "en"))
    query = urllib.parse.urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def _lang(request: Request, form: FormData | None) -> str:
    posted = form.get("lang") if form is not None else None
    value = posted if isinstance(posted, str) else request.query_params.get("lang")
    return "en" if value == "en" else "zh"


def refusal_page(page: Page, status: int, message: str | None = None) -> HTMLResponse:
    headline, hint = {
        403: ("forbidden", "forbidden_hint"),
        404: ("not_found", "not_found_hint"),
    }.get(status, ("unavailable", "unavailable"))
    return page.render(
        "message.html",
        status=status,
        headline=page.t(headline),
        hint=message or page.t(hint),
    )


def _csrf_ok(request: Request, identity: Identity, form: FormData) -> bool:
    sent = form.get("csrf")
    token = sent if isinstance(sent, str) else request.headers.get("x-csrf-token", "")
    expected = csrf_token(request, identity)
    # compare_digest refuses non-ASCII text (a TypeError, a 500): compare bytes of ASCII only.
    return (
        bool(expected)
        and token.isascii()
        and hmac.compare_digest(token.encode(), expected.encode())
    )


def _json_body(request: Request) -> bool:
    """A script's JSON POST (the console's GraphiQL): its token comes in `X-CSRF-Token`
    (the form parsed above is empty) and a refusal is answered in GraphQL's shape."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return request.method == "POST" and media == "application/json"


def _json_refusal(status: int, code: str, key: str) -> JSONResponse:
    zh, en = labels_for("zh")[key], labels_for("en")[key]
    error = {"message": zh, "extensions": {"code": code, "messageEn": en}}
    return JSONResponse({"errors": [error]}, status_code=status)


def _not_signed_in(request: Request) -> Response:
    """To the sign-in form (a script's JSON POST: a 401 in GraphQL's shape)."""
    if _json_body(request):
        return _json_refusal(401, "UNAUTHENTICATED", "session_expired")
    redirect = sign_in_first(request)
    assert redirect is not None
    if request.method != "GET":  # back to the page the form was on, not the POST
        redirect.headers["location"] = "/login?next=/console"
    return redirect


async def _read_form(request: Request, identity: Identity) -> FormData | Response:
    """The posted form, or a 400 page when the parser's limits refuse it (too many files or
    fields, a field too large) instead of Starlette's bare English answer."""
    try:
        return await request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS)
    except HTTPException:
        lang = _lang(request, None)
        page = Page(request, identity, lang, None, labels_for(lang))
        return page.render("message.html", status=400, headline=page.t("form_unreadable"), hint="")


def _refused(request: Request, identity: Identity, form: FormData | None) -> Response:
    """A POST from another site or without the page's token: 403, nothing read or written."""
    if _json_body(request):
        return _json_refusal(403, "FORBIDDEN", "csrf_refused")
    lang = _lang(request, form)
    page = Page(request, identity, lang, form, labels_for(lang))
    return page.render("message.html", status=403, headline=page.t("csrf_refused"), hint="")


def console_route(path: str, handler: Handler, *, methods: Sequence[str] = ("GET",)) -> Route:
    """A console route: `handler` runs only for a signed-in caller (and, for a POST, only
    for a same-origin request with the form's CSRF token)."""

    async def endpoint(request: Request) -> Response:
        response = await _answer(request)
        # Console pages carry personal data and the page's CSRF token: never kept by the
        # browser's cache (a Back after signing out on a shared computer shows nothing).
        response.headers["cache-control"] = "no-store"
        return response

    async def _answer(request: Request) -> Response:
        identity = page_identity(request)
        if identity.anonymous:
            return _not_signed_in(request)
        form: FormData | None = None
        if request.method == "POST":
            if not same_origin(request):
                # Refused before the body is read (an upload is spooled only for this site).
                return _refused(request, identity, None)
            posted = await _read_form(request, identity)
            if isinstance(posted, Response):
                return posted
            if not _csrf_ok(request, identity, posted):
                return _refused(request, identity, posted)
            form = posted
        lang = _lang(request, form)
        page = Page(request, identity, lang, form, labels_for(lang))
        try:
            return await handler(page)
        except graph.PageRefusalError as refused:
            return refusal_page(page, refused.status, refused.message)

    return Route(path, endpoint, methods=list(methods))
