"""Operation limits: each breach is a request error with a stable code, and nothing runs.

The shared stack's gateway runs with the default limits; `strict` is a private gateway over the
same subgraphs with small limits, so each one can be crossed by a small operation. That
nothing ran is read from the fixture subgraphs' request records.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gateway_stack import GRAPHQL_RESPONSE_JSON, Process, Stack, start_gateway, wait_ready
from graphql import get_operation_ast, parse

from gateway.api_schema import build_api_schema
from gateway.limits import measure
from gateway.settings import DEFAULT_SUPERGRAPH
from gateway.supergraph import parse_supergraph

pytestmark = pytest.mark.slow  # starts a gateway process

STRICT = {
    "max_depth": 3,
    "max_aliases": 2,
    "max_tokens": 60,
    "max_repeated_fields": 3,
    "max_cost": 100,
    "default_list_size": 10,
    "introspection": "never",
}


@pytest.fixture(scope="module")
def strict(stack: Stack) -> Iterator[Process]:
    """A gateway with small limits over the shared subgraphs."""
    urls = {name: stack.url(name) for name in stack.subgraphs}
    gateway = start_gateway(stack.supergraph_path, urls, stack.logs, **STRICT)
    try:
        wait_ready(gateway, "/healthz")
        yield gateway
    finally:
        gateway.stop()


def post(gateway: Process, query: str, variables: dict | None = None) -> httpx.Response:
    return httpx.post(
        gateway.base + "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"accept": GRAPHQL_RESPONSE_JSON},
        timeout=30.0,
    )


def assert_refused(response: httpx.Response, code: str) -> dict:
    """A request error (400, no `data`) whose errors carry `code`."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert "data" not in body
    assert code in [e.get("extensions", {}).get("code") for e in body["errors"]], body
    return body


def subgraph_calls(recorded) -> int:
    return sum(len(recorded(name)) for name in ("org", "grid", "assess"))


NESTED = "{ communities { zones { buildings { zone { name } } } } }"  # 5 deep
ALIASED = '{ a: community(code: "C1") { name } b: community(code: "C2") { name } c: __typename }'
REPEATED = "{ communities { name name name name name } }"  # 4 repeats of `name`
COSTLY = "{ communities { zones { name } } }"  # 1 + 10 * (1 + 10 * 1) = 111
INTROSPECTION = "{ __schema { queryType { name } } }"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        (NESTED, "DEPTH_LIMIT_EXCEEDED"),
        (ALIASED, "ALIAS_LIMIT_EXCEEDED"),
        (REPEATED, "REPEATED_FIELDS_LIMIT_EXCEEDED"),
        (COSTLY, "COST_LIMIT_EXCEEDED"),
        (INTROSPECTION, "INTROSPECTION_DISABLED"),
        ("{ " + "communities { name } " * 20 + "}", "TOKEN_LIMIT_EXCEEDED"),
    ],
)
def test_each_limit_refuses_before_anything_runs(strict, recorded, query, code):
    assert_refused(post(strict, query), code)
    assert subgraph_calls(recorded) == 0


def test_operations_within_the_limits_run(strict, recorded):
    response = post(strict, '{ community(code: "C1") { name zones { name } } }')
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body
    assert [z["name"] for z in body["data"]["community"]["zones"]] == ["Zone 1", "Zone 2"]
    assert subgraph_calls(recorded) > 0


def test_typename_is_not_introspection(strict):
    response = post(strict, "{ __typename }")
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


def test_limits_apply_to_fragments_and_every_operation(strict, recorded):
    through_fragment = """query Q { communities { ...Z } }
        fragment Z on Community { zones { buildings { zone { name } } } }"""
    assert_refused(post(strict, through_fragment), "DEPTH_LIMIT_EXCEEDED")
    # The operation chosen is small; the other one in the document is not, and would
    # still cost validation.
    two = f"query Small {{ __typename }} query Big {NESTED}"
    response = httpx.post(
        strict.base + "/graphql",
        json={"query": two, "operationName": "Small"},
        headers={"accept": GRAPHQL_RESPONSE_JSON},
        timeout=30.0,
    )
    assert_refused(response, "DEPTH_LIMIT_EXCEEDED")
    assert subgraph_calls(recorded) == 0


def test_default_limits_refuse_an_alias_bomb(gql, recorded):
    bomb = "{ " + " ".join(f"a{i}: communities {{ name }}" for i in range(1000)) + " }"
    response = gql(bomb)
    body = assert_refused(response, "TOKEN_LIMIT_EXCEEDED")
    assert len(response.text) < 1000  # one short error, not one per alias
    fewer = "{ " + " ".join(f"a{i}: communities {{ name }}" for i in range(60)) + " }"
    assert_refused(gql(fewer), "ALIAS_LIMIT_EXCEEDED")
    assert body["errors"][0]["message"].startswith("Syntax Error")
    assert subgraph_calls(recorded) == 0


def test_default_limits_refuse_a_fragment_fan_out(gql, recorded):
    # Each fragment selects the previous one twice: 2^30 fields once expanded.
    fragments = ["fragment F0 on Zone { name }"] + [
        f"fragment F{i} on Zone {{ a: buildings {{ zone {{ ...F{i - 1} }} }} "
        f"b: buildings {{ zone {{ ...F{i - 1} }} }} }}"
        for i in range(1, 31)
    ]
    query = '{ community(code: "C1") { zones { ...F30 } } } ' + " ".join(fragments)
    body = assert_refused(gql(query), "DEPTH_LIMIT_EXCEEDED")
    codes = {e["extensions"]["code"] for e in body["errors"]}
    assert {"ALIAS_LIMIT_EXCEEDED", "COST_LIMIT_EXCEEDED"} <= codes
    assert subgraph_calls(recorded) == 0


def test_introspection_is_allowed_by_default_without_auth(gql):
    response = gql(INTROSPECTION)
    assert response.status_code == 200
    assert response.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


@pytest.fixture(scope="module")
def api_schema():
    return build_api_schema(parse_supergraph(Path(DEFAULT_SUPERGRAPH).read_text("utf-8")))


def cost(schema, query: str, variables: dict | None = None) -> int:
    document = parse(query)
    found = measure(
        schema, document, get_operation_ast(document), variables or {}, default_list_size=10
    )
    return found.cost


def test_cost_counts_page_sizes_of_the_real_schema(api_schema):
    """Over the committed supergraph: `first` sizes a connection's nodes; the schema's
    default (50) applies when it is omitted; a variable counts with its value."""
    paged = "query ($n: Int) { members(first: $n) { totalCount nodes { name } } }"
    assert cost(api_schema, paged, {"n": 200}) == 1 + (1 + 1 + 200 * 1)
    assert cost(api_schema, paged, {"n": 5}) == 1 + (1 + 1 + 5 * 1)
    assert cost(api_schema, "{ members { nodes { name } } }") == 1 + (1 + 50 * 1)
    # A list without a size argument counts `default_list_size` items.
    regions = "{ regions(level: STREET) { code children { code } } }"
    assert cost(api_schema, regions) == 1 + 10 * (1 + 1 + 10 * 1)
