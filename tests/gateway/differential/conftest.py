"""Hive Gateway and our gateway over one supergraph file and the shared fixture subgraphs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from gateway_stack import Process, Stack, start_gateway, wait_ready
from harness import start_hive, with_urls


@dataclass(frozen=True)
class Pair:
    """The two gateways under comparison."""

    ours: Process
    hive: Process


@pytest.fixture(scope="session")
def pair(stack: Stack) -> Iterator[Pair]:
    """Both gateways on the same supergraph file, with the subgraphs' real URLs in it."""
    urls = {name: stack.url(name) for name in stack.subgraphs}
    supergraph = stack.supergraph_path.with_name("supergraph-differential.graphql")
    supergraph.write_text(with_urls(stack.composition.supergraph_sdl, urls), encoding="utf-8")
    started: list[Process] = []
    try:
        started.append(start_gateway(supergraph, urls, stack.logs))
        started.append(start_hive(supergraph, stack.logs))
        wait_ready(started[0], "/healthz")
        wait_ready(started[1], "/healthcheck", patience=60.0)
        yield Pair(*started)
    finally:
        for process in started:
            process.stop()


@pytest.fixture(scope="session")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30.0, trust_env=False) as session:
        yield session
