"""Talking to subgraphs: pooled keep-alive connections, JSON in and out.

Subgraph fetches go through `ConnectionPool`, aiohttp's client: far less CPU per fetch than
httpx's pool, which was most of the gateway's own CPU under load (bench/README.md,
`gateway_vs_hive.py`). The shared `httpx.AsyncClient` stays for everything else (the tile
proxy, readiness probes), for https subgraphs, and for subgraphs it serves itself through its
mounts (hosts under `.invalid`, which no resolver answers, such as the in-process auth
subgraph).

Failures become `SubgraphError` with a kind the client may see ("unavailable", "timeout",
"bad_response"); the URL and the underlying exception go to the log only. Every fetch is
timed for the access log. One deadline covers a whole fetch: `fetch_timeout`, or the
subgraph's own entry in `timeouts`; what is left of it goes with the request
(`partygrid-deadline-ms`), so the subgraph stops work nobody waits for. A mutation fetch
carries the client's Idempotency-Key made unique per fetch (`gateway.write_keys`); when its
deadline passes, its outcome is unknown (OUTCOME_UNKNOWN: retry with the same key).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

import aiohttp
import httpx
import orjson

from gateway.access_log import record_fetch
from gateway.read_after import forwarded_position, noted
from gateway.write_keys import next_key
from services.common.read_protocol import LSN_HEADER
from services.common.write_protocol import DEADLINE_HEADER, KEY_HEADER, MESSAGES

log = logging.getLogger("gateway.transport")

_HEADERS = {
    "content-type": "application/json",
    "accept": "application/graphql-response+json, application/json;q=0.9",
}
# An idle connection older than this is closed rather than reused: servers drop idle
# keep-alive connections after about 5 s (uvicorn's and Node's default).
_IDLE_SECONDS = 4.0

Headers = Mapping[str, str]


class SubgraphError(Exception):
    """A subgraph did not give a GraphQL response; `message` is safe to show to clients."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "unavailable": "Subgraph '{graph}' is unavailable.",
        "timeout": "Subgraph '{graph}' did not answer in time.",
        "bad_response": "Subgraph '{graph}' returned an invalid response.",
        # A write sent and not answered in time: it may yet be applied, or not.
        "outcome_unknown": MESSAGES["OUTCOME_UNKNOWN"][0] + "（{graph}）",
    }
    CODES: ClassVar[dict[str, str]] = {
        "unavailable": "SUBGRAPH_UNAVAILABLE",
        "timeout": "SUBGRAPH_TIMEOUT",
        "bad_response": "SUBGRAPH_BAD_RESPONSE",
        "outcome_unknown": "OUTCOME_UNKNOWN",
    }

    def __init__(self, graph: str, kind: str) -> None:
        self.graph = graph
        self.kind = kind
        super().__init__(self.MESSAGES[kind].format(graph=graph))

    def error(self, path: list[Any] | None) -> dict[str, Any]:
        """The GraphQL error reported at `path` for this failure."""
        error: dict[str, Any] = {"message": str(self)}
        if path is not None:
            error["path"] = path
        error["extensions"] = {"code": self.CODES[self.kind], "serviceName": self.graph}
        if self.kind == "outcome_unknown":
            error["extensions"]["messageEn"] = MESSAGES["OUTCOME_UNKNOWN"][1]
        return error


def make_client(
    *,
    timeout: float,
    max_connections: int = 100,
    mounts: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> httpx.AsyncClient:
    """The pooled HTTP client the gateway shares between requests, opened for the lifespan;
    `mounts` serve some origins in-process (the gateway-owned auth subgraph)."""
    return httpx.AsyncClient(
        mounts=dict(mounts or {}),
        timeout=httpx.Timeout(timeout),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=20),
        # Subgraphs are reached directly; proxy variables of the environment must not apply.
        trust_env=False,
    )


# The subgraph client ----------------------------------------------------------------------


class ConnectionPool:
    """Keep-alive connections to the subgraphs for POSTs of small JSON bodies, on aiohttp's
    client (its connection pool costs a fraction of httpx's per request, which was most of
    the gateway's own CPU under load). Made inside the running loop, on first use.

    A read that died on a reused keep-alive connection the server had just closed is retried
    once (`retry`); mutations never are.
    """

    def __init__(self, *, max_connections: int = 100) -> None:
        self.max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self.max_connections,
                keepalive_timeout=_IDLE_SECONDS,
                use_dns_cache=True,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=None),  # the caller's deadline rules
                auto_decompress=False,
                trust_env=False,  # subgraphs are reached directly, never through a proxy
            )
        return self._session

    async def post(
        self,
        url: str,
        body: bytes,
        headers: Headers,
        *,
        retry: bool = False,
        seen: Callable[[Headers], None] | None = None,
    ) -> tuple[int, bytes]:
        """POST `body` to `url`: (status, response body); `seen` gets the response headers."""
        for attempt in (1, 2):
            try:
                async with self._client().post(url, data=body, headers=dict(headers)) as response:
                    if seen is not None:
                        seen(response.headers)
                    return response.status, await response.read()
            except aiohttp.ServerDisconnectedError:
                if not retry or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        """Close the connections (the lifespan's end)."""
        if self._session is not None:
            await self._session.close()


class SubgraphTransport:
    """Posts GraphQL requests to subgraphs by name.

    `headers`, when given, is called on every fetch for the headers of the request being
    served (the caller's identity, say); it runs in that request's context.

    Identical queries in flight at the same time (same subgraph, body and headers) share one
    subgraph request, as Hive Gateway does: concurrent clients asking the same thing cost
    the subgraph one answer. Each waiter keeps its own deadline and parses its own copy of
    the response. Mutations are never shared.
    """

    def __init__(  # noqa: PLR0913 -- keyword-only settings, each optional but the deadline
        self,
        client: httpx.AsyncClient,
        urls: Mapping[str, str],
        *,
        fetch_timeout: float,
        probe_timeout: float = 2.0,
        timeouts: Mapping[str, float] | None = None,
        headers: Callable[[], Headers] | None = None,
        probe_headers: Callable[[], Headers] | None = None,
        pool: ConnectionPool | None = None,
    ) -> None:
        self.client = client
        self.urls = dict(urls)
        self.fetch_timeout = fetch_timeout
        self.probe_timeout = probe_timeout
        self.timeouts = {name: (timeouts or {}).get(name, fetch_timeout) for name in self.urls}
        self.headers = headers
        self.probe_headers = probe_headers  # the gateway as itself: subgraphs want a token
        self.pool = pool or ConnectionPool()
        # Subgraphs the pool cannot reach go through the httpx client (and its mounts).
        self.via_client = {name for name, url in self.urls.items() if not _poolable(url)}
        self._inflight: dict[tuple[str, bytes, tuple[tuple[str, str], ...]], asyncio.Task] = {}

    async def fetch(
        self, graph: str, body: dict[str, Any], *, shared: bool = True
    ) -> dict[str, Any]:
        """The subgraph's JSON response (`data`/`errors`); raise SubgraphError otherwise.

        `shared`: the request is a read, which may share an identical one in flight.
        """
        started = time.perf_counter()
        # Mutation fetch documents start with the operation type (gateway.plan).
        write = not shared and str(body.get("query", "")).startswith("mutation")
        try:
            payload = await self._fetch(graph, orjson.dumps(body), shared, write)
        except SubgraphError as failure:
            record_fetch(graph, time.perf_counter() - started, failure.kind)
            raise
        record_fetch(
            graph, time.perf_counter() - started, "errors" if payload.get("errors") else "ok"
        )
        return payload

    def _request_headers(self) -> Headers:
        """Every header of a subgraph request: the fixed ones, then the request's own."""
        if self.headers is None:
            return _HEADERS
        return {**_HEADERS, **self.headers()}

    async def _fetch(self, graph: str, content: bytes, shared: bool, write: bool) -> dict[str, Any]:
        url = self.urls[graph]
        # The caller's read-after token for this subgraph (gateway.read_after).
        headers = {**self._request_headers(), **forwarded_position()}
        if write and (key := next_key(graph)) is not None:
            headers = {**headers, KEY_HEADER: key}
        try:
            # One deadline for the whole exchange, whoever makes it.
            async with asyncio.timeout(self.timeouts[graph]) as deadline:
                if shared:
                    status, raw = await self._shared(graph, content, headers)
                else:
                    headers = {**headers, **_deadline_header(deadline.when())}
                    status, raw = await self._post(graph, content, headers, retry=False)
        except (TimeoutError, httpx.TimeoutException) as exc:
            log.warning("subgraph %s at %s timed out: %r", graph, url, exc)
            raise SubgraphError(graph, "outcome_unknown" if write else "timeout") from exc
        except (OSError, aiohttp.ClientError, httpx.HTTPError) as exc:
            log.warning("subgraph %s at %s unreachable: %r", graph, url, exc)
            raise SubgraphError(graph, "unavailable") from exc
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            log.warning("subgraph %s answered HTTP %s without JSON", graph, status)
            raise SubgraphError(graph, "bad_response") from exc
        if not isinstance(payload, dict) or not ("data" in payload or "errors" in payload):
            log.warning("subgraph %s answered HTTP %s, not GraphQL", graph, status)
            raise SubgraphError(graph, "bad_response")
        return payload

    async def _shared(self, graph: str, content: bytes, headers: Headers) -> tuple[int, bytes]:
        """The exchange of an identical request in flight, or a new one others may join.

        The exchange runs in a task of its own, so a waiter that gives up (its deadline, a
        cancelled request) never cancels it for the others.
        """
        key = (graph, content, tuple(headers.items()))
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._bounded_post(graph, content, headers))
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._landed(key, done))
        return await asyncio.shield(task)

    async def _bounded_post(
        self, graph: str, content: bytes, headers: Headers
    ) -> tuple[int, bytes]:
        async with asyncio.timeout(self.timeouts[graph]) as deadline:
            headers = {**headers, **_deadline_header(deadline.when())}
            return await self._post(graph, content, headers, retry=True)

    def _landed(self, key: tuple, task: asyncio.Task) -> None:
        self._inflight.pop(key, None)
        if not task.cancelled():
            task.exception()  # retrieved here, so no waiter left behind means no warning

    async def _post(
        self, graph: str, content: bytes, headers: Headers, *, retry: bool
    ) -> tuple[int, bytes]:
        url = self.urls[graph]

        def seen(answered: Headers) -> None:  # a write's primary position, for read-after
            noted(graph, answered.get(LSN_HEADER))

        if graph not in self.via_client:
            return await self.pool.post(url, content, headers, retry=retry, seen=seen)
        response = await self.client.post(
            url, content=content, headers=headers, timeout=self.timeouts[graph]
        )
        seen(response.headers)
        return response.status_code, response.content

    async def probe(self, graph: str) -> bool:
        """Whether the subgraph answers `{ __typename }` with HTTP 200 (for `/readyz`)."""
        try:
            headers = {**_HEADERS, **(self.probe_headers() if self.probe_headers else {})}
            async with asyncio.timeout(self.probe_timeout):
                response = await self.client.post(
                    self.urls[graph], content=b'{"query":"{ __typename }"}', headers=headers
                )
            return response.status_code == 200
        except (TimeoutError, httpx.HTTPError):
            return False

    async def health(self, graph: str) -> dict[str, Any]:
        """The subgraph's own /healthz answer (its replica's lag, replication slots nobody
        uses), or {} when it gives none (`probe` reports the subgraph itself)."""
        url = self.urls[graph]
        if not url.endswith("/graphql"):
            return {}
        try:
            async with asyncio.timeout(self.probe_timeout):
                response = await self.client.get(url.removesuffix("/graphql") + "/healthz")
            found = response.json()
        except (TimeoutError, httpx.HTTPError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self.pool.aclose()


def _deadline_header(when: float | None) -> dict[str, str]:
    """What is left of a fetch's deadline (loop time `when`), for the subgraph."""
    if when is None:
        return {}
    left = max(when - asyncio.get_running_loop().time(), 0.0)
    return {DEADLINE_HEADER: str(int(left * 1000))}


def _poolable(url: str) -> bool:
    """Plain http to a host a resolver can answer (`.invalid` ones live on httpx mounts)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    return parts.scheme == "http" and bool(host) and not host.endswith(".invalid")
