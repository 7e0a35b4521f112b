"""An import's Idempotency-Key claim belongs to the one request that made it
(services/common/import_once.py, services/common/idempotency.py): a running import renews its
lease, so a retry never takes it over; and if one is taken over all the same, the first's
write rolls back instead of storing its answer in the other's claim. `once` here wraps a small
route of the test's own against the real org database (its `idempotency_key` table); the
route's "write" is a row of that table under another key, so it commits or rolls back with
the answer like an import's."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from typing import Any

import httpx
import pytest
from placeholder_communities import sql
from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.common import import_once
from services.common.import_once import once, record
from services.org.models import idempotency_key
from stack import DISTRICT


class _Import:
    """A route that counts its runs, waits where the test says, then writes and records."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.runs = 0
        self.gates: dict[int, asyncio.Event] = {}
        self.started: dict[int, asyncio.Event] = {1: asyncio.Event(), 2: asyncio.Event()}

    async def __call__(self, request: Request) -> Response:
        self.runs += 1
        run = self.runs
        self.started.setdefault(run, asyncio.Event()).set()
        if run in self.gates:
            await self.gates[run].wait()
        async with request.app.state.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO org.idempotency_key (subject, key, fingerprint, created_at,"
                    " expires_at) VALUES ('test-write', :k, '-', now(), now() + interval '1 min')"
                ),
                {"k": f"{self.key}-run-{run}"},
            )
            return await record(conn, JSONResponse({"run": run}))


def _app(route: _Import, url: str) -> Any:
    app = Starlette(
        routes=[
            Route(
                "/imports/things",
                once(route, idempotency_key, 1 << 20, lambda _identity, _request: True),
                methods=["POST"],
            )
        ]
    )
    app.state.engine = create_async_engine(url, poolclass=pool.NullPool)

    async def signed(scope: Any, receive: Any, send: Any) -> None:
        scope.setdefault("state", {})["identity"] = DISTRICT  # what the token guard sets
        await app(scope, receive, send)

    return signed


def _post(client: httpx.AsyncClient, key: str) -> Any:
    return client.post("/imports/things", content=b"a file", headers={"idempotency-key": key})


def _writes(url: str, key: str) -> list:
    return sql(
        url,
        "SELECT key FROM org.idempotency_key WHERE subject = 'test-write' AND key LIKE :k"
        " ORDER BY key",
        k=f"{key}-run-%",
    )


@pytest.fixture
def org_url(service_urls: dict[str, str]) -> str:
    return service_urls["org"]


def test_a_running_import_renews_its_claim_so_a_retry_waits_for_it(
    org_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lease is a second here, the import runs two and a half: a retry sent after the
    lease would have run out waits for the first and gets its answer."""
    monkeypatch.setattr(import_once, "IMPORT_LEASE", dt.timedelta(seconds=1))
    monkeypatch.setattr(import_once, "_RENEW_SECONDS", 0.2, raising=False)
    key = str(uuid.uuid4())

    async def scenario() -> tuple[_Import, list[httpx.Response]]:
        route = _Import(key)
        route.gates[1] = asyncio.Event()
        transport = httpx.ASGITransport(app=_app(route, org_url))
        async with httpx.AsyncClient(transport=transport, base_url="http://org") as client:
            first = asyncio.create_task(_post(client, key))
            await route.started[1].wait()
            await asyncio.sleep(1.5)  # past the lease
            retry = asyncio.create_task(_post(client, key))
            await asyncio.sleep(1.0)
            route.gates[1].set()
            return route, list(await asyncio.gather(first, retry))

    route, (first, retry) = asyncio.run(scenario())
    assert route.runs == 1, "a retry took over a running import and imported again"
    assert first.status_code == 200 and first.json() == {"run": 1}
    assert (retry.status_code, retry.content) == (first.status_code, first.content)
    assert _writes(org_url, key) == [(f"{key}-run-1",)]


def test_an_import_whose_claim_was_taken_over_rolls_back_instead_of_answering_for_the_retry(
    org_url: str,
) -> None:
    """The first import's claim expires while it runs (its renewals could not reach the
    database, say); a retry takes it over. The first's write then must not commit, nor its
    answer land in the retry's claim: only the retry's write and answer are kept."""
    key = str(uuid.uuid4())

    async def scenario() -> tuple[_Import, list[httpx.Response]]:
        route = _Import(key)
        route.gates[1], route.gates[2] = asyncio.Event(), asyncio.Event()
        transport = httpx.ASGITransport(app=_app(route, org_url))
        async with httpx.AsyncClient(transport=transport, base_url="http://org") as client:
            first = asyncio.create_task(_post(client, key))
            await route.started[1].wait()
            await asyncio.to_thread(
                sql,
                org_url,
                "UPDATE org.idempotency_key SET expires_at = now() - interval '1 s' WHERE key = :k",
                k=key,
            )
            retry = asyncio.create_task(_post(client, key))
            await route.started[2].wait()  # the retry took the claim over and runs
            route.gates[1].set()  # the first finishes first, while the retry still runs
            answered_first = await first
            route.gates[2].set()
            return route, [answered_first, await retry]

    route, (first, retry) = asyncio.run(scenario())
    assert route.runs == 2
    assert retry.status_code == 200 and retry.json() == {"run": 2}
    assert _writes(org_url, key) == [(f"{key}-run-2",)], "the taken-over import wrote too"
    ((stored,),) = sql(org_url, "SELECT response FROM org.idempotency_key WHERE key = :k", k=key)
    assert json.loads(json.loads(stored)["body"]) == {"run": 2}
    assert first.status_code == 409 and first.json()["errors"][0]["code"] == "IN_PROGRESS"
