"""Security headers on every gateway response, set in one place (an ASGI middleware).

Every response gets a Content-Security-Policy that runs scripts only from the gateway's own
`/static` and inline scripts carrying this response's nonce (no 'unsafe-inline' or
'unsafe-eval' for scripts: a name that slipped into the page as markup cannot run), may not be
framed, has no `<base>` or plugins; plus Referrer-Policy and nosniff. A page that needs inline
scripts (the folium maps) reads the nonce of its request with `nonce(request)`.

Styles keep 'unsafe-inline': folium and Leaflet write style attributes and `<style>` blocks,
and a style cannot run script. Images may come from the configured base-map tile servers.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_NONCE = "partygrid.csp_nonce"


def nonce(request: Request) -> str:
    """This request's script nonce (set by SecurityHeaders)."""
    return request.scope[_NONCE]


def policy(script_nonce: str, image_sources: Iterable[str] = ()) -> str:
    """The Content-Security-Policy of a response whose inline scripts carry `script_nonce`."""
    images = " ".join(["'self'", "data:", "blob:", *image_sources])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{script_nonce}'",
            "script-src-attr 'none'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {images}",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    """ASGI middleware: a fresh nonce per HTTP request, and the headers on its response."""

    def __init__(self, app: ASGIApp, *, image_sources: Iterable[str] = ()) -> None:
        self.app = app
        self.image_sources = tuple(image_sources)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        script_nonce = secrets.token_urlsafe(18)
        scope[_NONCE] = script_nonce
        headers = [
            (b"content-security-policy", policy(script_nonce, self.image_sources).encode()),
            (b"referrer-policy", b"same-origin"),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
        ]
        names = {name for name, _ in headers}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
