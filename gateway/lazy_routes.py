"""Route groups whose module is imported on the first request that reaches them.

The pages (console, maps, sign-in forms, admin) pull in folium, numpy, shapely, jinja2,
pypinyin and the auth database layer: seconds of imports that `/graphql` and `/healthz` never
need. A `LazyRoutes` stands where the group's routes stood in the app's list and matches as
they would (a full match of one route, else its first partial match, e.g. a wrong method's
405), so routing is unchanged; the import happens on the first request that is not answered
by a route before it. `load()` imports the group at once (the tests' check of every route).
"""

from __future__ import annotations

import importlib
from typing import Any

from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

# Where `matches` leaves the matched route for `handle` (the router merges it into the scope).
_MATCHED = "partygrid.lazy_route"


class LazyRoutes(BaseRoute):
    """The routes `module:attribute` names, imported on first use."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._routes: list[BaseRoute] | None = None

    def load(self) -> list[BaseRoute]:
        if self._routes is None:
            module, _, attribute = self.target.partition(":")
            self._routes = list(getattr(importlib.import_module(module), attribute))
        return self._routes

    @property
    def routes(self) -> list[BaseRoute]:
        return self.load()

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
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
        route: BaseRoute = scope.pop(_MATCHED)
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
