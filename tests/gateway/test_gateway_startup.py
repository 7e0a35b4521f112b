"""What the gateway does at start-up, and what it leaves for later (issue 17: start-up ≤ 1 s,
measured in bench/gateway_startup.py; here only what keeps it so, never a time).

Pages and proxies are routed through `LazyRoutes` (their modules imported on first use) and
the auth subgraph starts after the gateway serves: routing must be what it was, every page
group must load, and building the app must not import the libraries only they need.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys

import httpx
from starlette.applications import Starlette
from starlette.routing import Route

from gateway.app import PAGE_ROUTES
from gateway.auth.gate import AUTH_ORIGIN
from gateway.health import ROUTES as HEALTH_ROUTES
from gateway.lazy_routes import LazyRoutes


def _apps() -> tuple[Starlette, Starlette]:
    """The health routes, eager and lazy, each before a catch-all-methods route."""

    async def other(_request: object) -> None:
        raise AssertionError("not reached")

    after = Route("/after", other, methods=["PUT"])
    eager = Starlette(routes=[*HEALTH_ROUTES, after])
    lazy = Starlette(routes=[LazyRoutes("gateway.health:ROUTES"), after])
    return eager, lazy


async def _answers(app: Starlette, requests: list[tuple[str, str]]) -> list[tuple]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        answers = [await client.request(method, path) for method, path in requests]
    return [(a.status_code, a.text, a.headers.get("allow")) for a in answers]


def test_lazy_routes_route_as_the_routes_they_stand_for() -> None:
    eager, lazy = _apps()
    requests = [
        ("GET", "/healthz"),  # full match
        ("POST", "/healthz"),  # partial: 405 with Allow
        ("GET", "/nowhere"),  # none: 404
        ("GET", "/after"),  # a partial match of a later route
    ]
    answers = asyncio.run(_answers(lazy, requests))
    assert [status for status, *_ in answers] == [200, 405, 404, 405]
    assert answers == asyncio.run(_answers(eager, requests))
    assert lazy.url_path_for("healthz") == eager.url_path_for("healthz") == "/healthz"


def test_every_page_group_loads() -> None:
    for module in PAGE_ROUTES:
        assert LazyRoutes(f"gateway.{module}:ROUTES").load(), module


def test_building_the_app_imports_no_page_or_database_library() -> None:
    # A fresh interpreter: this one has imported them for other tests.
    check = (
        "import sys\n"
        "from gateway.app import create_app\n"
        "create_app()\n"
        "heavy = ('folium', 'numpy', 'shapely', 'jinja2', 'pypinyin', 'sqlalchemy',\n"
        "         'strawberry', 'psycopg')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]", done.stderr


def test_an_auth_subgraph_that_did_not_start_answers_503_where_it_is_needed() -> None:
    """The auth subgraph starts in the background: when it fails (its database is gone), what
    needs it answers 503 with a reason, what does not (health, GraphQL without a token) runs."""
    from starlette.responses import PlainTextResponse

    from gateway.auth.gate import AuthStarted, GatewayAuth

    def broken() -> Starlette:
        raise RuntimeError("no auth database")

    async def page(_request: object) -> PlainTextResponse:
        return PlainTextResponse("page")

    async def scenario() -> list[tuple[int, str]]:
        auth = GatewayAuth(None, None, broken)
        inner = Starlette(routes=[Route("/console", page), Route("/healthz", page)])
        async with auth.running():
            assert await auth.started() is False
            transport = httpx.ASGITransport(app=AuthStarted(inner, auth))
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                answers = [await client.get(path) for path in ("/console", "/healthz")]
            mounted = httpx.AsyncClient(mounts=auth.mounts())
            async with mounted:
                answers.append(await mounted.post(f"{AUTH_ORIGIN}/graphql", json={}))
        return [(a.status_code, a.text) for a in answers]

    console, health, subgraph = asyncio.run(scenario())
    assert console[0] == 503 and "登录服务未能启动" in console[1]
    assert health == (200, "page")
    assert subgraph[0] == 503


def test_the_pages_load_in_the_import_thread_and_early_requests_wait_for_them(
    tmp_path, monkeypatch
) -> None:
    """A request reaching a page group while the import thread loads it waits (the loop
    serves other requests meanwhile) and is routed once loaded; nothing imports on the loop."""
    import threading
    import types
    import uuid

    from starlette.responses import PlainTextResponse

    from gateway.import_thread import THREAD_NAME
    from gateway.lazy_routes import PageGroups

    gate = types.ModuleType(f"lazy_gate_{uuid.uuid4().hex}")
    gate.release = threading.Event()  # type: ignore[attr-defined]
    gate.threads = []  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, gate.__name__, gate)
    pages = f"lazy_pages_{uuid.uuid4().hex}"
    (tmp_path / f"{pages}.py").write_text(
        "import threading\n"
        "from starlette.responses import PlainTextResponse\n"
        "from starlette.routing import Route\n"
        f"import {gate.__name__} as gate\n"
        "gate.threads.append(threading.current_thread().name)\n"
        "gate.release.wait(5)  # a slow import\n"
        "async def page(_request):\n"
        "    return PlainTextResponse('page')\n"
        "ROUTES = [Route('/page', page, methods=['GET'])]\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    async def fast(_request: object) -> PlainTextResponse:
        return PlainTextResponse("fast")

    groups = PageGroups([LazyRoutes(f"{pages}:ROUTES")])
    app = Starlette(routes=[Route("/fast", fast), *groups.groups])

    async def scenario() -> list[tuple[int, str]]:
        transport = httpx.ASGITransport(app=app)
        async with (
            groups.loading(),
            httpx.AsyncClient(transport=transport, base_url="http://gw") as client,
        ):
            early = asyncio.ensure_future(client.get("/page"))
            wrong = asyncio.ensure_future(client.post("/page"))
            answered = await client.get("/fast")  # while the import is under way
            assert not early.done() and not wrong.done()
            gate.release.set()  # type: ignore[attr-defined]
            answers = [answered, await early, await wrong, await client.get("/nowhere")]
        return [(a.status_code, a.text) for a in answers]

    fast_answer, page, post, missing = asyncio.run(scenario())
    assert fast_answer == (200, "fast") and page == (200, "page")
    assert post[0] == 405 and missing[0] == 404
    assert [name.startswith(THREAD_NAME) for name in gate.threads] == [True]  # type: ignore[attr-defined]


def test_static_files_are_routed_before_the_page_groups() -> None:
    from starlette.routing import Mount

    from gateway.app import create_app

    routes = create_app().routes
    static = next(i for i, r in enumerate(routes) if isinstance(r, Mount) and r.path == "/static")
    assert static < min(i for i, r in enumerate(routes) if isinstance(r, LazyRoutes))
