"""The gateway's Starlette app: `/graphql`, `/healthz` and `/static`.

Run with `python -m uvicorn gateway.app:create_app --factory --host 127.0.0.1 --port 4000`.
The supergraph is loaded and the pooled HTTP client opened in the lifespan, not at import.
"""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from gateway.auth.client import ClientAddress
from gateway.auth.gate import AUTH_DOWN, AuthStarted, GatewayAuth
from gateway.auth.revocation import SessionsNotLoadedError
from gateway.auth.tokens import InvalidAccessTokenError
from gateway.body_cap import FORM_BYTES, BodyCap, gateway_caps
from gateway.graphiql import STATIC_DIR, graphiql_page
from gateway.health import ROUTES as HEALTH_ROUTES
from gateway.http import (
    ALLOWED_METHODS,
    GRAPHQL_RESPONSE_JSON,
    JSON,
    READ_METHODS,
    HTTPRequestError,
    negotiate,
    problem_response,
    read_params,
    render,
    wants_html,
)
from gateway.lazy_routes import LazyRoutes, PageGroups
from gateway.maps.basemap_config import basemap_settings, tile_sources
from gateway.read_after import ReadAfter
from gateway.runtime import Gateway, Outcome
from gateway.security_headers import SecurityHeaders
from gateway.settings import GatewaySettings
from gateway.transport import make_client
from gateway.write_keys import WriteKeys
from services.common.auth import Identity
from services.common.auth_tokens import HEADER as INTERNAL_HEADER
from services.common.http_body import BodyDeadline

log = logging.getLogger("gateway")
# Route groups after /graphql and the health routes, in their order (see `LazyRoutes`).
PAGE_ROUTES = (
    "auth.web",
    "maps.routes",
    "maps.planner",
    "tiles_proxy",
    "reports_proxy",
    "files",
    "imports_proxy",
    "admin_page",
    "console.routes",
)
_ROUTED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


async def _no_icon(_request: Request) -> Response:
    return Response(status_code=204)


async def _auth_down(_request: Request, _error: Exception) -> Response:
    # A page that checked a token before any session version was loaded: never let through.
    return AUTH_DOWN


async def _graphql(request: Request) -> Response:
    """`/graphql`: the method and media type checked, the caller authenticated, the
    operation run as that caller."""
    refused = _refused_method(request)
    if refused is not None:
        return refused
    if wants_html(request):
        return HTMLResponse(graphiql_page())
    media_type = negotiate(request.headers.get("accept"))
    if media_type is None:
        return problem_response(
            HTTPRequestError(406, f"Accept {GRAPHQL_RESPONSE_JSON} or {JSON}."), JSON
        )
    auth: GatewayAuth = request.app.state.auth
    # A user's token is checked against the loaded session versions: wait for them.
    auth_down = HTTPRequestError(503, "The sign-in service did not start.")
    if request.headers.get("authorization") and not await auth.started():
        return problem_response(auth_down, media_type)
    try:
        identity = auth.authenticate(
            request.headers.get("authorization"), request.headers.get(INTERNAL_HEADER)
        )
    except SessionsNotLoadedError:
        return problem_response(auth_down, media_type)
    except InvalidAccessTokenError as bad:
        status, body, headers = auth.refusal(bad)  # 401: TOKEN_EXPIRED or TOKEN_INVALID
        return Response(body, status_code=status, media_type=media_type, headers=headers)
    try:
        outcome = await _run(request, auth, identity)
    except HTTPRequestError as problem:
        return problem_response(problem, media_type)
    except Exception:
        # Never a stack trace to the client; the log has it.
        log.exception("unexpected gateway failure")
        return problem_response(HTTPRequestError(500, "Internal gateway error."), media_type)
    return _answer(outcome, auth, media_type)


def _refused_method(request: Request) -> Response | None:
    """OPTIONS answered, and methods other than GET, HEAD and POST refused (JSON 405)."""
    if request.method == "OPTIONS":
        return Response(status_code=204, headers={"allow": ALLOWED_METHODS})
    if request.method not in ("GET", "HEAD", "POST"):
        problem = HTTPRequestError(405, "Use GET for queries or POST.", {"allow": ALLOWED_METHODS})
        return problem_response(problem, JSON)
    return None


async def _run(request: Request, auth: GatewayAuth, identity: Identity) -> Outcome:
    settings: GatewaySettings = request.app.state.settings
    params = await read_params(request, max_body_bytes=settings.max_body_bytes)
    # HEAD runs as GET, so it can never run a mutation either.
    method = "GET" if request.method in READ_METHODS else "POST"
    with auth.serving(identity):  # every subgraph fetch carries this caller
        outcome: Outcome = await request.app.state.gateway.run(
            params, method=method, authenticated=auth.authenticated(identity)
        )
    return outcome


def _answer(outcome: Outcome, auth: GatewayAuth, media_type: str) -> Response:
    if outcome.get_mutation:
        return render(outcome.body, status=405, media_type=media_type, headers={"allow": "POST"})
    status = 400 if outcome.request_error and media_type == GRAPHQL_RESPONSE_JSON else 200
    # 429 and Retry-After for a throttled login; the limits' own status and headers else.
    status, throttle_headers = auth.throttled(outcome.body, outcome.status or status)
    headers = {**(outcome.headers or {}), **(throttle_headers or {})}
    return render(outcome.body, status=status, media_type=media_type, headers=headers or None)


def create_app(settings: GatewaySettings | None = None) -> Starlette:
    """Build the gateway app; settings come from the environment unless given."""
    settings = settings or GatewaySettings()
    auth = GatewayAuth.from_env()
    # Base-map settings are checked now: a wrong one (Tianditu without its key) stops the
    # gateway at start with the reason, not every map page later with a 500.
    basemap = basemap_settings()
    # The pages and proxies: their modules are imported after the gateway serves, in the
    # import thread (start-up need not import folium, jinja2 or the auth database layer to
    # serve GraphQL).
    pages = PageGroups([LazyRoutes(f"gateway.{module}:ROUTES") for module in PAGE_ROUTES])

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        client = make_client(timeout=settings.fetch_timeout, mounts=auth.mounts())
        try:
            app.state.settings = settings
            app.state.auth = auth
            app.state.gateway = Gateway.from_settings(settings, client, auth)
            # Schema and supergraph live as long as the process: freezing them out of the
            # collector's generations keeps full collections (latency spikes) short.
            gc.collect()
            gc.freeze()
            # Only then the in-process auth subgraph and its database engine, then the pages
            # (the import thread does the auth subgraph's imports first): started here, their
            # imports would compete with the schema's build for the one interpreter.
            async with auth.running(), pages.loading():
                yield
        finally:
            gateway = getattr(app.state, "gateway", None)
            if gateway is not None:
                await gateway.transport.aclose()  # the subgraph connections
            await client.aclose()

    app = Starlette(
        routes=[
            # The usual methods all reach the handler, so a wrong one gets a JSON 405 too.
            Route("/graphql", _graphql, methods=_ROUTED_METHODS),
            *HEALTH_ROUTES,
            # Browsers ask for it on every page; an answer keeps their consoles clean.
            Route("/favicon.ico", _no_icon, methods=["GET"]),
            # Before the pages: a static file never waits for their imports.
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
            *pages.groups,
        ],
        lifespan=lifespan,
        exception_handlers={SessionsNotLoadedError: _auth_down},
        middleware=[
            # Every route's body is capped (413 beyond); a body that does not arrive in time
            # gets 408; sign-in throttling sees the client; a write's Idempotency-Key goes on
            # to the subgraphs (README "Retrying writes").
            Middleware(
                BodyCap,
                caps=gateway_caps(
                    settings.max_body_bytes, settings.max_upload_bytes, settings.max_import_bytes
                ),
                default=FORM_BYTES,
            ),
            Middleware(BodyDeadline),
            Middleware(ClientAddress),
            Middleware(WriteKeys),
            Middleware(ReadAfter),  # read-your-writes across replicas (gateway.read_after)
            # Innermost: the pages wait for the auth subgraph, started after the gateway.
            Middleware(AuthStarted, auth=auth),
        ],
    )
    # Outermost: every response, errors included, carries the CSP and the other headers.
    app.add_middleware(SecurityHeaders, image_sources=tile_sources(basemap))
    return app
