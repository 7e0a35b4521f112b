"""Auth as a client of the gateway sees it: log in, call with the bearer token, and the
subgraphs behind apply that user's scope. Needs the gateway wiring of gateway/auth/gate.py
(GatewayAuth in gateway/app.py, runtime.py, transport.py)."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import jwt
import pytest
from test_sessions import user_command

from gateway.auth.tokens import AccessTokens
from infra.setup import Prepared
from services.common.auth import Identity, Role, service_identity
from services.common.auth_tokens import InternalTokens
from stack import Running

LOGIN = """mutation ($u: String!, $p: String!) { login(username: $u, password: $p) {
  session { accessToken refreshToken viewer { username role regionCode } }
  errors { code } } }"""
# The region's name comes from org, which answers only callers who have logged in.
VIEWER = "{ viewer { username region { code name } } }"
PLACES = """query ($home: String!, $away: String!) {
  home: community(code: $home) { name zones { id } }
  away: community(code: $away) { name } }"""


def post(running: Running, query: str, variables: dict, token: str | None) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return httpx.post(
        running.gateway,
        json={"query": query, "variables": variables},
        headers={"accept": "application/json", **headers},
        timeout=30,
    )


@pytest.fixture
def planner(prepared: Prepared, places) -> tuple[str, str]:
    name, password = f"plan-{uuid.uuid4().hex[:8]}", "规划员的密码-planner"
    done = user_command(
        prepared, "add", name, "--role", "planner", "--region", places["home"], password=password
    )
    assert done.returncode == 0, done.stderr
    return name, password


def test_login_then_scope_through_the_gateway(running: Running, planner, places) -> None:
    name, password = planner
    login = post(running, LOGIN, {"u": name, "p": password}, None).json()["data"]["login"]
    assert login["session"]["viewer"] == {
        "username": name,
        "role": "PLANNER",
        "regionCode": places["home"],
    }
    token = login["session"]["accessToken"]
    viewer = post(running, VIEWER, {}, token).json()["data"]["viewer"]
    assert viewer["username"] == name and viewer["region"]["code"] == places["home"]
    assert viewer["region"]["name"]
    body = post(running, PLACES, {"home": places["home"], "away": places["away"]}, token).json()
    assert body["data"]["home"]["zones"] and body["data"]["away"] is None
    assert "errors" not in body


def test_anonymous_callers_may_only_log_in(running: Running, places) -> None:
    body = post(running, PLACES, {"home": places["home"], "away": places["away"]}, None).json()
    assert body["data"]["home"] is None
    assert {e["extensions"]["code"] for e in body["errors"]} == {"UNAUTHENTICATED"}


@pytest.mark.parametrize("kind", ["expired", "forged", "garbage"])
def test_an_unusable_bearer_token_is_401(running: Running, places, kind: str) -> None:
    me = Identity("t-district", Role.DISTRICT, places["home"][:6])
    if kind == "expired":
        long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
        access = AccessTokens(running.keys["access"], ttl=dt.timedelta(minutes=5))
        token = access.issue(me, now=long_ago).token
    elif kind == "forged":
        token = AccessTokens("someone-elses-key-" + "z" * 32, ttl=dt.timedelta(minutes=5))
        token = token.issue(me).token
    else:
        token = jwt.encode({"sub": "x"}, "k" * 40, algorithm="HS256")[:-3]
    response = post(running, PLACES, {"home": places["home"], "away": places["away"]}, token)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    code = response.json()["errors"][0]["extensions"]["code"]
    assert code == ("TOKEN_EXPIRED" if kind == "expired" else "TOKEN_INVALID")
    assert "data" not in response.json()


def _internal(running: Running, identity: Identity, *, key: str | None = None) -> dict:
    return InternalTokens(key or running.keys["internal"], issuer="assess").headers(identity)


def test_a_service_of_the_suite_reads_through_the_gateway_as_itself(
    running: Running, places
) -> None:
    """Issue 7: assess reads org and grid "through the gateway with a service identity": its
    signed internal token is accepted at the gateway and reaches the whole tree, read-only."""
    response = httpx.post(
        running.gateway,
        json={"query": PLACES, "variables": {"home": places["home"], "away": places["away"]}},
        headers=_internal(running, service_identity("assess")),
        timeout=30,
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    assert body["data"]["home"]["zones"] and body["data"]["away"]["name"]


@pytest.mark.parametrize("kind", ["user", "forged", "expired"])
def test_an_internal_token_other_than_a_services_is_refused_at_the_gateway(
    running: Running, places, kind: str
) -> None:
    """The tokens the gateway sends subgraphs carry users; one presented back at the public
    door is refused (401), as is a forged or expired service token."""
    if kind == "user":
        headers = _internal(running, Identity("t-district", Role.DISTRICT, places["home"][:6]))
    elif kind == "forged":
        headers = _internal(running, service_identity("assess"), key="k" * 40)
    else:
        old = InternalTokens(running.keys["internal"], issuer="assess", ttl=-120)
        headers = old.headers(service_identity("assess"))
    response = httpx.post(
        running.gateway,
        json={"query": PLACES, "variables": {"home": places["home"], "away": places["away"]}},
        headers=headers,
        timeout=30,
    )
    assert response.status_code == 401, response.text
    code = response.json()["errors"][0]["extensions"]["code"]
    assert code == ("TOKEN_EXPIRED" if kind == "expired" else "TOKEN_INVALID")
