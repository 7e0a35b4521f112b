"""What the gateway does about auth on each request, in one object.

1. `authenticate(authorization, internal)`: the caller from `Authorization: Bearer <access
   token>` (anonymous without one; InvalidAccessTokenError for an expired or forged one, which
   the gateway answers with `refusal()`: HTTP 401, code TOKEN_EXPIRED, TOKEN_INVALID, or
   TOKEN_REVOKED for a session ended by a password change or a disabled user), or a
   service of the suite acting as itself, from its signed internal token (assess reads the
   graph through the gateway so; a user's identity in an internal token is refused here).
2. `serving(identity)`: the caller of the request being served (a context variable, so every
   subgraph fetch task started under it sees it).
3. `subgraph_headers()`: the internal token for that caller, sent with each subgraph fetch.
4. `mounts()` and `running()`: the auth subgraph served in-process at `AUTH_URL`, started
   in the background once the gateway serves (`started()` waits for it).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import orjson
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.auth.revocation import SessionVersions
from gateway.auth.settings import AUTH_URL, AuthSettings, access_tokens
from gateway.auth.tokens import AccessTokens, InvalidAccessTokenError
from gateway.import_thread import in_import_thread
from services.common.auth import (
    ANONYMOUS,
    Identity,
    Role,
    current_identity,
    reset_current,
    service_identity,
    set_current,
)
from services.common.auth_tokens import InternalTokens, InvalidInternalTokenError, internal_tokens

REFUSALS = {
    "TOKEN_EXPIRED": ("访问令牌已过期，请刷新或重新登录", "The access token has expired."),
    "TOKEN_INVALID": ("访问令牌无效", "The access token is invalid."),
    "TOKEN_REVOKED": (
        "会话已结束（密码已更改或账户已停用），请重新登录",
        "The session has ended (password changed or account disabled); log in again.",
    ),
}
AUTH_ORIGIN = httpx.URL(AUTH_URL).copy_with(path="/").__str__().rstrip("/")
log = logging.getLogger("gateway.auth")


def _auth_app(settings: AuthSettings, internal: InternalTokens | None) -> Starlette:
    """The auth subgraph's app. Its imports (Strawberry, SQLAlchemy, the database driver)
    are most of the gateway's start-up, so they happen here, in the import thread, after it."""
    from sqlalchemy.engine import make_url

    from gateway.auth import models  # noqa: F401 -- for the session versions' first load
    from gateway.auth.app import create_app

    make_url(settings.database_url).get_dialect().import_dbapi()  # the lifespan's engine needs it
    return create_app(settings, internal)


class GatewayAuth:
    def __init__(
        self,
        access: AccessTokens | None,
        internal: InternalTokens | None,
        app: Starlette | Callable[[], Starlette],
        session_check_seconds: float = 2.0,
        *,
        start_wait_seconds: float = 10.0,
        retry_seconds: tuple[float, float] = (0.5, 30.0),
    ) -> None:
        """`app`: the auth subgraph, or what builds it (in the import thread, until it
        succeeds). `start_wait_seconds`: how long a request that needs the subgraph waits
        for it to start before its 503. `retry_seconds`: the first and the longest pause
        between attempts to start it."""
        self.access = access
        self.internal = internal
        self._app = app if isinstance(app, Starlette) else None
        self._make_app = None if isinstance(app, Starlette) else app
        self.sessions = SessionVersions()
        self._session_check_seconds = session_check_seconds
        self._probe = service_identity("gateway")
        self._start_wait_seconds = start_wait_seconds
        self._retry_seconds = retry_seconds
        self._lifespan_entered = False
        self._ready = self._stopped = False
        self._failure: str | None = None
        self._failure_kind: str | None = None
        self._wake: asyncio.Event | None = None  # set once started, or once stopping

    @classmethod
    def from_env(cls) -> GatewayAuth:
        """From PARTYGRID_INTERNAL_TOKEN_KEY, PARTYGRID_ACCESS_TOKEN_KEY, PARTYGRID_AUTH_*."""
        settings = AuthSettings()
        internal = internal_tokens("gateway")
        return cls(
            access_tokens(settings),
            internal,
            functools.partial(_auth_app, settings, internal),
            session_check_seconds=settings.session_check_seconds,
        )

    @property
    def app(self) -> Starlette:
        """The auth subgraph's app (built on first use)."""
        if self._app is None:
            assert self._make_app is not None
            self._app = self._make_app()
        return self._app

    def authenticate(self, authorization: str | None, internal: str | None = None) -> Identity:
        """The caller named by an Authorization header (None or empty: anonymous), or by a
        service's internal token (`partygrid-identity`)."""
        if internal:
            return self._service(internal)
        if not authorization:
            return ANONYMOUS
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidAccessTokenError("TOKEN_INVALID", "not a bearer token")
        if self.access is None:
            raise InvalidAccessTokenError("TOKEN_INVALID", "no access token key configured")
        identity, version = self.access.verify_session(token.strip())
        self.sessions.check(identity, version)  # TOKEN_REVOKED once the session has ended
        return identity

    def _service(self, token: str) -> Identity:
        if self.internal is None:
            raise InvalidAccessTokenError("TOKEN_INVALID", "no internal token key configured")
        try:
            identity = self.internal.verify(token.strip())
        except InvalidInternalTokenError as exc:
            code = "TOKEN_EXPIRED" if exc.reason == "expired" else "TOKEN_INVALID"
            raise InvalidAccessTokenError(code, f"internal token: {exc.reason}") from exc
        # Internal tokens carrying a user are what the gateway sends subgraphs; one coming
        # back to the public door would let a captured subgraph token act as that user.
        if identity.role is not Role.SERVICE:
            raise InvalidAccessTokenError("TOKEN_INVALID", "internal token of a user")
        return identity

    def authenticated(self, identity: Identity) -> bool | None:
        """For the limits (introspection for authenticated callers): None while no access
        key is configured, so nobody could log in and everyone counts."""
        return None if self.access is None else not identity.anonymous

    @staticmethod
    def refusal(error: InvalidAccessTokenError) -> tuple[int, bytes, dict[str, str]]:
        """Status, GraphQL error body and headers for a request with an unusable token."""
        message, message_en = REFUSALS[error.code]
        body = orjson.dumps(
            {
                "errors": [
                    {
                        "message": message,
                        "extensions": {"code": error.code, "messageEn": message_en},
                    }
                ]
            }
        )
        return 401, body, {"www-authenticate": 'Bearer error="invalid_token"'}

    @staticmethod
    def throttled(body: dict, status: int) -> tuple[int, dict[str, str] | None]:
        """HTTP 429 and Retry-After for an operation refused whole by sign-in throttling
        (its RATE_LIMITED error carries `retryAfter`); else `status` unchanged."""
        if body.get("data") is not None:
            return status, None
        for error in body.get("errors") or []:
            extensions = error.get("extensions") or {}
            if extensions.get("code") == "RATE_LIMITED":
                return 429, {"retry-after": str(extensions.get("retryAfter") or 1)}
        return status, None

    @staticmethod
    @contextlib.contextmanager
    def serving(identity: Identity) -> Iterator[None]:
        reset = set_current(identity)
        try:
            yield
        finally:
            reset_current(reset)

    def subgraph_headers(self) -> dict[str, str]:
        """The internal token of the caller being served (anonymous ones too: the auth
        subgraph serves them, the others refuse them with UNAUTHENTICATED)."""
        return self.internal.headers(current_identity()) if self.internal else {}

    def probe_headers(self) -> dict[str, str]:
        """The gateway as itself, for readiness probes."""
        return self.internal.headers(self._probe) if self.internal else {}

    def mounts(self) -> dict[str, httpx.AsyncBaseTransport]:
        """httpx mounts for the gateway's pooled client: the auth subgraph, in-process."""
        return {AUTH_ORIGIN: httpx.ASGITransport(app=self._serve)}

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A sign-in (or a readiness probe) right after start-up waits for the subgraph.
        if not await self.started():
            # Not started yet (the log says why; `_start` retries): down, as any subgraph can
            # be; /readyz names it and fetches from it get SUBGRAPH_UNAVAILABLE.
            refusal = JSONResponse({"errors": [{"message": "not started"}]}, status_code=503)
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @property
    def ready(self) -> bool:
        """Whether the auth subgraph runs and the session versions are loaded."""
        return self._ready and not self._stopped

    @property
    def failure(self) -> str | None:
        """What the last attempt to start failed with, while it is not started (for /readyz,
        which anyone may ask: the kind of error, the log has the rest)."""
        return None if self.ready else self._failure_kind

    async def started(self, wait: float | None = None) -> bool:
        """Wait until the auth subgraph runs and the session versions are loaded, at most
        `wait` seconds (default `start_wait_seconds`); False if it has not by then (`_start`
        retries and logs why) or the gateway is stopping. Whatever checks a user's token
        waits for this first, so a revoked session is never let through because its version
        was not loaded yet, and answers 503 when False."""
        if self._wake is None:  # not under `running()`: nothing to wait for
            return self.sessions.loaded
        if not self._ready and not self._stopped:
            bound = self._start_wait_seconds if wait is None else wait
            # The event, never the start task: that one is cancelled at shutdown, and its
            # CancelledError must not reach the requests waiting here.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(bound):
                    await self._wake.wait()
        return self.ready

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The auth subgraph's lifespan (its database engine), inside the gateway's, and
        the session versions reloaded from it. Started in the background and retried until
        it runs: GraphQL without a user's token needs none of it, and what does waits for
        `started()`."""
        self._ready = self._stopped = self._lifespan_entered = False
        self._failure = self._failure_kind = None
        self._wake = asyncio.Event()
        async with contextlib.AsyncExitStack() as stack:
            starting = asyncio.ensure_future(self._start(stack))
            try:
                yield
            finally:
                self._stopped = True
                self._wake.set()  # the requests still waiting get False, at once
                starting.cancel()
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await starting

    async def _start(self, stack: contextlib.AsyncExitStack) -> None:
        """Start, retrying with backoff until it runs; each distinct failure logged once."""
        delay = self._retry_seconds[0]
        reported: set[str] = set()
        while True:
            try:
                await self._start_once(stack)
            except Exception as error:
                self._failure = f"{type(error).__name__}: {error}"
                self._failure_kind = f"not started ({type(error).__name__})"
                if self._failure not in reported:
                    reported.add(self._failure)
                    log.error(
                        "the auth subgraph did not start (retrying, every %.0f s at most): %s",
                        self._retry_seconds[1],
                        self._failure,
                        exc_info=error,
                    )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._retry_seconds[1])
                continue
            if reported:
                log.warning("the auth subgraph started after failing: %s", self._failure)
            self._failure = self._failure_kind = None
            self._ready = True
            assert self._wake is not None  # set by `running()`, which runs this
            self._wake.set()
            return

    async def _start_once(self, stack: contextlib.AsyncExitStack) -> None:
        # Each step entered into `stack` stays entered; a retry goes on from the failed one.
        if self._app is None:
            await in_import_thread(lambda: self.app)  # the imports, off the event loop
        app = self.app
        if not self._lifespan_entered:
            await stack.enter_async_context(app.router.lifespan_context(app))
            self._lifespan_entered = True
        # The first load of the session versions is part of starting: it raises while the
        # database is away (the engine connects only now), and the next attempt loads again.
        await stack.enter_async_context(
            self.sessions.watching(app.state.engine, self._session_check_seconds)
        )


# What a request that needs the auth subgraph gets when it failed to start.
AUTH_DOWN = PlainTextResponse(
    "登录服务未能启动，请联系管理员 / The sign-in service did not start; tell the administrator.",
    status_code=503,
    headers={"retry-after": "30", "cache-control": "no-store"},
)

# Paths that never need the auth subgraph or a user's session (`/graphql` waits itself, and
# only for a request with a token).
_WITHOUT_AUTH = ("/graphql", "/healthz", "/readyz", "/favicon.ico")


class AuthStarted:
    """ASGI middleware: every request but GraphQL's, the health routes and static files
    (the pages, sign-in, the proxies: all of them identify their caller) waits until the
    auth subgraph has started (a bounded time: `started()`), as none could be served before
    the gateway started it; AUTH_DOWN (503) after that."""

    def __init__(self, app: ASGIApp, auth: GatewayAuth) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            waits = path not in _WITHOUT_AUTH and not path.startswith("/static/")
            if waits and not await self.auth.started():
                await AUTH_DOWN(scope, receive, send)
                return
        await self.app(scope, receive, send)
