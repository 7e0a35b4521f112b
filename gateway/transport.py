"""Talking to subgraphs: pooled keep-alive HTTP/1.1 connections, JSON in and out.

Subgraph fetches go through `ConnectionPool`, a small HTTP/1.1 client on asyncio protocols
with httptools parsing responses: far less CPU per fetch than httpx's general-purpose pool
(bench/README.md, `gateway_vs_hive.py`). The shared `httpx.AsyncClient` stays for everything
else (the tile proxy, readiness probes), for https subgraphs, for subgraphs it serves itself
through its mounts (hosts under `.invalid`, which no resolver answers, such as the in-process
auth subgraph), and for all of them when httptools is not installed.

Failures become `SubgraphError` with a kind the client may see ("unavailable", "timeout",
"bad_response"); the URL and the underlying exception go to the log only. Every fetch is
timed for the access log. One deadline covers a whole fetch: `fetch_timeout`, or the
subgraph's own entry in `timeouts`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx
import orjson

try:
    import httptools
except ImportError:  # pragma: no cover - without it every subgraph goes through httpx
    httptools = None

from gateway.access_log import record_fetch

log = logging.getLogger("gateway.transport")

_HEADERS = {
    "content-type": "application/json",
    "accept": "application/graphql-response+json, application/json;q=0.9",
}
# An idle connection older than this is closed rather than reused: servers drop idle
# keep-alive connections after about 5 s (uvicorn's and Node's default).
_IDLE_SECONDS = 4.0

Headers = Mapping[str, str]
_PARSER_ERRORS: tuple[type[Exception], ...] = (httptools.HttpParserError,) if httptools else ()


class SubgraphError(Exception):
    """A subgraph did not give a GraphQL response; `message` is safe to show to clients."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "unavailable": "Subgraph '{graph}' is unavailable.",
        "timeout": "Subgraph '{graph}' did not answer in time.",
        "bad_response": "Subgraph '{graph}' returned an invalid response.",
    }
    CODES: ClassVar[dict[str, str]] = {
        "unavailable": "SUBGRAPH_UNAVAILABLE",
        "timeout": "SUBGRAPH_TIMEOUT",
        "bad_response": "SUBGRAPH_BAD_RESPONSE",
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


# The HTTP/1.1 client ---------------------------------------------------------------------


class ConnectionLostError(ConnectionError):
    """The connection closed before a whole response came; `unanswered`: not a byte of it."""

    def __init__(self, message: str, *, unanswered: bool) -> None:
        super().__init__(message)
        self.unanswered = unanswered


class _Connection(asyncio.Protocol):
    """One keep-alive connection: sends a request, parses its response with httptools."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.body: list[bytes] = []
        self.answered = False
        self.closed = False
        self.idle_since = 0.0

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.waiter is None or self.waiter.done():
            self.close()  # bytes nobody asked for: the connection is out of step
            return
        self.answered = True
        try:
            self.parser.feed_data(data)
        except _PARSER_ERRORS as exc:
            self._fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(ConnectionLostError(f"connection closed: {exc!r}", unanswered=not self.answered))

    # httptools callbacks
    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if not self.parser.should_keep_alive():
            self.close()
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result((self.parser.get_status_code(), b"".join(self.body)))

    # ours
    def _fail(self, exc: Exception) -> None:
        self.close()
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Send one request and wait for its whole response: (status, body)."""
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.body = []
        self.answered = False
        self.transport.write(request)
        return await self.waiter


class ConnectionPool:
    """Keep-alive HTTP/1.1 connections per origin, for POSTs of small JSON bodies.

    A connection whose exchange fails or is cancelled is closed, never reused. A request that
    died on a reused connection before any answer (the server had closed it while idle) is
    retried once on a new one when `retry` allows it (reads).
    """

    def __init__(self, *, max_connections: int = 100) -> None:
        self.max_connections = max_connections
        self._idle: dict[tuple[str, int], deque[_Connection]] = {}
        self._slots: dict[tuple[str, int], asyncio.Semaphore] = {}

    async def post(
        self, url: str, body: bytes, headers: Headers, *, retry: bool = False
    ) -> tuple[int, bytes]:
        """POST `body` to `url` (http only): (status, response body)."""
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"not an http URL: {url}")
        origin = (parts.hostname, parts.port or 80)
        request = _request(parts.netloc, parts.path or "/", parts.query, body, headers)
        slots = self._slots.get(origin)
        if slots is None:
            slots = self._slots[origin] = asyncio.Semaphore(self.max_connections)
        async with slots:
            connection, reused = await self._acquire(origin)
            try:
                result = await self._exchange(origin, connection, request)
            except ConnectionLostError as lost:
                if not (retry and reused and lost.unanswered):
                    raise
                connection, _ = await self._acquire(origin, fresh=True)
                result = await self._exchange(origin, connection, request)
        return result

    async def _exchange(
        self, origin: tuple[str, int], connection: _Connection, request: bytes
    ) -> tuple[int, bytes]:
        try:
            result = await connection.exchange(request)
        except BaseException:
            connection.close()  # cancelled or failed mid-exchange: its state is unknown
            raise
        if not connection.closed:
            connection.idle_since = time.monotonic()
            self._idle.setdefault(origin, deque()).append(connection)
        return result

    async def _acquire(
        self, origin: tuple[str, int], *, fresh: bool = False
    ) -> tuple[_Connection, bool]:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle and not fresh:
            connection = idle.pop()  # the most recently used: the least likely to be dropped
            if not connection.closed and now - connection.idle_since < _IDLE_SECONDS:
                return connection, True
            connection.close()
        loop = asyncio.get_running_loop()
        _, connection = await loop.create_connection(_Connection, origin[0], origin[1])
        return connection, False

    def close(self) -> None:
        """Close every idle connection (the lifespan's end)."""
        for idle in self._idle.values():
            while idle:
                idle.pop().close()


def _request(netloc: str, path: str, query: str, body: bytes, headers: Headers) -> bytes:
    target = f"{path}?{query}" if query else path
    lines = [f"POST {target} HTTP/1.1", f"host: {netloc}", f"content-length: {len(body)}"]
    for name, value in headers.items():
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name or ":" in name:
            raise ValueError(f"invalid header {name!r}")
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


# Subgraph fetches ------------------------------------------------------------------------


class SubgraphTransport:
    """Posts GraphQL requests to subgraphs by name.

    `headers`, when given, is called on every fetch for the headers of the request being
    served (the caller's identity, say); it runs in that request's context.

    Identical queries in flight at the same time (same subgraph, body and headers) share one
    subgraph request, as Hive Gateway does: concurrent clients asking the same thing cost
    the subgraph one answer. Each waiter keeps its own deadline and parses its own copy of
    the response. Mutations are never shared.
    """

    def __init__(
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
        try:
            payload = await self._fetch(graph, orjson.dumps(body), shared)
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

    async def _fetch(self, graph: str, content: bytes, shared: bool) -> dict[str, Any]:
        url = self.urls[graph]
        headers = self._request_headers()
        try:
            # One deadline for the whole exchange, whoever makes it.
            async with asyncio.timeout(self.timeouts[graph]):
                if shared:
                    status, raw = await self._shared(graph, content, headers)
                else:
                    status, raw = await self._post(graph, content, headers, retry=False)
        except (TimeoutError, httpx.TimeoutException) as exc:
            log.warning("subgraph %s at %s timed out: %r", graph, url, exc)
            raise SubgraphError(graph, "timeout") from exc
        except (OSError, *_PARSER_ERRORS, httpx.HTTPError) as exc:
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
        async with asyncio.timeout(self.timeouts[graph]):
            return await self._post(graph, content, headers, retry=True)

    def _landed(self, key: tuple, task: asyncio.Task) -> None:
        self._inflight.pop(key, None)
        if not task.cancelled():
            task.exception()  # retrieved here, so no waiter left behind means no warning

    async def _post(
        self, graph: str, content: bytes, headers: Headers, *, retry: bool
    ) -> tuple[int, bytes]:
        url = self.urls[graph]
        if graph not in self.via_client:
            return await self.pool.post(url, content, headers, retry=retry)
        response = await self.client.post(
            url, content=content, headers=headers, timeout=self.timeouts[graph]
        )
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

    def close(self) -> None:
        """Close the pooled connections."""
        self.pool.close()


def _poolable(url: str) -> bool:
    """Plain http to a host a resolver can answer (`.invalid` ones live on httpx mounts)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    return (
        httptools is not None
        and parts.scheme == "http"
        and bool(host)
        and not host.endswith(".invalid")
    )
