"""Route groups whose module is imported on the first request that reaches them.

The pages (console, maps, sign-in forms, admin) pull in folium, numpy, shapely, jinja2,
pypinyin and the auth database layer: seconds of imports that `/graphql` and `/healthz` never
need. A `LazyRoutes` stands where the group's routes stood in the app's list and matches as
they would (a full match of one route, else its first partial match, e.g. a wrong method's
405), so routing is unchanged. `PageGroups.loading()` imports every group after the gateway
serves, in the import thread (never on the event loop, never beside the auth subgraph's own
imports); a request that reaches a group before then waits for it without blocking the loop
and is routed again once all are loaded. Without it (a bare `LazyRoutes`), a group is
imported on the first request that reaches it. `load()` imports the group at once (the
tests' check of every route).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

from gateway.import_thread import in_import_thread

# Where `matches` leaves the matched route for `handle` (the router merges it into the scope).
_MATCHED = "partygrid.lazy_route"
_LOADING = "partygrid.lazy_routes_loading"  # what a request that came too soon waits for
log = logging.getLogger("gateway")


class LazyRoutes(BaseRoute):
    """The routes `module:attribute` names, imported on first use."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._routes: list[BaseRoute] | None = None
        # Set by `PageGroups`: done once the import thread has loaded every group.
        self._loading: asyncio.Future[None] | None = None

    @property
    def pending(self) -> bool:
        """Whether the import thread is still loading this group."""
        return self._routes is None and self._loading is not None and not self._loading.done()

    def load(self) -> list[BaseRoute]:
        if self._routes is None:
            module, _, attribute = self.target.partition(":")
            self._routes = list(getattr(importlib.import_module(module), attribute))
        return self._routes

    @property
    def routes(self) -> list[BaseRoute]:
        return self.load()

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if self.pending:
            # Unknown until loaded: taken, so `handle` waits and routes the request again.
            return Match.FULL, {_MATCHED: None, _LOADING: self._loading}
        partial: tuple[BaseRoute, Scope] | None = None
        for route in self.load():
            match, child = route.matches(scope)
            if match is Match.FULL:
                return Match.FULL, {**child, _MATCHED: route}
            if match is Match.PARTIAL and partial is None:
                partial = (route, child)
        if partial is not None:
            return Match.PARTIAL, {**partial[1], _MATCHED: partial[0]}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route: BaseRoute | None = scope.pop(_MATCHED)
        if route is None:
            loading: asyncio.Future[None] = scope.pop(_LOADING)
            # Waited for, not run here (`_load_all` logs a group that failed; the routing
            # below imports it again, and its error is answered as any route's).
            with contextlib.suppress(Exception):
                await asyncio.shield(loading)
            # The app's router again, now that every group is loaded (groups stand in the
            # app's own route list, so the scope is still the one it routed).
            await scope["router"].app(scope, receive, send)
            return
        await route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        for route in self.load():
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                continue
        raise NoMatchFound(name, path_params)

    def __repr__(self) -> str:
        return f"LazyRoutes({self.target!r})"


class PageGroups:
    """Every `LazyRoutes` of the app, loaded together in the import thread."""

    def __init__(self, groups: Sequence[LazyRoutes]) -> None:
        self.groups = list(groups)

    def _load_all(self) -> None:
        for group in self.groups:
            try:
                group.load()
            except Exception:  # its requests import it again and answer the error
                log.exception("could not load the routes of %s", group.target)

    @contextlib.asynccontextmanager
    async def loading(self) -> AsyncIterator[None]:
        """Load the groups in the import thread while the block (the gateway) runs."""
        # Never cancelled: requests may be waiting for it, and the thread cannot be stopped.
        loading = asyncio.ensure_future(in_import_thread(self._load_all))
        for group in self.groups:
            group._loading = loading
        try:
            yield
        finally:
            for group in self.groups:
                group._loading = None
