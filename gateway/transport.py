"""Talking to subgraphs: one pooled `httpx.AsyncClient`, JSON in and out.

Failures become `SubgraphError` with a kind the client may see ("unavailable", "timeout",
"bad_response"); the URL and the underlying exception go to the log only. Every fetch is
timed for the access log. One deadline covers a whole fetch: `fetch_timeout`, or the
subgraph's own entry in `timeouts`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import httpx
import orjson

from gateway.access_log import record_fetch

log = logging.getLogger("gateway.transport")

_HEADERS = {
    "content-type": "application/json",
    "accept": "application/graphql-response+json, application/json;q=0.9",
}


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


Headers = Mapping[str, str]


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


class SubgraphTransport:
    """Posts GraphQL requests to subgraphs by name."""

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
    ) -> None:
        self.client = client
        # Per fetch: the caller's identity as a signed internal token (gateway.auth.gate).
        self.headers = headers
        self.probe_headers = probe_headers
        self.urls = dict(urls)
        self.fetch_timeout = fetch_timeout
        self.probe_timeout = probe_timeout
        self.timeouts = {name: (timeouts or {}).get(name, fetch_timeout) for name in self.urls}

    async def fetch(self, graph: str, body: dict[str, Any]) -> dict[str, Any]:
        """The subgraph's JSON response (`data`/`errors`); raise SubgraphError otherwise."""
        started = time.perf_counter()
        try:
            payload = await self._fetch(graph, body)
        except SubgraphError as failure:
            record_fetch(graph, time.perf_counter() - started, failure.kind)
            raise
        record_fetch(
            graph, time.perf_counter() - started, "errors" if payload.get("errors") else "ok"
        )
        return payload

    async def _fetch(self, graph: str, body: dict[str, Any]) -> dict[str, Any]:
        url = self.urls[graph]
        try:
            # One deadline for the whole exchange: httpx's timeouts are per phase.
            deadline = self.timeouts[graph]
            async with asyncio.timeout(deadline):
                headers = {**_HEADERS, **self.headers()} if self.headers else _HEADERS
                response = await self.client.post(
                    url, content=orjson.dumps(body), headers=headers, timeout=deadline
                )
        except (TimeoutError, httpx.TimeoutException) as exc:
            log.warning("subgraph %s at %s timed out: %r", graph, url, exc)
            raise SubgraphError(graph, "timeout") from exc
        except httpx.HTTPError as exc:
            log.warning("subgraph %s at %s unreachable: %r", graph, url, exc)
            raise SubgraphError(graph, "unavailable") from exc
        try:
            payload = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            log.warning("subgraph %s answered HTTP %s without JSON", graph, response.status_code)
            raise SubgraphError(graph, "bad_response") from exc
        if not isinstance(payload, dict) or not ("data" in payload or "errors" in payload):
            log.warning("subgraph %s answered HTTP %s, not GraphQL", graph, response.status_code)
            raise SubgraphError(graph, "bad_response")
        return payload

    async def probe(self, graph: str) -> bool:
        """Whether the subgraph answers `{ __typename }` with HTTP 200 (for `/readyz`)."""
        try:
            async with asyncio.timeout(self.probe_timeout):
                headers = {**_HEADERS, **self.probe_headers()} if self.probe_headers else _HEADERS
                response = await self.client.post(
                    self.urls[graph], content=b'{"query":"{ __typename }"}', headers=headers
                )
            return response.status_code == 200
        except (TimeoutError, httpx.HTTPError):
            return False
