"""Real processes for the gateway tests: three fixture subgraphs, the composed supergraph and
the gateway itself, each a uvicorn process on a free loopback port.

The subgraphs are composed with canonical URLs that point nowhere (port 9); the gateway
reaches them only through `PARTYGRID_GATEWAY_SUBGRAPH_URLS`, so the override is always tested.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from gateway_stack import (
    GRAPHQL_RESPONSE_JSON,
    SUBGRAPHS,
    Process,
    Stack,
    start_gateway,
    start_subgraph,
    wait_ready,
)

from infra.supergraph import Subgraph, compose, fetch_sdl


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Subgraphs, supergraph and gateway, started once for the whole gateway test session."""
    base = tmp_path_factory.mktemp("gateway-stack")
    state, logs = base / "state", base / "logs"
    state.mkdir()
    logs.mkdir()
    subgraphs = {name: start_subgraph(name, state, logs) for name in SUBGRAPHS}
    started: list[Process] = list(subgraphs.values())
    try:
        for process in subgraphs.values():
            wait_ready(process, "/debug/requests")
        composition = compose(
            [
                Subgraph(name, f"http://127.0.0.1:9/{name}", fetch_sdl(p.base + "/graphql"))
                for name, p in subgraphs.items()
            ]
        )
        supergraph_path = base / "supergraph.graphql"
        supergraph_path.write_text(composition.supergraph_sdl, encoding="utf-8")
        urls = {name: p.base + "/graphql" for name, p in subgraphs.items()}
        gateway = start_gateway(supergraph_path, urls, logs)
        started.append(gateway)
        wait_ready(gateway, "/healthz")
        yield Stack(subgraphs, composition, supergraph_path, gateway, state, logs)
    finally:
        for process in started:
            process.stop()


@pytest.fixture
def gql(stack: Stack) -> Callable[..., httpx.Response]:
    """POST a GraphQL request to the gateway; returns the HTTP response."""

    def post(
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        operation_name: str | None = None,
        accept: str = GRAPHQL_RESPONSE_JSON,
        base: str | None = None,
    ) -> httpx.Response:
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        if operation_name is not None:
            body["operationName"] = operation_name
        return httpx.post(
            (base or stack.gateway.base) + "/graphql",
            json=body,
            headers={"accept": accept},
            timeout=30.0,
        )

    return post


@pytest.fixture
def recorded(stack: Stack) -> Callable[[str], list[dict[str, Any]]]:
    """Requests a fixture subgraph received since the test started (cleared before it)."""
    for process in stack.subgraphs.values():
        httpx.delete(process.base + "/debug/requests", timeout=5.0)

    def requests(name: str) -> list[dict[str, Any]]:
        return httpx.get(stack.subgraphs[name].base + "/debug/requests", timeout=5.0).json()

    return requests
