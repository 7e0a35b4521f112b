"""Password policy, `partygrid user passwd|reset`, `changePassword`, and sessions that end
within seconds when a user is disabled or their password changes (issue 12 class 4), with
the real CLI and the real gateway."""

from __future__ import annotations

import time
import uuid

import pytest
from signin_helpers import CHANGE, REFRESH, STRONG, VIEWER, gql, login, new_user
from test_sessions import stored, user_command

from infra.setup import Prepared
from stack import SESSION_CHECK_SECONDS, Running

SESSION_END_SECONDS = 5  # the gateway reloads session versions at least this often
# (the suite's gateway every SESSION_CHECK_SECONDS: a refusal comes within a few polls)
POLL_SECONDS = SESSION_CHECK_SECONDS / 4


def _session(running: Running, name: str, password: str) -> dict:
    body = login(running, name, password)
    assert body["data"]["login"]["errors"] == [], body
    return body["data"]["login"]["session"]


def _refused_within(running: Running, token: str) -> dict:
    """The gateway's answer to `token` once it refuses it (at most a few seconds)."""
    deadline = time.monotonic() + SESSION_END_SECONDS + 2
    while True:
        response = gql(running, VIEWER, token=token)
        if response.status_code == 401 or time.monotonic() > deadline:
            return {"status": response.status_code, **response.json()}
        time.sleep(POLL_SECONDS)


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("12345678", "12 to 1024 characters"),
        ("password1234", "too common"),
        ("123456789012", "too easy to guess"),
        ("aaaaaaaaaaaaaaaa", "too easy to guess"),
    ],
)
def test_weak_passwords_are_refused_on_add(prepared: Prepared, password: str, says: str) -> None:
    name = f"weak-{uuid.uuid4().hex[:8]}"
    done = user_command(
        prepared, "add", name, "--role", "viewer", "--region", "410104", password=password
    )
    assert done.returncode == 1 and says in done.stderr, done.stderr
    assert not stored(prepared, name)


def test_passwd_sets_a_new_password_and_ends_sessions(running: Running, prepared: Prepared) -> None:
    name, old = new_user(prepared)
    session = _session(running, name, old)
    weak = user_command(prepared, "passwd", name, password="12345678")
    assert weak.returncode == 1 and "12 to 1024" in weak.stderr
    assert login(running, name, old)["data"]["login"]["errors"] == []  # unchanged
    new = STRONG.format("passwd")
    done = user_command(prepared, "passwd", name, password=new)
    assert done.returncode == 0, done.stderr
    assert login(running, name, old)["data"]["login"]["errors"] == [{"code": "INVALID_CREDENTIALS"}]
    assert login(running, name, new)["data"]["login"]["errors"] == []
    refused = _refused_within(running, session["accessToken"])
    assert refused["status"] == 401 and refused["errors"][0]["extensions"]["code"] == (
        "TOKEN_REVOKED"
    )
    spent = gql(running, REFRESH, {"t": session["refreshToken"]}).json()["data"]["refresh"]
    assert spent["errors"] == [{"code": "INVALID_REFRESH_TOKEN"}]
    assert user_command(prepared, "passwd", "nobody-" + name).returncode == 1


def test_reset_prints_a_temporary_password(running: Running, prepared: Prepared) -> None:
    name, old = new_user(prepared)
    done = user_command(prepared, "reset", name)
    assert done.returncode == 0, done.stderr
    temporary = done.stdout.strip()
    assert len(temporary) >= 16 and temporary != old
    assert login(running, name, old)["data"]["login"]["errors"] == [{"code": "INVALID_CREDENTIALS"}]
    assert login(running, name, temporary)["data"]["login"]["errors"] == []


def test_a_disabled_users_token_stops_working_within_seconds(
    running: Running, prepared: Prepared
) -> None:
    name, password = new_user(prepared)
    session = _session(running, name, password)
    assert gql(running, VIEWER, token=session["accessToken"]).json()["data"]["viewer"] == {
        "username": name
    }
    assert user_command(prepared, "disable", name).returncode == 0
    refused = _refused_within(running, session["accessToken"])
    assert refused["status"] == 401, refused
    assert refused["errors"][0]["extensions"]["code"] == "TOKEN_REVOKED"
    assert refused["errors"][0]["message"].startswith("会话已结束")


def test_change_password_through_the_gateway(running: Running, prepared: Prepared) -> None:
    name, old = new_user(prepared)
    first = _session(running, name, old)
    token = first["accessToken"]
    wrong = gql(running, CHANGE, {"c": "not-it", "n": STRONG.format("x")}, token=token).json()
    assert wrong["data"]["changePassword"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
    weak = gql(running, CHANGE, {"c": old, "n": "password1234"}, token=token).json()
    (error,) = weak["data"]["changePassword"]["errors"]
    assert error["code"] == "INVALID_PASSWORD" and "too common" in error["messageEn"]
    assert error["message"].startswith("该密码过于常见")
    new = STRONG.format("changed")
    done = gql(running, CHANGE, {"c": old, "n": new}, token=token).json()["data"]
    assert done["changePassword"]["errors"] == []
    fresh = done["changePassword"]["session"]["accessToken"]
    # The old session ends; the new one, handed back to this caller, goes on.
    assert _refused_within(running, token)["status"] == 401
    assert gql(running, VIEWER, token=fresh).json()["data"]["viewer"] == {"username": name}
    assert login(running, name, new)["data"]["login"]["errors"] == []


def test_change_password_needs_a_signed_in_caller(running: Running) -> None:
    body = gql(running, CHANGE, {"c": "a", "n": STRONG.format("y")}).json()
    assert body["errors"][0]["extensions"]["code"] in ("FORBIDDEN", "UNAUTHENTICATED")
    assert not (body.get("data") or {}).get("changePassword")
