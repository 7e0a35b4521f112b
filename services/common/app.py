"""The Starlette app every subgraph is: `/graphql` (Strawberry) and `/healthz`."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator, Callable
from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL

from services.common.database import make_engine, ping
from services.common.loaders import BatchQuery, Loaders
from services.common.settings import ServiceSettings


class _SubgraphGraphQL(GraphQL):
    """Strawberry's ASGI app with a per-request context built from the engine."""

    def __init__(self, schema: strawberry.Schema, make_context: Callable[[], dict[str, Any]]):
        super().__init__(schema, graphql_ide=None)
        self._make_context = make_context

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        return {"request": request, "response": response, **self._make_context()}


Resources = Callable[[], contextlib.AbstractAsyncContextManager[dict[str, Any]]]


@contextlib.asynccontextmanager
async def _no_resources() -> AsyncIterator[dict[str, Any]]:
    yield {}


def create_subgraph_app(
    *,
    name: str,
    schema: strawberry.Schema,
    settings: ServiceSettings,
    queries: dict[str, BatchQuery],
    resources: Resources = _no_resources,
    routes: list[Route] | None = None,
) -> Starlette:
    """Build a subgraph app; the engine lives for the app's lifespan, not the import.

    Resolvers find `engine`, per-request `loaders` (one DataLoader per batch query) and
    whatever `resources` yields for the app's lifetime (e.g. clients of other subgraphs) in
    their context.
    """
    state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state["engine"] = make_engine(settings.database_url, pool_size=settings.pool_size)
        try:
            async with resources() as extra:
                state["extra"] = extra
                # Extra routes (e.g. grid's tiles) reach the same engine and resources.
                app.state.engine = state["engine"]
                app.state.resources = extra
                # The schema and modules live as long as the process: moving them out of the
                # collector's generations keeps full collections (latency spikes) short.
                gc.collect()
                gc.freeze()
                yield
        finally:
            await state["engine"].dispose()

    async def healthz(_request: Request) -> JSONResponse:
        ok = await ping(state["engine"])
        return JSONResponse(
            {"service": name, "status": "ok" if ok else "database unavailable"},
            status_code=200 if ok else 503,
        )

    def context() -> dict[str, Any]:
        engine = state["engine"]
        return {"engine": engine, "loaders": Loaders(engine, queries), **state["extra"]}

    graphql = _SubgraphGraphQL(schema, context)
    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            *(routes or []),
        ],
        lifespan=lifespan,
    )
