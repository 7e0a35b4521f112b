"""The Starlette app every subgraph is: `/graphql` (Strawberry) and `/healthz`."""

from __future__ import annotations

import contextlib
import gc
import importlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import sqlalchemy as sa
import strawberry
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, request_response
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.asgi import GraphQL

from services.common.auth import ANONYMOUS, Identity
from services.common.auth_guard import InternalTokenGuard
from services.common.auth_tokens import InternalTokens, internal_tokens
from services.common.context import SubgraphContext
from services.common.database import inactive_slots, make_engine, ping
from services.common.http_body import BodyDeadline
from services.common.idempotency import WriteGuard, define_table
from services.common.loaders import LoaderSet
from services.common.read_protocol import SERVING
from services.common.replica import (
    ReadRouter,
    ReadRouting,
    ReplicaMonitor,
    RoutedEngine,
    on_replica,
    serving_of,
    with_lsn,
)
from services.common.settings import ServiceSettings

_REPLICA_CONNECT_SECONDS = 2  # a read: the primary answers it instead (on_replica)
_MONITOR_CONNECT_SECONDS = 5  # the lag measure: a busy machine is not a replica down
_SLOTS_SECONDS = 5.0


class _SubgraphGraphQL(GraphQL):
    """Strawberry's ASGI app with a per-request context built from the engine."""

    def __init__(
        self, schema: strawberry.Schema, make_context: Callable[[Any, Any, Identity], Any]
    ):
        super().__init__(schema, graphql_ide=None)
        self._make_context = make_context

    async def get_context(self, request: Any, response: Any) -> Any:
        # The guard in front verified the internal token and left the caller here.
        identity = request.scope.get("state", {}).get("identity", ANONYMOUS)
        return self._make_context(request, response, identity)


Resources = Callable[[], contextlib.AbstractAsyncContextManager[dict[str, Any]]]


@contextlib.asynccontextmanager
async def _no_resources() -> AsyncIterator[dict[str, Any]]:
    yield {}


def create_subgraph_app(  # noqa: PLR0913 -- a subgraph's whole make-up, keyword-only
    *,
    name: str,
    schema: strawberry.Schema,
    settings: ServiceSettings,
    context_type: type[SubgraphContext],
    loaders: type[LoaderSet] | None = None,
    resources: Resources = _no_resources,
    routes: list[Route] | None = None,
    tokens: InternalTokens | None = None,
    allow_anonymous: bool = False,
    idempotent_writes: bool = True,
) -> Starlette:
    """Build a subgraph app; the engine lives for the app's lifespan, not the import.

    Resolvers get a `context_type` (a `SubgraphContext`): the `engine`, per-request
    `loaders` (a `LoaderSet`: one DataLoader per batch query), whatever `resources` yields for
    the app's lifetime (e.g. clients of other subgraphs; its keys are the context's fields)
    and the caller's `identity`. `/graphql` serves only calls with a valid
    internal token signed by `tokens` (see `auth_guard`; `allow_anonymous` serves callers
    who have not logged in, for the gateway's login subgraph); `/healthz` stays open.

    Every subgraph keeps the gateway's deadline and, with `idempotent_writes`, answers a
    retried mutation (same `Idempotency-Key`) from its `<name>.idempotency_key` table
    (`services.common.idempotency`); a body that does not arrive in time is answered 408
    (`services.common.http_body.BodyDeadline`).
    """
    state: dict[str, Any] = {"routing": None}
    tokens = tokens or internal_tokens(name)
    replica_fields, replica_routes = _replica_fields(name)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state["engine"] = make_engine(settings.database_url, pool_size=settings.pool_size)
        if settings.read_database_url:
            # The reads and the lag monitor each their own pool (a busy read pool never
            # delays the measure), named in the replica's pg_stat_activity; a replica that
            # does not answer a read's connection in 2 s leaves it to the primary.
            read = make_engine(
                settings.read_database_url,
                pool_size=settings.pool_size,
                connect_timeout=_REPLICA_CONNECT_SECONDS,
                application_name=f"partygrid-{name}-reads",
            )
            watch = make_engine(
                settings.read_database_url,
                pool_size=1,
                connect_timeout=_MONITOR_CONNECT_SECONDS,
                application_name=f"partygrid-{name}-monitor",
            )
            monitor = ReplicaMonitor(state["engine"], watch, settings.read_max_lag_seconds)
            state["routing"] = ReadRouting(
                read, monitor, replica_fields, settings.read_after_wait_ms / 1000
            )
        try:
            async with resources() as extra:
                state["extra"] = extra
                # Extra routes (e.g. grid's tiles) reach the same engine and resources; those
                # named in REPLICA_ROUTES read from the replica when it may answer.
                app.state.engine = RoutedEngine(state["engine"], state["routing"])
                app.state.resources = extra
                # The schema and modules live as long as the process: moving them out of the
                # collector's generations keeps full collections (latency spikes) short.
                gc.collect()
                gc.freeze()
                yield
        finally:
            await state["engine"].dispose()
            if state["routing"] is not None:
                await state["routing"].engine.dispose()
                await state["routing"].monitor.replica.dispose()

    async def _slots() -> list[str]:
        # /healthz is behind the public /readyz: the server is asked every few seconds at most.
        at, found = state.get("slots", (-_SLOTS_SECONDS, []))
        if time.monotonic() - at >= _SLOTS_SECONDS:
            found = await inactive_slots(state["engine"])
            state["slots"] = (time.monotonic(), found)
        return list(found)

    async def healthz(_request: Request) -> JSONResponse:
        ok = await ping(state["engine"])
        body: dict[str, Any] = {"service": name, "status": "ok" if ok else "database unavailable"}
        if state["routing"] is not None:  # a replica down or behind takes no reads: still 200
            body["replica"] = (await state["routing"].monitor.state()).as_json()
        if ok and (forgotten := await _slots()):
            body["inactiveSlots"] = forgotten
        return JSONResponse(body, status_code=200 if ok else 503)

    def context(request: Any, response: Any, identity: Identity) -> Any:
        # The read router chose the replica for this request, or it runs on the primary.
        engine = request.scope.get("state", {}).get("read_engine") or state["engine"]
        made = {"loaders": loaders(engine)} if loaders is not None else {}
        return context_type(
            request=request,
            response=response,
            identity=identity,
            engine=engine,
            **made,
            **state["extra"],
        )

    graphql = _SubgraphGraphQL(schema, context)
    keys = define_table(sa.MetaData(schema=name)) if idempotent_writes else None
    guarded = WriteGuard(graphql, lambda: state["engine"], keys)
    routed = ReadRouter(guarded, lambda: state["routing"], lambda: state["engine"])
    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route(
                "/graphql",
                InternalTokenGuard(routed, tokens, allow_anonymous=allow_anonymous),
                methods=["GET", "POST"],
            ),
            # Extra routes (grid's tiles) answer only the same signed callers as /graphql.
            *(
                _guarded(
                    route, tokens, lambda: state["routing"], replica_routes, lambda: state["engine"]
                )
                for route in routes or []
            ),
        ],
        middleware=[Middleware(BodyDeadline)],
        lifespan=lifespan,
    )


def _replica_fields(name: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """The service's `REPLICA_FIELDS` and `REPLICA_ROUTES` (`services/<name>/replica_fields.py`,
    next to its schema); none for a subgraph without that module (the gateway's auth)."""
    try:
        module = importlib.import_module(f"services.{name}.replica_fields")
    except ModuleNotFoundError:
        return frozenset(), ()
    return frozenset(module.REPLICA_FIELDS), tuple(module.REPLICA_ROUTES)


def _guarded(
    route: Route,
    tokens: InternalTokens | None,
    routing: Callable[[], ReadRouting | None],
    replica_routes: tuple[str, ...],
    primary: Callable[[], Any],
) -> Route:
    endpoint = request_response(route.endpoint)
    if any(route.path.startswith(prefix) for prefix in replica_routes):
        endpoint = _on_replica_when_usable(endpoint, routing)
    return Route(
        route.path,
        InternalTokenGuard(_serving(endpoint, routing, primary), tokens),
        methods=sorted(route.methods or ()),
        name=route.name,
    )


def _serving(
    app: ASGIApp, routing: Callable[[], ReadRouting | None], primary: Callable[[], Any]
) -> ASGIApp:
    """An extra route as /graphql is served: a GET reads (its reads of other subgraphs carry
    the caller's position), anything else writes (imports, evidence: its reads of other
    subgraphs go to their primaries, and with a replica its answer carries `partygrid-lsn`,
    the primary's position after the write, for the author's next reads)."""

    async def served(scope: Scope, receive: Receive, send: Send) -> None:
        write = scope.get("method") not in ("GET", "HEAD")
        token = SERVING.set(serving_of(scope, write=write))
        try:
            if write and routing() is not None:
                send = with_lsn(send, primary)
            await app(scope, receive, send)
        finally:
            SERVING.reset(token)

    return served


def _on_replica_when_usable(app: ASGIApp, routing: Callable[[], ReadRouting | None]) -> ASGIApp:
    """A GET route (grid's tiles) that reads from the replica while it keeps up, and has
    replayed the caller's `partygrid-read-after` position when one is sent (never for a
    subgraph serving a write: `partygrid-read-primary`); a replica failing under it: the
    primary answers (`on_replica`)."""

    async def routed(scope: Scope, receive: Receive, send: Send) -> None:
        chosen = routing()
        if chosen is None or scope.get("method") != "GET":
            await app(scope, receive, send)
            return
        serving = serving_of(scope, write=False)
        if serving.write or not await chosen.usable(serving.read_after):
            await app(scope, receive, send)
            return
        await on_replica(app, chosen, scope, lambda: receive, send)

    return routed
