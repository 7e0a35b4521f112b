"""Every console route (each page family's `ROUTES`), and `/` leading to the console."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from gateway.console.nav import HOME
from gateway.console.pages import (
    assessment,
    commendations,
    community,
    dual,
    graphiql,
    home,
    members,
    overview,
    records,
    reports,
    rollup,
    search,
)


async def _root(request: Request) -> Response:
    lang = "?lang=en" if request.query_params.get("lang") == "en" else ""
    return RedirectResponse(HOME + lang, status_code=303)


ROUTES: list[BaseRoute] = [
    Route("/", _root, methods=["GET"]),
    *home.ROUTES,
    *members.ROUTES,
    *dual.ROUTES,
    *reports.ROUTES,
    *assessment.ROUTES,
    *records.ROUTES,
    *commendations.ROUTES,
    *graphiql.ROUTES,
    *community.ROUTES,
    *search.ROUTES,
    *overview.ROUTES,
    *rollup.ROUTES,
]
