"""The federation corpus: every family composed into one supergraph, served by one fixture
process, asked through our gateway and Hive Gateway."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fed_families import FAMILIES
from gateway_stack import Process, start, start_gateway, wait_ready
from harness import start_hive, with_urls

from infra.supergraph import Composition, Subgraph, compose

HERE = Path(__file__).resolve().parent


def compose_families() -> Composition:
    """All families' subgraphs, composed with URLs that point nowhere (port 9)."""
    return compose(
        [
            Subgraph(s.name, f"http://127.0.0.1:9/{s.name}/graphql", s.full_sdl)
            for family in FAMILIES
            for s in family.subgraphs
        ]
    )


@dataclass(frozen=True)
class FedPair:
    """Both gateways over the families' supergraph."""

    ours: Process
    hive: Process
    subgraphs: Process
    composition: Composition
    supergraph: Path


@pytest.fixture(scope="session")
def fed_composition() -> Composition:
    return compose_families()


@pytest.fixture(scope="session")
def fed_pair(
    fed_composition: Composition, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FedPair]:
    base = tmp_path_factory.mktemp("federation-corpus")
    logs = base / "logs"
    logs.mkdir()
    started: list[Process] = []
    try:
        server = start(
            "fed-subgraphs",
            [
                "fed_server:create_app",
                "--factory",
                "--app-dir",
                str(HERE),
                "--log-level",
                "warning",
            ],
            {"PYTHONPATH": ":".join(str(p) for p in (HERE, HERE.parent, HERE.parents[1]))},
            logs,
        )
        started.append(server)
        wait_ready(server, "/ready")
        urls = {
            s.name: f"{server.base}/{s.name}/graphql"
            for family in FAMILIES
            for s in family.subgraphs
        }
        supergraph = base / "supergraph-federation.graphql"
        supergraph.write_text(with_urls(fed_composition.supergraph_sdl, urls), encoding="utf-8")
        started.append(start_gateway(supergraph, urls, logs))
        started.append(start_hive(supergraph, logs))
        wait_ready(started[1], "/healthz")
        wait_ready(started[2], "/healthcheck", patience=60.0)
        yield FedPair(started[1], started[2], server, fed_composition, supergraph)
    finally:
        for process in started:
            process.stop()


@pytest.fixture(scope="session")
def fed_client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30.0, trust_env=False) as session:
        yield session
