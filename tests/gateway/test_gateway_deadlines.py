"""Issue 12, class 10, at the gateway alone: a mutation whose subgraph does not answer
before the gateway's deadline answers OUTCOME_UNKNOWN (it may yet be applied), saying how
to learn its outcome; a read past its deadline stays SUBGRAPH_TIMEOUT. The fixture grid's
`appendGridLog` takes 0.2 s; this gateway waits 0.1 s."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from gateway_stack import GRAPHQL_RESPONSE_JSON, Process, Stack, start_gateway, wait_ready


@pytest.fixture(scope="module")
def hasty(stack: Stack) -> Iterator[Process]:
    urls = {name: stack.url(name) for name in stack.subgraphs}
    gateway = start_gateway(stack.supergraph_path, urls, stack.logs, fetch_timeout=0.1)
    try:
        wait_ready(gateway, "/healthz")
        yield gateway
    finally:
        gateway.stop()


def test_a_write_past_the_gateway_deadline_has_an_unknown_outcome(hasty: Process) -> None:
    tag = uuid.uuid4().hex[:8]
    response = httpx.post(
        hasty.base + "/graphql",
        json={"query": f'mutation {{ appendGridLog(entry: "{tag}") }}'},
        headers={"accept": GRAPHQL_RESPONSE_JSON, "idempotency-key": tag},
        timeout=30.0,
    )
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "OUTCOME_UNKNOWN", error
    assert error["extensions"]["serviceName"] == "grid"
    assert "Idempotency-Key" in error["message"]
    assert "Idempotency-Key" in error["extensions"]["messageEn"]
    assert "change log" in error["extensions"]["messageEn"]
