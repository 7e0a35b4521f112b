"""GraphQL over HTTP at the gateway: media types, status codes, GET, bad input, GraphiQL.

Every bad input is checked for its status, its media type, a GraphQL-shaped error body without
`data`, nothing internal in the body, and (when it carries a mutation) that nothing reached a
subgraph and nothing was written to the fixtures' shared mutation log.
"""

from __future__ import annotations

import gzip
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from gateway_stack import ROOT, Process, Stack, start_gateway, wait_ready

pytestmark = pytest.mark.slow  # starts subgraph and gateway processes

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
BOTH = (GRAPHQL_RESPONSE_JSON, JSON)
# What must never reach a client: stack traces, source paths, internal addresses.
LEAKS = re.compile(r"Traceback|File \"|\.py\b|127\.0\.0\.1|localhost|://|" + re.escape(str(ROOT)))


def url(stack: Stack) -> str:
    return stack.gateway.base + "/graphql"


def mutation(tag: str) -> str:
    return f'mutation {{ appendLog(entry: "{tag}") }}'


def mutation_log(stack: Stack) -> list[str]:
    """Entries the fixture subgraphs' mutations have written in this test session."""
    log = stack.state / "mutations.log"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def assert_refused(response: httpx.Response, status: int, media_type: str) -> list[str]:
    """A clean error response: status, media type, errors without data, nothing leaked."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    assert not LEAKS.search(response.text), response.text
    body = response.json()
    assert set(body) == {"errors"}, body
    assert body["errors"] and all(isinstance(e, dict) for e in body["errors"])
    messages = [e["message"] for e in body["errors"]]
    assert all(isinstance(m, str) and m for m in messages)
    return messages


@pytest.fixture
def untouched(stack: Stack, recorded: Callable[[str], list[dict[str, Any]]]) -> Iterator[str]:
    """A fresh mutation tag; after the test, no subgraph was called and the tag was not logged."""
    tag = f"bad-{uuid.uuid4().hex[:8]}"
    yield tag
    assert all(recorded(name) == [] for name in stack.subgraphs)
    assert not [entry for entry in mutation_log(stack) if tag in entry]


def test_a_well_formed_mutation_is_written(stack, recorded):
    """The control for `untouched`: the same mutation, well-formed, reaches org and the log."""
    tag = f"good-{uuid.uuid4().hex[:8]}"
    response = httpx.post(url(stack), json={"query": mutation(tag)}, headers={"accept": JSON})
    assert response.status_code == 200
    assert tag in response.json()["data"]["appendLog"]
    assert tag in mutation_log(stack)
    assert len(recorded("org")) == 1


# --- media types -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
        (JSON, JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        ("", JSON),
        (f"{GRAPHQL_RESPONSE_JSON}, {JSON};q=0.9", GRAPHQL_RESPONSE_JSON),
        (f"{GRAPHQL_RESPONSE_JSON};q=0.5, {JSON}", JSON),
        (f"{GRAPHQL_RESPONSE_JSON};q=0, */*", JSON),
    ],
)
def test_media_type_follows_accept(gql, accept, media_type):
    response = gql("{ __typename }", accept=accept)
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("accept", ["text/plain", f"{JSON};q=0", "image/*, text/html"])
def test_unacceptable_accept_is_406(stack, untouched, accept):
    response = httpx.post(
        url(stack), json={"query": mutation(untouched)}, headers={"accept": accept}
    )
    (message,) = assert_refused(response, 406, JSON)
    assert GRAPHQL_RESPONSE_JSON in message and JSON in message


# --- GraphQL request errors: 400 under graphql-response+json, 200 under json -------------

REQUEST_ERROR_STATUS = {GRAPHQL_RESPONSE_JSON: 400, JSON: 200}


@pytest.mark.parametrize("accept", BOTH)
def test_validation_error(gql, accept):
    response = gql("{ community(code: 1) { nope } }", accept=accept)
    messages = assert_refused(response, REQUEST_ERROR_STATUS[accept], accept)
    assert any("nope" in m for m in messages)


@pytest.mark.parametrize("accept", BOTH)
def test_syntax_error(gql, accept):
    response = gql("{ community(code:", accept=accept)
    (message,) = assert_refused(response, REQUEST_ERROR_STATUS[accept], accept)
    assert message.startswith("Syntax Error")


@pytest.mark.parametrize("accept", BOTH)
def test_unknown_operation_name(stack, untouched, accept):
    query = f"mutation A {{ appendLog(entry: {json.dumps(untouched)}) }}"
    body = {"query": query, "operationName": "B"}
    response = httpx.post(url(stack), json=body, headers={"accept": accept})
    (message,) = assert_refused(response, REQUEST_ERROR_STATUS[accept], accept)
    assert '"B"' in message


@pytest.mark.parametrize("accept", BOTH)
def test_several_operations_without_a_name(gql, accept):
    response = gql("query A { a: __typename } query B { b: __typename }", accept=accept)
    (message,) = assert_refused(response, REQUEST_ERROR_STATUS[accept], accept)
    assert "operation name" in message


def test_operation_name_selects_the_operation(gql):
    response = gql("query A { a: __typename } query B { b: __typename }", operation_name="B")
    assert response.status_code == 200
    assert response.json() == {"data": {"b": "Query"}}


@pytest.mark.parametrize("accept", BOTH)
@pytest.mark.parametrize(
    "variables",
    [{"e": 5}, {"e": None}, {}, {"e": {"not": "a string"}}],
    ids=["number", "null", "missing", "object"],
)
def test_variables_of_the_wrong_type(stack, untouched, accept, variables):
    body = {"query": "mutation($e: String!) { appendLog(entry: $e) }", "variables": variables}
    response = httpx.post(url(stack), json=body, headers={"accept": accept})
    (message,) = assert_refused(response, REQUEST_ERROR_STATUS[accept], accept)
    assert "$e" in message


# --- requests that are not well-formed GraphQL-over-HTTP requests --------------------------


@dataclass(frozen=True)
class BadBody:
    """A POST whose body or headers are wrong, built around a mutation tag."""

    status: int
    body: Callable[[str], bytes]
    content_type: str | None = JSON
    headers: dict[str, str] = field(default_factory=dict)
    says: str = ""  # a part of the expected message


def _json_body(tag: str, **extra: Any) -> bytes:
    return json.dumps({"query": mutation(tag), **extra}).encode()


BAD_BODIES = {
    "malformed-json": BadBody(400, lambda t: _json_body(t)[:-1], says="not valid JSON"),
    "not-utf-8": BadBody(400, lambda t: _json_body(t).replace(b"mutation", b"\xff"), says="JSON"),
    "empty-body": BadBody(400, lambda t: b"", says="empty"),
    "batched": BadBody(400, lambda t: b"[" + _json_body(t) + b"]", says="Batched"),
    "empty-batch": BadBody(400, lambda t: b"[]", says="Batched"),
    "json-string": BadBody(400, lambda t: json.dumps(mutation(t)).encode(), says="JSON object"),
    "no-query": BadBody(400, lambda t: b"{}", says='"query" parameter is missing'),
    "query-typo": BadBody(
        400, lambda t: json.dumps({"qeury": mutation(t)}).encode(), says="missing"
    ),
    "query-number": BadBody(400, lambda t: b'{"query": 7}', says="must be a string"),
    "query-object": BadBody(
        400, lambda t: json.dumps({"query": {"q": mutation(t)}}).encode(), says="string"
    ),
    "variables-list": BadBody(400, lambda t: _json_body(t, variables=[1]), says="variables"),
    "variables-string": BadBody(400, lambda t: _json_body(t, variables="{}"), says="variables"),
    "operation-name-number": BadBody(
        400, lambda t: _json_body(t, operationName=3), says="operationName"
    ),
    "extensions-string": BadBody(400, lambda t: _json_body(t, extensions="x"), says="extensions"),
    "graphql-content-type": BadBody(
        415, lambda t: mutation(t).encode(), "application/graphql", says=JSON
    ),
    "text-plain": BadBody(415, _json_body, "text/plain", says=JSON),
    "form": BadBody(415, _json_body, "application/x-www-form-urlencoded", says=JSON),
    "no-content-type": BadBody(415, _json_body, None, says=JSON),
    "latin-1": BadBody(415, _json_body, f"{JSON}; charset=latin1", says="UTF-8"),
    "latin-1-second-parameter": BadBody(
        415, _json_body, f"{JSON}; foo=bar; charset=iso-8859-1", says="UTF-8"
    ),
    "gzip": BadBody(
        415,
        lambda t: gzip.compress(_json_body(t)),
        headers={"content-encoding": "gzip"},
        says="Compressed",
    ),
}


@pytest.mark.parametrize("accept", BOTH)
@pytest.mark.parametrize("case", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_request_is_refused_and_changes_nothing(stack, untouched, case, accept):
    headers = {"accept": accept, **case.headers}
    if case.content_type is not None:
        headers["content-type"] = case.content_type
    response = httpx.post(url(stack), content=case.body(untouched), headers=headers)
    (message,) = assert_refused(response, case.status, accept)
    assert case.says in message


def test_gzip_refusal_names_the_accepted_coding(stack):
    response = httpx.post(
        url(stack),
        content=gzip.compress(b'{"query": "{ __typename }"}'),
        headers={"content-type": JSON, "content-encoding": "gzip"},
    )
    assert response.status_code == 415
    assert response.headers["accept-encoding"] == "identity"


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", '"utf-8"', "utf8"])
def test_utf_8_charset_is_accepted(stack, charset):
    response = httpx.post(
        url(stack),
        content='{"query": "{ __type(name: \\"楼栋🏠\\") { name } }"}'.encode(),
        headers={"content-type": f"{JSON}; charset={charset}", "accept": JSON},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"__type": None}}


def test_null_parameters_are_fine(stack):
    body = {"query": "{ __typename }", "variables": None, "operationName": None, "extensions": None}
    response = httpx.post(url(stack), json=body, headers={"accept": GRAPHQL_RESPONSE_JSON})
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


# --- request body limit (settings.max_body_bytes) -----------------------------------------

BODY_LIMIT = 512


@pytest.fixture(scope="module")
def small_gateway(stack: Stack) -> Iterator[Process]:
    """A second gateway on the same subgraphs with a small request body limit."""
    urls = {name: stack.url(name) for name in stack.subgraphs}
    gateway = start_gateway(stack.supergraph_path, urls, stack.logs, max_body_bytes=BODY_LIMIT)
    try:
        wait_ready(gateway, "/healthz")
        yield gateway
    finally:
        gateway.stop()


def padded(query: str, size: int) -> bytes:
    """A JSON request body of exactly `size` bytes (padding in `extensions`)."""
    empty = json.dumps({"query": query, "extensions": {"pad": ""}}).encode()
    return json.dumps({"query": query, "extensions": {"pad": "x" * (size - len(empty))}}).encode()


def test_body_at_the_limit_is_read(small_gateway):
    body = padded("{ __typename }", BODY_LIMIT)
    assert len(body) == BODY_LIMIT
    response = httpx.post(
        small_gateway.base + "/graphql", content=body, headers={"content-type": JSON}
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("accept", BOTH)
def test_body_over_the_limit_is_413(small_gateway, untouched, chunked, accept):
    body = padded(mutation(untouched), BODY_LIMIT + 1)
    # A generator makes httpx send no Content-Length: the limit must hold while streaming.
    content: bytes | Iterator[bytes] = iter([body[:100], body[100:]]) if chunked else body
    response = httpx.post(
        small_gateway.base + "/graphql",
        content=content,
        headers={"content-type": JSON, "accept": accept},
    )
    (message,) = assert_refused(response, 413, accept)
    assert "too large" in message


# --- GET and other methods ----------------------------------------------------------------


def get(stack: Stack, params: dict[str, str] | list[tuple[str, str]], accept: str = JSON):
    return httpx.get(url(stack), params=params, headers={"accept": accept})


def test_get_runs_queries_with_json_variables_and_extensions(stack):
    response = get(
        stack,
        {
            "query": "query Q($c: ID!) { community(code: $c) { code } }",
            "variables": '{"c":"C2"}',
            "extensions": '{"some":"value"}',
            "operationName": "Q",
        },
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"community": {"code": "C2"}}}


def test_head_runs_queries_without_a_body(stack):
    response = httpx.head(url(stack), params={"query": "{ __typename }"})
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{JSON}; charset=utf-8"
    assert response.content == b""


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("accept", BOTH)
def test_get_refuses_mutations(stack, untouched, method, accept):
    response = httpx.request(
        method, url(stack), params={"query": mutation(untouched)}, headers={"accept": accept}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    if method == "GET":
        (message,) = assert_refused(response, 405, accept)
        assert "POST" in message


@pytest.mark.parametrize("accept", BOTH)
def test_get_refuses_a_mutation_that_would_not_validate_as_such(stack, accept):
    """The method is judged first: 405, not a validation error, and nothing runs."""
    response = httpx.get(
        url(stack), params={"query": "mutation { noSuchField }"}, headers={"accept": accept}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


BAD_GETS = {
    "no-query": ([("variables", "{}")], '"query" parameter is missing'),
    "empty-query": ([("query", "")], '"query" parameter is missing'),
    "variables-not-json": ([("query", "{ __typename }"), ("variables", "{c:")], "not valid JSON"),
    "variables-list": ([("query", "{ __typename }"), ("variables", "[1]")], "JSON object"),
    "extensions-not-json": ([("query", "{ __typename }"), ("extensions", "x")], "not valid JSON"),
    "repeated-query": ([("query", "{ __typename }"), ("query", "{ a: __typename }")], "once"),
}


@pytest.mark.parametrize("accept", BOTH)
@pytest.mark.parametrize(("params", "says"), BAD_GETS.values(), ids=BAD_GETS.keys())
def test_bad_get_is_400(stack, params, says, accept):
    (message,) = assert_refused(get(stack, params, accept), 400, accept)
    assert says in message


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_other_methods_are_405(stack, untouched, method):
    response = httpx.request(
        method, url(stack), json={"query": mutation(untouched)}, headers={"accept": JSON}
    )
    assert_refused(response, 405, JSON)
    assert response.headers["allow"] == "GET, HEAD, POST"


def test_options_lists_the_methods(stack):
    response = httpx.options(url(stack))
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, HEAD, POST"


# --- GraphiQL -----------------------------------------------------------------------------


def test_graphiql_page_and_assets_are_local(stack):
    page = httpx.get(url(stack), headers={"accept": "text/html"})
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


@pytest.mark.parametrize("accept", [f"{JSON}, text/html", f"text/html, {GRAPHQL_RESPONSE_JSON}"])
def test_a_client_naming_a_graphql_type_gets_graphql_not_the_page(stack, accept):
    response = get(stack, {"query": "{ __typename }"}, accept)
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


# --- health (the route lives in gateway/health.py; kept here until it has tests of its own) --


def test_healthz_is_the_process_and_readyz_reports_subgraphs(stack):
    response = httpx.get(stack.gateway.base + "/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    ready = httpx.get(stack.gateway.base + "/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "subgraphs": {"org": "ok", "grid": "ok", "assess": "ok"},
    }
