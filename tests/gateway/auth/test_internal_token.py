"""Every subgraph refuses /graphql without a valid internal token (HTTP 401, stable code);
/healthz stays open. Calls go straight to the subgraph processes."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from services.common.auth import ANONYMOUS
from services.common.auth_tokens import AUDIENCE, HEADER, InternalTokens
from stack import DISTRICT, Running

SUBGRAPHS = ("org", "grid", "assess")
QUERY = "{ __typename }"


def _post(url: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(url, json={"query": QUERY}, headers=headers, timeout=30)


def _refused(response: httpx.Response, code: str) -> None:
    assert response.status_code == 401, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == code
    assert error["message"] and error["extensions"]["messageEn"]
    assert "data" not in response.json()


def _claims(**override: object) -> dict:
    now = int(time.time())
    return {
        "iss": "gateway",
        "aud": AUDIENCE,
        "sub": "someone",
        "role": "district",
        "region": "410104",
        "iat": now,
        "exp": now + 60,
        **override,
    }


@pytest.mark.parametrize("name", SUBGRAPHS)
def test_a_direct_call_without_a_token_is_refused(running: Running, name: str) -> None:
    _refused(_post(running.subgraphs[name], {}), "INTERNAL_TOKEN_MISSING")
    health = httpx.get(running.subgraphs[name].replace("/graphql", "/healthz"), timeout=10)
    assert health.status_code == 200


@pytest.mark.parametrize("name", SUBGRAPHS)
def test_a_valid_token_is_served(running: Running, name: str) -> None:
    response = _post(running.subgraphs[name], running.headers(running.subgraphs[name], DISTRICT))
    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


@pytest.mark.parametrize("name", SUBGRAPHS)
def test_a_forged_token_is_refused(running: Running, name: str) -> None:
    forged = InternalTokens("not-the-suite-key-" + "x" * 32, issuer="gateway").mint(DISTRICT)
    _refused(_post(running.subgraphs[name], {HEADER: forged}), "INTERNAL_TOKEN_INVALID")


@pytest.mark.parametrize("name", SUBGRAPHS)
def test_an_expired_token_is_refused(running: Running, name: str) -> None:
    past = int(time.time()) - 3600
    token = jwt.encode(
        _claims(iat=past - 60, exp=past), running.keys["internal"], algorithm="HS256"
    )
    _refused(_post(running.subgraphs[name], {HEADER: token}), "INTERNAL_TOKEN_INVALID")


@pytest.mark.parametrize(
    "claims",
    [
        _claims(aud="partygrid-api"),  # an access token's audience
        _claims(role="root"),
        _claims(region="4101"),
        _claims(region=""),  # the whole tree, claimed by a user role
        {k: v for k, v in _claims().items() if k != "exp"},
    ],
    ids=["audience", "role", "region", "whole-tree", "no-expiry"],
)
def test_a_malformed_token_is_refused(running: Running, claims: dict) -> None:
    token = jwt.encode(claims, running.keys["internal"], algorithm="HS256")
    _refused(_post(running.subgraphs["org"], {HEADER: token}), "INTERNAL_TOKEN_INVALID")


def test_an_access_token_is_no_internal_token(running: Running) -> None:
    bearer = running.headers(running.gateway, DISTRICT)["authorization"].split()[1]
    _refused(_post(running.subgraphs["grid"], {HEADER: bearer}), "INTERNAL_TOKEN_INVALID")


@pytest.mark.parametrize("name", SUBGRAPHS)
def test_a_caller_who_has_not_logged_in_is_refused(running: Running, name: str) -> None:
    token = InternalTokens(running.keys["internal"], issuer="gateway").mint(ANONYMOUS)
    _refused(_post(running.subgraphs[name], {HEADER: token}), "UNAUTHENTICATED")


def test_a_refused_write_changes_nothing(running: Running, places: dict[str, str]) -> None:
    rename = """mutation ($id: ID!) { updateOrganization(id: $id, input: {name: "被改名"}) {
        organization { name } } }"""
    response = httpx.post(
        running.subgraphs["org"],
        json={"query": rename, "variables": {"id": places["home_org"]}},
        timeout=30,
    )
    _refused(response, "INTERNAL_TOKEN_MISSING")
    read = running.post(
        running.subgraphs["org"],
        "query ($id: ID!) { organization(id: $id) { name } }",
        {"id": places["home_org"]},
    )
    assert read["data"]["organization"]["name"] != "被改名"
