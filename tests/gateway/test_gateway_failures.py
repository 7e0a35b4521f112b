"""Subgraphs that are down or slow: partial data and errors at the right paths, never a 500.

These tests start their own `assess` subgraph and gateway (the shared stack stays healthy): a
gateway with a one-second fetch timeout, pointed at an assess process the test may kill.
"""

from __future__ import annotations

from collections.abc import Iterator

import fx_grid
import fx_org
import httpx
import pytest
from gateway_stack import Process, Stack, start_gateway, start_subgraph, wait_ready

pytestmark = pytest.mark.slow  # starts subgraph and gateway processes

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


@pytest.fixture
def fragile(stack: Stack) -> Iterator[tuple[Process, Process]]:
    """(assess, gateway): a private assess process behind a gateway with a 1 s timeout."""
    assess = start_subgraph("assess", stack.state, stack.logs, as_name="assess-fragile")
    started = [assess]
    try:
        wait_ready(assess, "/debug/requests")
        urls = {name: stack.url(name) for name in ("org", "grid")}
        urls["assess"] = assess.base + "/graphql"
        gateway = start_gateway(stack.supergraph_path, urls, stack.logs, fetch_timeout=1)
        started.append(gateway)
        wait_ready(gateway, "/healthz")
        yield assess, gateway
    finally:
        # This assess is the test's own: killed, not stopped, since a graceful stop would
        # wait out the slow resolver still sleeping (3 s) after the gateway gave up on it.
        assess.popen.kill()
        for process in started:
            process.stop()


def ask(gateway: Process, query: str) -> httpx.Response:
    return httpx.post(
        gateway.base + "/graphql",
        json={"query": query},
        headers={"accept": GRAPHQL_RESPONSE_JSON},
        timeout=30.0,
    )


def assert_no_internals(text: str) -> None:
    """Nothing about where subgraphs live or how they failed inside."""
    assert "127.0.0.1" not in text and "http:" not in text
    assert "Traceback" not in text and "httpx" not in text


def test_killed_subgraph_gives_partial_data(fragile):
    assess, gateway = fragile
    query = '{ community(code: "C1") { name organization { name score } } }'
    healthy = ask(gateway, query).json()
    assert healthy["data"]["community"]["organization"]["score"] == 90

    assess.stop()
    response = ask(gateway, query)
    assert response.status_code == 200
    assert_no_internals(response.text)
    body = response.json()
    # score is non-null, so its organization is nulled; the rest of the community stays.
    assert body["data"] == {
        "community": {"name": fx_grid.COMMUNITIES["C1"]["name"], "organization": None}
    }
    assert body["errors"] == [
        {
            "message": "Subgraph 'assess' is unavailable.",
            "path": ["community", "organization", "score"],
            "extensions": {"code": "SUBGRAPH_UNAVAILABLE", "serviceName": "assess"},
        }
    ]

    root = ask(gateway, "{ topBuildings { id } }")
    assert root.status_code == 200
    assert root.json()["data"] is None
    assert [e["path"] for e in root.json()["errors"]] == [["topBuildings"]]

    assert httpx.get(gateway.base + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(gateway.base + "/readyz")
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "unavailable": ["assess"],
        "subgraphs": {"org": "ok", "grid": "ok", "assess": "unreachable"},
    }
    assert_no_internals(ready.text)


def test_slow_subgraph_times_out_into_nulls(fragile):
    _, gateway = fragile
    query = (
        '{ community(code: "C2") { organization { name } zones { buildings { id slowGrade } } } }'
    )
    response = ask(gateway, query)
    assert response.status_code == 200
    assert_no_internals(response.text)
    body = response.json()
    assert body["data"] == {
        "community": {
            "organization": {"name": fx_org.ORGANIZATIONS["O1"]["name"]},
            "zones": [
                {"buildings": [{"id": "B4", "slowGrade": None}, {"id": "B5", "slowGrade": None}]}
            ],
        }
    }
    (error,) = body["errors"]
    assert error["path"] == ["community", "zones", 0, "buildings", 0, "slowGrade"]
    assert error["extensions"]["code"] == "SUBGRAPH_TIMEOUT"


def test_subgraph_internals_never_reach_the_client(gql):
    """fx_org's `broken` fails with SQL in its message; the gateway passes on the error at
    its path, but not what it says."""
    response = gql('{ broken organization(id: "O1") { name } }')
    assert response.status_code == 200
    assert_no_internals(response.text)
    assert "SELECT" not in response.text and "psycopg" not in response.text
    body = response.json()
    assert body["data"] == {
        "broken": None,
        "organization": {"name": fx_org.ORGANIZATIONS["O1"]["name"]},
    }
    (error,) = body["errors"]
    assert error["path"] == ["broken"]
    assert error["message"] == "Internal subgraph error."
