"""The access log (JSON lines) and the health routes, read from a real gateway process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gateway_stack import GRAPHQL_RESPONSE_JSON, Process, Stack, start_gateway, wait_ready

pytestmark = pytest.mark.slow  # starts a gateway process


@pytest.fixture(scope="module")
def logged(
    stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Process, Path]]:
    """(gateway, access log file): a gateway over the shared subgraphs, logging to a file."""
    path = tmp_path_factory.mktemp("access") / "access.jsonl"
    urls = {name: stack.url(name) for name in stack.subgraphs}
    gateway = start_gateway(stack.supergraph_path, urls, stack.logs, access_log=path)
    try:
        wait_ready(gateway, "/healthz")
        yield gateway, path
    finally:
        gateway.stop()


def ask(gateway: Process, body: dict) -> httpx.Response:
    return httpx.post(
        gateway.base + "/graphql", json=body, headers={"accept": GRAPHQL_RESPONSE_JSON}, timeout=30
    )


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_each_request_is_one_json_line_with_its_fetches(logged):
    gateway, path = logged
    before = len(lines(path))
    query = 'query Riverside { community(code: "C1") { name organization { name score } } }'
    assert ask(gateway, {"query": query}).status_code == 200
    (line,) = lines(path)[before:]
    assert line["operation"] == "Riverside" and line["type"] == "query"
    assert line["status"] == "ok" and line["errors"] == 0 and line["codes"] == []
    assert line["ms"] > 0
    # grid for the community, then org and assess for the organization.
    assert sorted(f["subgraph"] for f in line["fetches"]) == ["assess", "grid", "org"]
    assert all(f["outcome"] == "ok" and f["ms"] > 0 for f in line["fetches"])


def test_refused_and_partial_requests_are_logged_as_such(logged):
    gateway, path = logged
    before = len(lines(path))
    ask(gateway, {"query": "query Bad { nope }"})
    ask(gateway, {"query": 'query Half { broken organization(id: "O1") { name } }'})
    refused, partial = lines(path)[before:]
    assert (refused["operation"], refused["status"], refused["fetches"]) == ("Bad", "refused", [])
    assert (partial["operation"], partial["status"], partial["errors"]) == ("Half", "partial", 1)
    assert [f["outcome"] for f in partial["fetches"]] == ["errors"]


def test_healthz_is_the_process_and_readyz_the_subgraphs(logged):
    gateway, _ = logged
    health = httpx.get(gateway.base + "/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    ready = httpx.get(gateway.base + "/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "subgraphs": {"org": "ok", "grid": "ok", "assess": "ok"},
    }
