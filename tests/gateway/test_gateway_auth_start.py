"""Starting the in-process auth subgraph after the gateway serves (gateway/auth/gate.py): a
user's token is never accepted before the session versions are loaded, a failed start is
retried until it runs (and /readyz says so meanwhile), and shutdown wakes what waits.

No database: the auth app here is a stand-in whose engine answers the session-version query
from a list, or refuses to connect while `down`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import threading
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from gateway.auth.gate import GatewayAuth
from gateway.auth.revocation import SessionsNotLoadedError, SessionVersions
from gateway.auth.tokens import AccessTokens, InvalidAccessTokenError
from gateway.health import ROUTES as HEALTH_ROUTES
from services.common.auth import Identity, Role

ACCESS = AccessTokens("k" * 40, ttl=dt.timedelta(minutes=5))
SECRETARY = Identity("sec-1", Role.SECRETARY, "410104001001")


class _Rows:
    def __init__(self, rows: list[tuple[str, int, bool]]) -> None:
        self.rows = rows

    def all(self) -> list[tuple[str, int, bool]]:
        return self.rows


class _Engine:
    """What `SessionVersions.load` uses of an AsyncEngine; `down` refuses connections."""

    def __init__(self, rows: list[tuple[str, int, bool]], down: bool) -> None:
        self.rows = rows
        self.down = down
        self.connects = 0

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncIterator[Any]:
        self.connects += 1
        if self.down:
            raise ConnectionRefusedError("the auth database is down")

        async def execute(_query: object) -> _Rows:
            return _Rows(self.rows)

        yield SimpleNamespace(execute=execute)


def _auth_app(engine: _Engine) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.engine = engine  # as the real one: created, not connected
        yield

    return Starlette(lifespan=lifespan)


def _token(version: int) -> str:
    return ACCESS.issue(SECRETARY, session_version=version).token


def test_no_session_versions_loaded_refuses_rather_than_accepts() -> None:
    sessions = SessionVersions()
    with pytest.raises(SessionsNotLoadedError):
        sessions.check(SECRETARY, 3)
    with pytest.raises(SessionsNotLoadedError):
        sessions.check(SECRETARY, None)


def test_a_token_is_never_accepted_before_the_first_load_of_session_versions() -> None:
    """The auth database down at boot: the subgraph's engine is made (it connects lazily)
    but the first load fails. Starting is not done until a load succeeds: a token waits a
    bounded time and is refused; once the database is back, a revoked session is refused."""
    engine = _Engine([("sec-1", 2, False)], down=True)

    async def scenario() -> None:
        auth = GatewayAuth(
            ACCESS,
            None,
            lambda: _auth_app(engine),
            start_wait_seconds=0.2,
            retry_seconds=(0.01, 0.02),
        )
        async with auth.running():
            assert await auth.started() is False
            assert engine.connects >= 1
            with pytest.raises(SessionsNotLoadedError):
                auth.authenticate(f"Bearer {_token(1)}")  # version 1 is revoked (now 2)
            engine.down = False
            assert await auth.started(wait=5) is True
            with pytest.raises(InvalidAccessTokenError) as revoked:
                auth.authenticate(f"Bearer {_token(1)}")
            assert revoked.value.code == "TOKEN_REVOKED"
            assert auth.authenticate(f"Bearer {_token(2)}") == SECRETARY

    asyncio.run(scenario())


def test_a_failed_start_is_retried_logged_once_and_reported_by_readyz(
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = _Engine([("sec-1", 1, False)], down=False)
    attempts: list[int] = []
    retried = threading.Event()
    broken = True

    def make_app() -> Starlette:
        attempts.append(1)
        if len(attempts) >= 3:
            retried.set()
        if broken:
            raise RuntimeError("no auth database driver")
        return _auth_app(engine)

    async def readiness() -> dict[str, str]:
        # As the probe of the auth subgraph through `GatewayAuth.mounts()` answers.
        return {"org": "ok", "auth": "ok" if await auth.started(wait=0.2) else "unreachable"}

    gateway = SimpleNamespace(readiness=readiness)
    auth = GatewayAuth(ACCESS, None, make_app, retry_seconds=(0.01, 0.02))

    async def scenario() -> list[httpx.Response]:
        nonlocal broken
        health = Starlette(routes=HEALTH_ROUTES)
        health.state.gateway = gateway
        health.state.auth = auth
        transport = httpx.ASGITransport(app=health)
        answers = []
        async with (
            auth.running(),
            httpx.AsyncClient(transport=transport, base_url="http://gw") as client,
        ):
            assert await asyncio.to_thread(retried.wait, 5)
            assert await auth.started(wait=0.05) is False
            answers.append(await client.get("/readyz"))
            broken = False
            assert await auth.started(wait=5) is True
            answers.append(await client.get("/readyz"))
        return answers

    with caplog.at_level(logging.INFO, logger="gateway.auth"):
        down, up = asyncio.run(scenario())
    assert down.status_code == 503
    assert down.json() == {
        "status": "unavailable",
        "unavailable": ["auth"],
        "auth": "not started (RuntimeError)",
        "subgraphs": {"org": "ok", "auth": "unreachable"},
    }
    assert up.status_code == 200
    assert up.json() == {"status": "ready", "subgraphs": {"org": "ok", "auth": "ok"}}
    failures = [r for r in caplog.records if "did not start" in r.getMessage()]
    assert len(failures) == 1 and "no auth database driver" in failures[0].getMessage()
    assert any("started after failing" in r.getMessage() for r in caplog.records)


def test_shutdown_answers_what_waits_for_the_start_instead_of_cancelling_it() -> None:
    """A request waiting in `started()` when the gateway stops gets False (its 503), not the
    start task's CancelledError."""

    def make_app() -> Starlette:
        @contextlib.asynccontextmanager
        async def lifespan(_app: Starlette) -> AsyncIterator[None]:
            await asyncio.Event().wait()  # a database that never answers
            yield

        return Starlette(lifespan=lifespan)

    async def scenario() -> bool:
        auth = GatewayAuth(ACCESS, None, make_app)
        async with auth.running():
            waiting = asyncio.ensure_future(auth.started())
            await asyncio.sleep(0.05)
            assert not waiting.done()
        return await waiting

    assert asyncio.run(scenario()) is False
