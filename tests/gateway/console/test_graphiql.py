"""GraphiQL in the console (issue 16): the page opens with example operations of the common
tasks, commented in Chinese and valid against the API schema, and its endpoint
`/console/graphql` takes the page cookie only with the page's CSRF token in `X-CSRF-Token`
from this site, running the operation as the signed-in caller: a user gets exactly what
`/graphql` gives that user, scope included."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import httpx
import pytest
from console_client import SignIn, csrf_of
from graphql import GraphQLSchema, OperationDefinitionNode, parse, validate
from graphql.execution.values import get_variable_values

from gateway.api_schema import build_api_schema
from gateway.auth.web import COOKIE
from gateway.console.labels import LABELS
from gateway.console.pages.graphiql import ENDPOINT, Place, examples
from gateway.settings import DEFAULT_SUPERGRAPH
from gateway.supergraph import parse_supergraph
from stack import Running

VIEWER = "{ viewer { username role regionCode } }"
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def api_schema() -> GraphQLSchema:
    return build_api_schema(parse_supergraph(Path(DEFAULT_SUPERGRAPH).read_text("utf-8")))


PLACES = [
    Place("410104", "410104001001", "410104001", dt.date(2026, 12, 7)),
    Place("410104001", "410104001001", "410104001", dt.date(2026, 12, 7)),
    Place("410104001001", "410104001001", "410104001", dt.date(2026, 12, 7)),
]


@pytest.mark.parametrize("place", PLACES, ids=lambda p: p.region)
def test_every_example_is_valid_against_the_api_schema_with_its_variables(
    api_schema: GraphQLSchema, place: Place
) -> None:
    tabs = examples(place)
    assert {"coverage", "sitting", "self_assessment", "monthly_report"} <= {e.key for e in tabs}
    for example in tabs:
        document = parse(example.query)
        assert validate(api_schema, document) == [], example.key
        for operation in document.definitions:
            assert isinstance(operation, OperationDefinitionNode)
            assert operation.name is not None  # a tab of several operations runs one by name
            used = {v.variable.name.value for v in operation.variable_definitions}
            values = {k: v for k, v in example.variables.items() if k in used}
            coerced = get_variable_values(api_schema, operation.variable_definitions, values)
            assert not isinstance(coerced, list), (example.key, coerced)  # a list: errors
        # Commented in Chinese, not GraphiQL's English welcome.
        comments = [line for line in example.query.splitlines() if line.startswith("#")]
        assert comments and all(HAN.search(line) for line in comments), example.key


def test_the_page_opens_graphiql_on_the_examples_with_local_assets_only(
    signed_in: SignIn,
) -> None:
    page = signed_in("demo-street").get("/console/graphiql")
    assert page.status_code == 200
    text = page.text
    assert f'data-endpoint="{ENDPOINT}"' in text
    shown = [
        html.unescape(q) for q in re.findall(r"<pre data-key=\"\w+\"[^>]*>(.*?)</pre>", text, re.S)
    ]
    place = Place("410104001", "410104001001", "410104001", dt.date.today())
    assert shown == [e.query for e in examples(place)]
    variables = [
        json.loads(html.unescape(v)) for v in re.findall(r'data-variables="([^"]*)"', text)
    ]
    assert variables[0] == {"regionCode": "410104001"}  # the caller's own region
    sources = re.findall(r'<(?:script|link)[^>]* (?:src|href)="([^"]+)"', text)
    assert "/static/console/graphiql-init.js" in sources
    assert all(s.startswith("/") and not s.startswith("//") for s in sources)
    # No token in the page other than the CSRF one (the access token stays in its cookie).
    assert signed_in("demo-street").cookies[COOKIE] not in text


def refused(code: str, key: str) -> dict:
    message = {
        "message": LABELS["zh"][key],
        "extensions": {"code": code, "messageEn": LABELS["en"][key]},
    }
    return {"errors": [message]}


def _post(client: httpx.Client, body: dict, headers: dict[str, str]) -> httpx.Response:
    return client.post(
        ENDPOINT,
        content=json.dumps(body),
        headers={"content-type": "application/json", **headers},
        follow_redirects=False,
    )


def test_the_endpoint_refuses_without_the_pages_token_from_another_site_or_anonymous(
    signed_in: SignIn, site: str
) -> None:
    client = signed_in("demo-street")
    token = csrf_of(client.get("/console/graphiql").text)
    body = {"query": VIEWER}
    for headers in (
        {"origin": site},  # no token
        {"origin": site, "x-csrf-token": "0" * 64},  # a wrong one
        {"x-csrf-token": token, "sec-fetch-site": "cross-site"},  # another site
        {"x-csrf-token": token},  # neither Origin nor Sec-Fetch-Site
    ):
        answer = _post(client, body, headers)
        assert answer.status_code == 403, headers
        # Refused as GraphiQL can show it: GraphQL's shape, Chinese first; nothing ran.
        assert answer.json() == refused("FORBIDDEN", "csrf_refused")
    # Another user's token is not this user's.
    other = csrf_of(signed_in("demo-viewer").get("/console").text)
    assert _post(client, body, {"origin": site, "x-csrf-token": other}).status_code == 403
    # Nobody signed in: nothing run.
    anonymous = httpx.post(
        site + ENDPOINT,
        content=json.dumps(body),
        headers={"content-type": "application/json", "origin": site, "x-csrf-token": token},
        follow_redirects=False,
    )
    assert anonymous.status_code == 401
    assert anonymous.json() == refused("UNAUTHENTICATED", "session_expired")
    answer = _post(client, body, {"origin": site, "x-csrf-token": token})
    assert answer.status_code == 200
    assert answer.json() == {
        "data": {"viewer": {"username": "demo-street", "role": "STREET", "regionCode": "410104001"}}
    }


@pytest.mark.parametrize(
    "query",
    [
        # another street's coverage and communities, and a community of another street
        '{ coverage(regionCode: "410104002") { regionCode buildings covered } }',
        '{ communities(regionCode: "410104002") { code name } }',
        '{ community(code: "410104002001") { code name } }',
        # the caller's own street
        '{ coverage(regionCode: "410104001") { regionCode buildings covered } }',
    ],
)
def test_the_endpoint_answers_what_graphql_gives_that_user(
    signed_in: SignIn, site: str, running: Running, query: str
) -> None:
    client = signed_in("demo-street")
    token = csrf_of(client.get("/console/graphiql").text)
    answer = _post(client, {"query": query}, {"origin": site, "x-csrf-token": token})
    assert answer.status_code == 200
    # /graphql with the same user's access token (the page's cookie sent as a bearer).
    direct = httpx.post(
        running.gateway,
        json={"query": query},
        headers={"authorization": f"Bearer {client.cookies[COOKIE]}"},
    )
    assert direct.status_code == 200
    assert answer.json() == direct.json()


def test_a_document_of_several_operations_runs_the_one_named(signed_in: SignIn, site: str) -> None:
    client = signed_in("demo-street")
    token = csrf_of(client.get("/console/graphiql").text)
    body = {
        "query": "query Me { viewer { username } } query Where { viewer { regionCode } }",
        "operationName": "Where",
    }
    answer = _post(client, body, {"origin": site, "x-csrf-token": token})
    assert answer.json() == {"data": {"viewer": {"regionCode": "410104001"}}}
    bad = _post(client, {"query": "{ viewer {"}, {"origin": site, "x-csrf-token": token})
    assert bad.status_code == 200 and bad.json()["errors"]
