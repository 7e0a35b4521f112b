"""Users and sessions: `partygrid user` creates them, the auth subgraph (as its own process,
the way a stand-in gateway would reach it) logs them in, refreshes and says who is calling."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, pool, select, update
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.auth import users
from gateway.auth.models import refresh_token, user_account
from gateway.auth.sessions import REUSE_GRACE
from gateway.auth.tokens import AccessTokens, refresh_token_hash
from infra.settings import ROOT
from infra.setup import Prepared, token_keys
from infra.supervisor import Supervisor, free_port
from services.common.auth import ANONYMOUS, Identity, Role
from services.common.auth_tokens import InternalTokens

LOGIN = """mutation ($u: String!, $p: String!) { login(username: $u, password: $p) {
  session { accessToken tokenType refreshToken viewer { username role regionCode } }
  errors { code message messageEn } } }"""
REFRESH = """mutation ($t: String!) { refresh(token: $t) {
  session { accessToken refreshToken } errors { code } } }"""
VIEWER = "{ viewer { username role regionCode } }"


@pytest.fixture(scope="module")
def keys(suite_settings) -> dict[str, str]:
    return token_keys(suite_settings)


@pytest.fixture(scope="module")
def auth_url(prepared: Prepared, keys, tmp_path_factory) -> Iterator[str]:
    """The auth subgraph as a uvicorn process on a free loopback port."""
    supervisor = Supervisor("127.0.0.1", tmp_path_factory.mktemp("auth-logs"))
    port = free_port()
    env = {
        "PARTYGRID_AUTH_DATABASE_URL": prepared.database.auth_url,
        "PARTYGRID_INTERNAL_TOKEN_KEY": keys["internal"],
        "PARTYGRID_ACCESS_TOKEN_KEY": keys["access"],
    }
    supervisor.start("auth", port, env)
    try:
        supervisor.wait_healthy(60)
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        supervisor.stop_all()


def user_command(prepared: Prepared, *args: str, password: str = "") -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PARTYGRID_AUTH_DATABASE_URL": prepared.database.auth_url,
        # `user add` asks org's tree whether the region exists.
        "PARTYGRID_ORG_DATABASE_URL": prepared.database.service_urls["org"],
    }
    return subprocess.run(
        [sys.executable, "-m", "infra.cli", "user", *args],
        input=password + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


def add_user(prepared: Prepared, name: str, password: str, role: str, region: str) -> None:
    """A user added the way `partygrid user add` adds one (gateway.auth.users), in this
    process: the CLI's own tests here run the command; a user a test only needs to exist
    does not pay for starting it."""

    async def add() -> None:
        engine = create_async_engine(prepared.database.auth_url)
        try:
            async with engine.begin() as conn:
                await users.add_user(
                    conn, username=name, password=password, role=role, region_code=region
                )
        finally:
            await engine.dispose()

    asyncio.run(add())


def stored(prepared: Prepared, name: str) -> bool:
    """Whether the auth database holds a user of that name (what `partygrid user list`
    lists, read directly: the CLI's listing has its own test)."""
    engine = create_engine(prepared.database.auth_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            query = select(user_account.c.username).where(user_account.c.username == name)
            return conn.execute(query).first() is not None
    finally:
        engine.dispose()


def call(url: str, keys, query: str, variables=None, identity: Identity = ANONYMOUS) -> dict:
    headers = InternalTokens(keys["internal"], issuer="gateway").headers(identity)
    response = httpx.post(
        url, json={"query": query, "variables": variables}, headers=headers, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()


SECRETARY_PASSWORD = "正确的密码-correct horse"


@pytest.fixture
def cli_secretary(prepared: Prepared) -> tuple[str, str]:
    """A secretary added by `partygrid user add`."""
    name, password = f"sec-{uuid.uuid4().hex[:8]}", SECRETARY_PASSWORD
    done = user_command(
        prepared, "add", name, "--role", "secretary", "--region", "410104001001", password=password
    )
    assert done.returncode == 0, done.stderr
    return name, password


@pytest.fixture
def secretary(prepared: Prepared) -> tuple[str, str]:
    """A secretary for the auth subgraph's tests (added in-process: see `add_user`)."""
    name, password = f"sec-{uuid.uuid4().hex[:8]}", SECRETARY_PASSWORD
    add_user(prepared, name, password, "secretary", "410104001001")
    return name, password


def test_the_cli_adds_lists_and_disables(prepared: Prepared, cli_secretary) -> None:
    name, _ = cli_secretary
    listed = user_command(prepared, "list").stdout.splitlines()
    assert f"{name}\tsecretary\t社区党组织书记\t410104001001\tactive" in listed
    assert user_command(prepared, "disable", name).returncode == 0
    assert f"{name}\tsecretary\t社区党组织书记\t410104001001\tdisabled" in (
        user_command(prepared, "list").stdout.splitlines()
    )


@pytest.mark.parametrize(
    ("args", "password", "says"),
    [
        (("--role", "viewer", "--region", "4101"), "long enough pw", "6, 9 or 12 digits"),
        (("--role", "viewer", "--region", "410104"), "short", "12 to 1024 characters"),
        (("--role", "viewer", "--region", "410104099099"), "long enough pw", "No region"),
    ],
)
def test_the_cli_refuses_bad_users(prepared: Prepared, args, password, says) -> None:
    name = f"bad-{uuid.uuid4().hex[:8]}"
    done = user_command(prepared, "add", name, *args, password=password)
    assert done.returncode == 1 and says in done.stderr
    assert not stored(prepared, name)


def test_the_cli_refuses_a_taken_name(prepared: Prepared, cli_secretary) -> None:
    name, password = cli_secretary
    done = user_command(
        prepared, "add", name, "--role", "district", "--region", "410104", password=password
    )
    assert done.returncode == 1 and "exists already" in done.stderr
    assert f"{name}\tsecretary" in user_command(prepared, "list").stdout  # unchanged


def test_login_issues_a_short_lived_access_token(auth_url, keys, secretary) -> None:
    name, password = secretary
    body = call(auth_url, keys, LOGIN, {"u": name, "p": password})
    session = body["data"]["login"]["session"]
    assert body["data"]["login"]["errors"] == []
    assert session["tokenType"] == "Bearer"
    assert session["viewer"] == {
        "username": name,
        "role": "SECRETARY",
        "regionCode": "410104001001",
    }
    access = AccessTokens(keys["access"], ttl=dt.timedelta(minutes=15))
    assert access.verify(session["accessToken"]) == Identity(name, Role.SECRETARY, "410104001001")
    # The gateway forwards that identity; the subgraph answers who is calling.
    viewer = call(auth_url, keys, VIEWER, identity=access.verify(session["accessToken"]))
    assert viewer["data"]["viewer"]["username"] == name


@pytest.mark.parametrize("who", ["wrong-password", "unknown-user"])
def test_a_failed_login_says_the_same_either_way(auth_url, keys, secretary, who) -> None:
    name, password = secretary
    variables = (
        {"u": name, "p": password + "x"}
        if who == "wrong-password"
        else {"u": "nobody-" + uuid.uuid4().hex, "p": password}
    )
    result = call(auth_url, keys, LOGIN, variables)["data"]["login"]
    assert result["session"] is None
    assert result["errors"] == [
        {
            "code": "INVALID_CREDENTIALS",
            "message": "用户名或密码错误",
            "messageEn": "Wrong username or password.",
        }
    ]


def _age_use(prepared: Prepared, token: str, by: dt.timedelta) -> None:
    """Move a refresh token's first use `by` into the past (as if that long ago)."""
    engine = create_engine(prepared.database.auth_url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(
                update(refresh_token)
                .where(refresh_token.c.token_hash == refresh_token_hash(token))
                .values(used_at=refresh_token.c.used_at - by)
            )
    finally:
        engine.dispose()


def test_refresh_rotates_and_a_reused_token_revokes_the_family(
    auth_url, keys, prepared: Prepared, secretary
) -> None:
    name, password = secretary
    first = call(auth_url, keys, LOGIN, {"u": name, "p": password})["data"]["login"]["session"]
    second = call(auth_url, keys, REFRESH, {"t": first["refreshToken"]})["data"]["refresh"]
    assert second["errors"] == [] and second["session"]["refreshToken"] != first["refreshToken"]
    # The first token again, long after its use: a copy in someone's hands. Refused, and its
    # successor dies too.
    _age_use(prepared, first["refreshToken"], REUSE_GRACE + dt.timedelta(seconds=5))
    again = call(auth_url, keys, REFRESH, {"t": first["refreshToken"]})["data"]["refresh"]
    assert again == {"session": None, "errors": [{"code": "INVALID_REFRESH_TOKEN"}]}
    successor = second["session"]["refreshToken"]
    after = call(auth_url, keys, REFRESH, {"t": successor})["data"]["refresh"]
    assert after["errors"] == [{"code": "INVALID_REFRESH_TOKEN"}]


def test_a_token_sent_again_at_once_gets_the_same_successor(auth_url, keys, secretary) -> None:
    """Two tabs refreshing together, or a retry after a lost answer: the same token twice
    within the grace gets its one successor again, and the user stays signed in."""
    name, password = secretary
    first = call(auth_url, keys, LOGIN, {"u": name, "p": password})["data"]["login"]["session"]
    one = call(auth_url, keys, REFRESH, {"t": first["refreshToken"]})["data"]["refresh"]
    two = call(auth_url, keys, REFRESH, {"t": first["refreshToken"]})["data"]["refresh"]
    assert one["errors"] == [] and two["errors"] == [], two
    successor = one["session"]["refreshToken"]
    assert two["session"]["refreshToken"] == successor
    after = call(auth_url, keys, REFRESH, {"t": successor})["data"]["refresh"]
    assert after["errors"] == [] and after["session"]["refreshToken"] != successor
    # Once the successor is used, the first token's grace is over: that is reuse.
    late = call(auth_url, keys, REFRESH, {"t": first["refreshToken"]})["data"]["refresh"]
    assert late["errors"] == [{"code": "INVALID_REFRESH_TOKEN"}]


def test_a_disabled_user_can_neither_log_in_nor_refresh(
    auth_url, keys, prepared: Prepared, secretary
) -> None:
    name, password = secretary
    session = call(auth_url, keys, LOGIN, {"u": name, "p": password})["data"]["login"]["session"]
    assert user_command(prepared, "disable", name).returncode == 0
    login = call(auth_url, keys, LOGIN, {"u": name, "p": password})["data"]["login"]
    assert login["errors"][0]["code"] == "INVALID_CREDENTIALS"
    refresh = call(auth_url, keys, REFRESH, {"t": session["refreshToken"]})["data"]["refresh"]
    assert refresh["errors"] == [{"code": "INVALID_REFRESH_TOKEN"}]


def test_nobody_is_the_viewer_before_login(auth_url, keys) -> None:
    assert call(auth_url, keys, VIEWER)["data"] == {"viewer": None}


def test_the_auth_subgraph_refuses_direct_calls(auth_url) -> None:
    response = httpx.post(auth_url, json={"query": VIEWER}, timeout=30)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_TOKEN_MISSING"
