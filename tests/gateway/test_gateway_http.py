"""GraphQL over HTTP at the gateway: media types, status codes, GET, GraphiQL, health."""

from __future__ import annotations

import re

import httpx
import pytest

pytestmark = pytest.mark.slow  # starts subgraph and gateway processes

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"


def post_raw(stack, content: bytes, *, content_type: str = JSON, accept: str = JSON):
    return httpx.post(
        stack.gateway.base + "/graphql",
        content=content,
        headers={"content-type": content_type, "accept": accept},
        timeout=10.0,
    )


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
        (JSON, JSON),
        ("*/*", JSON),
        (f"{GRAPHQL_RESPONSE_JSON}, {JSON};q=0.9", GRAPHQL_RESPONSE_JSON),
    ],
)
def test_media_type_follows_accept(gql, accept, media_type):
    response = gql("{ __typename }", accept=accept)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.json() == {"data": {"__typename": "Query"}}


def test_unacceptable_accept_is_406(gql):
    assert gql("{ __typename }", accept="text/plain").status_code == 406


@pytest.mark.parametrize(("accept", "status"), [(GRAPHQL_RESPONSE_JSON, 400), (JSON, 200)])
def test_validation_error_status_depends_on_media_type(gql, accept, status):
    response = gql("{ community(code: 1) { nope } }", accept=accept)
    assert response.status_code == status
    body = response.json()
    assert "data" not in body
    assert body["errors"] and all("message" in e for e in body["errors"])


@pytest.mark.parametrize(("accept", "status"), [(GRAPHQL_RESPONSE_JSON, 400), (JSON, 200)])
def test_syntax_and_variable_errors_are_request_errors(gql, accept, status):
    assert gql("{ community(code:", accept=accept).status_code == status
    query = "query($c: ID!) { community(code: $c) { name } }"
    response = gql(query, {"c": {"not": "an id"}}, accept=accept)
    assert response.status_code == status
    assert "data" not in response.json()


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE_JSON, JSON])
def test_malformed_json_is_400(stack, accept):
    response = post_raw(stack, b'{"query": ', accept=accept)
    assert response.status_code == 400
    assert response.json()["errors"]


@pytest.mark.parametrize(
    "body",
    [b"{}", b'{"qeury": "{ __typename }"}', b'{"query": 7}', b"[]", b""],
    ids=["empty-object", "typo", "number", "array", "no-body"],
)
def test_missing_or_invalid_query_is_400(stack, body):
    assert post_raw(stack, body, accept=GRAPHQL_RESPONSE_JSON).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        b'{"query": "{ __typename }", "variables": [1]}',
        b'{"query": "{ __typename }", "operationName": 3}',
        b'{"query": "{ __typename }", "extensions": "x"}',
    ],
)
def test_invalid_parameters_are_400(stack, body):
    assert post_raw(stack, body).status_code == 400


def test_null_parameters_are_fine(stack):
    body = (
        b'{"query": "{ __typename }", "variables": null, "operationName": null, "extensions": null}'
    )
    response = post_raw(stack, body)
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


def test_unsupported_content_type_is_415(stack):
    response = post_raw(stack, b"{ __typename }", content_type="application/graphql")
    assert response.status_code == 415


def test_oversized_body_is_413(stack):
    body = b'{"query": "{ __typename }", "extensions": {"pad": "' + b"x" * 1_100_000 + b'"}}'
    assert post_raw(stack, body).status_code == 413


def test_operation_name_selects_the_operation(gql):
    query = "query A { a: __typename } query B { b: __typename }"
    response = gql(query, operation_name="B")
    assert response.json() == {"data": {"b": "Query"}}
    assert gql(query).status_code == 400
    assert gql(query, operation_name="C").status_code == 400


def test_get_runs_queries(stack):
    response = httpx.get(
        stack.gateway.base + "/graphql",
        params={
            "query": "query($c: ID!) { community(code: $c) { code } }",
            "variables": '{"c":"C2"}',
        },
        headers={"accept": JSON},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"community": {"code": "C2"}}}


def test_get_refuses_mutations(stack):
    response = httpx.get(
        stack.gateway.base + "/graphql",
        params={"query": 'mutation { appendLog(entry: "get") }'},
        headers={"accept": GRAPHQL_RESPONSE_JSON},
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def test_graphiql_page_and_assets_are_local(stack):
    page = httpx.get(stack.gateway.base + "/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    # No scheme and no protocol-relative URL: nothing can come from outside.
    assert "//" not in page.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(assets) == 5
    for asset in assets:
        assert asset.startswith("/static/graphiql/")
        loaded = httpx.get(stack.gateway.base + asset)
        assert loaded.status_code == 200, asset
        assert len(loaded.content) > 100
    licence = httpx.get(stack.gateway.base + "/static/graphiql/LICENSE.graphiql")
    assert licence.status_code == 200 and "MIT" in licence.text


def test_healthz_reports_subgraphs(stack):
    response = httpx.get(stack.gateway.base + "/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "subgraphs": {"org": "ok", "grid": "ok", "assess": "ok"},
    }
