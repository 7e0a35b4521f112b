"""The subgraph transport's own HTTP/1.1 pool and in-flight sharing, against a tiny server.

No timing is asserted: each test checks what reached the server and what came back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson
import pytest

from gateway.transport import ConnectionPool, SubgraphError, SubgraphTransport

Handler = Callable[[bytes, dict[str, str]], Awaitable[bytes | None]]


class Server:
    """A loopback HTTP/1.1 server: each request goes to `handler`, which returns the whole
    raw response (or None to close the connection without one)."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[tuple[bytes, dict[str, str]]] = []
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> Server:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        assert self.server is not None
        self.server.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/graphql"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")[1:]
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (x.partition(":") for x in lines if x)
                }
                body = await reader.readexactly(int(headers["content-length"]))
                self.requests.append((body, headers))
                response = await self.handler(body, headers)
                if response is None:
                    break
                writer.write(response)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def json_response(payload: Any, *, chunked: bool = False, close: bool = False) -> bytes:
    body = orjson.dumps(payload)
    head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
    if close:
        head += "connection: close\r\n"
    if chunked:
        middle = len(body) // 2
        chunks = b"".join(
            f"{len(part):x}\r\n".encode() + part + b"\r\n"
            for part in (body[:middle], body[middle:])
        )
        return (head + "transfer-encoding: chunked\r\n\r\n").encode() + chunks + b"0\r\n\r\n"
    return (head + f"content-length: {len(body)}\r\n\r\n").encode() + body


def answer(payload: Any, *, wait: float = 0.0, **options: Any) -> Handler:
    async def handler(body: bytes, headers: dict[str, str]) -> bytes:
        if wait:
            await asyncio.sleep(wait)
        return json_response(payload, **options)

    return handler


def transport(url: str, **kwargs: Any) -> SubgraphTransport:
    client = httpx.AsyncClient(trust_env=False)
    return SubgraphTransport(client, {"g": url}, fetch_timeout=5.0, **kwargs)


QUERY = {"query": "{ a }", "variables": {}}


def test_identical_reads_in_flight_share_one_request():
    async def run() -> None:
        async with Server(answer({"data": {"a": 1}}, wait=0.2)) as server:
            subgraph = transport(server.url)
            results = await asyncio.gather(*(subgraph.fetch("g", QUERY) for _ in range(5)))
            assert results == [{"data": {"a": 1}}] * 5
            # Each caller gets its own copy: merging into one never touches another.
            assert len({id(r) for r in results}) == 5
            assert len(server.requests) == 1

    asyncio.run(run())


def test_mutations_and_other_headers_are_never_shared():
    async def run() -> None:
        async with Server(answer({"data": {"a": 1}}, wait=0.2)) as server:
            who = iter(["alice", "bob"])
            subgraph = transport(server.url, headers=lambda: {"x-caller": next(who)})
            await asyncio.gather(*(subgraph.fetch("g", QUERY) for _ in range(2)))
            assert sorted(h["x-caller"] for _, h in server.requests) == ["alice", "bob"]
            server.requests.clear()
            plain = transport(server.url)
            await asyncio.gather(*(plain.fetch("g", QUERY, shared=False) for _ in range(3)))
            assert len(server.requests) == 3

    asyncio.run(run())


def test_connections_are_kept_alive_and_reused():
    async def run() -> None:
        async with Server(answer({"data": {"a": 1}})) as server:
            subgraph = transport(server.url)
            for _ in range(5):
                assert await subgraph.fetch("g", QUERY) == {"data": {"a": 1}}
            assert server.connections == 1
            body, headers = server.requests[0]
            assert orjson.loads(body) == QUERY
            assert headers["content-type"] == "application/json"
            assert headers["host"] == server.url.split("/")[2]
            await subgraph.aclose()

    asyncio.run(run())


def test_chunked_responses_and_connection_close_are_read_whole():
    async def run() -> None:
        payload = {"data": {"a": "x" * 5000}}
        async with Server(answer(payload, chunked=True, close=True)) as server:
            subgraph = transport(server.url)
            assert await subgraph.fetch("g", QUERY) == payload
            assert await subgraph.fetch("g", QUERY) == payload
            assert server.connections == 2  # the server closed the first one

    asyncio.run(run())


def test_a_read_on_a_connection_the_server_dropped_is_retried_once():
    async def run() -> None:
        served = 0

        async def drop_the_second(body: bytes, headers: dict[str, str]) -> bytes | None:
            nonlocal served
            served += 1
            return None if served == 2 else json_response({"data": {"a": served}})

        async with Server(drop_the_second) as server:
            subgraph = transport(server.url)
            assert await subgraph.fetch("g", QUERY) == {"data": {"a": 1}}
            # The reused connection dies unanswered: the read goes again on a new one.
            assert await subgraph.fetch("g", QUERY) == {"data": {"a": 3}}
            assert server.connections == 2
            served = 1
            # A mutation (not shared) is never sent twice.
            with pytest.raises(SubgraphError) as failure:
                await subgraph.fetch("g", QUERY, shared=False)
            assert failure.value.kind == "unavailable"

    asyncio.run(run())


def test_failures_keep_their_kinds():
    async def run() -> None:
        async with Server(answer({"data": {"a": 1}}, wait=1.0)) as server:
            slow = SubgraphTransport(
                httpx.AsyncClient(trust_env=False), {"g": server.url}, fetch_timeout=0.2
            )
            with pytest.raises(SubgraphError) as failure:
                await slow.fetch("g", QUERY)
            assert failure.value.kind == "timeout"

        async def not_json(body: bytes, headers: dict[str, str]) -> bytes:
            return b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 4\r\n\r\noops"

        async with Server(not_json) as server:
            with pytest.raises(SubgraphError) as failure:
                await transport(server.url).fetch("g", QUERY)
            assert failure.value.kind == "bad_response"
        async with Server(not_json) as server:
            gone = server.url
        with pytest.raises(SubgraphError) as failure:
            await transport(gone).fetch("g", QUERY)
        assert failure.value.kind == "unavailable"

    asyncio.run(run())


def test_header_values_cannot_inject_lines():
    async def run() -> None:
        async with Server(answer({"data": {"a": 1}})) as server:
            pool = ConnectionPool()
            with pytest.raises(ValueError, match="header injection"):
                await pool.post(server.url, b"{}", {"x-id": "a\r\nx-admin: 1"})
            await pool.aclose()
            assert server.requests == []

    asyncio.run(run())


def test_hosts_under_invalid_go_through_the_httpx_client():
    subgraph = SubgraphTransport(
        httpx.AsyncClient(trust_env=False),
        {"auth": "http://auth.partygrid.invalid/graphql", "org": "http://127.0.0.1:1/graphql"},
        fetch_timeout=1.0,
    )
    assert subgraph.via_client == {"auth"}
