"""`/console`: the signed-in user's home page."""

from __future__ import annotations

from starlette.responses import Response

from gateway.console.nav import HOME
from gateway.console.page import Page, console_route


async def home(page: Page) -> Response:
    return page.render("home/home.html")


ROUTES = [console_route(HOME, home)]
