"""Sign-in throttling (issue 12 class 4): per account and per client address, with backoff;
refused attempts are RATE_LIMITED (retryAfter) on GraphQL and 429 + Retry-After on the form,
through the real gateway."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import httpx
import pytest
from signin_helpers import LOGIN, form, gql, login, new_user, site
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.auth.models import login_failure
from gateway.auth.throttle import LoginThrottle, RateLimitedError
from infra.setup import Prepared
from stack import Running


def _address() -> str:
    # TEST-NET-2 addresses, one per test: no other test's failures count against it.
    return f"198.51.100.{uuid.uuid4().int % 250 + 1}"


def _rate_limited(body: dict) -> dict | None:
    return next(
        (e for e in body.get("errors") or [] if e["extensions"].get("code") == "RATE_LIMITED"),
        None,
    )


def test_an_account_is_locked_with_backoff_after_five_failures(
    running: Running, prepared: Prepared
) -> None:
    name, password = new_user(prepared)
    for attempt in range(5):
        # Each from its own address: only the account's count can refuse.
        body = login(running, name, f"wrong-{attempt}", client=f"203.0.113.{attempt + 1}")
        assert body["data"]["login"]["errors"] == [{"code": "INVALID_CREDENTIALS"}], body
    response = gql(running, LOGIN, {"u": name, "p": password}, client="203.0.113.99")
    assert response.status_code == 429  # even the right password, while the account waits
    body = response.json()
    refused = _rate_limited(body)
    assert refused is not None, body
    assert int(response.headers["retry-after"]) == refused["extensions"]["retryAfter"]
    assert refused["message"].startswith("尝试次数过多")
    assert refused["extensions"]["messageEn"].startswith("Too many attempts")
    assert 1 <= refused["extensions"]["retryAfter"] <= 900
    assert not (body.get("data") or {}).get("login")


def test_a_client_address_is_throttled_across_accounts(running: Running) -> None:
    address = _address()
    for _ in range(20):  # a password spray: one guess each on many names
        body = login(running, f"nobody-{uuid.uuid4().hex[:8]}", "Summer2026!!x", client=address)
        assert body["data"]["login"]["errors"] == [{"code": "INVALID_CREDENTIALS"}], body
    refused = _rate_limited(login(running, f"nobody-{uuid.uuid4().hex[:8]}", "x", client=address))
    assert refused is not None and refused["extensions"]["retryAfter"] >= 1
    # Another address is not held back by this one.
    other = login(running, f"nobody-{uuid.uuid4().hex[:8]}", "x", client=_address())
    assert other["data"]["login"]["errors"] == [{"code": "INVALID_CREDENTIALS"}]


def test_the_form_answers_429_with_retry_after(running: Running, prepared: Prepared) -> None:
    name, password = new_user(prepared)
    address = _address()
    for attempt in range(5):
        login(running, name, f"wrong-{attempt}", client=address)
    with httpx.Client(base_url=site(running), timeout=60) as browser:
        token = form(browser)
        response = browser.post(
            "/login",
            data={"username": name, "password": password, "csrf": token},
            headers={"x-forwarded-for": address},
            follow_redirects=False,
        )
    assert response.status_code == 429, response.text
    assert int(response.headers["retry-after"]) >= 1
    assert (
        "尝试次数过多" in response.text
        and "set-cookie: partygrid_access" not in str(response.headers).lower()
    )
    assert "partygrid_access" not in response.cookies


def test_failures_are_counted_in_the_database_and_forgotten(prepared: Prepared) -> None:
    """The counts are rows of auth.login_failure (so every gateway worker sees them), under
    keyed hashes; a failure older than `forget` counts no more, and such rows are deleted."""
    account, address = f"nobody-{uuid.uuid4().hex[:8]}", _address()

    async def run() -> None:
        engine = create_async_engine(prepared.database.auth_url)
        throttle = LoginThrottle(account_free=1, client_free=1, secret=b"test key")
        keys = [throttle.key("account", account), throttle.key("client", address)]

        async def rows() -> dict[bytes, int]:
            async with engine.connect() as conn:
                found = await conn.execute(
                    select(login_failure.c.key, login_failure.c.failures).where(
                        login_failure.c.key.in_(keys)
                    )
                )
                return {row.key: row.failures for row in found}

        async def age(hours: int) -> None:
            async with engine.begin() as conn:
                await conn.execute(
                    update(login_failure)
                    .where(login_failure.c.key.in_(keys))
                    .values(last=login_failure.c.last - dt.timedelta(hours=hours))
                )

        try:
            async with throttle.attempt(engine, account.upper(), address):
                pass  # a failure: never succeeded()
            assert await rows() == dict.fromkeys(keys, 1)  # no name or address stored
            with pytest.raises(RateLimitedError):
                async with throttle.attempt(engine, account, address):
                    raise AssertionError("let in while waiting")
            assert await rows() == dict.fromkeys(keys, 1)  # a refusal charges nothing
            await age(2)  # past `forget` (an hour): counted afresh
            async with throttle.attempt(engine, account, address) as succeeded:
                await succeeded()  # the right password takes the charge back
            assert await rows() == {}
            async with throttle.attempt(engine, account, address):
                pass
            await age(2)
            # Any process's next attempt (at most once a minute each) deletes forgotten rows.
            other = LoginThrottle(secret=b"test key")
            async with other.attempt(engine, f"nobody-{uuid.uuid4().hex[:8]}", _address()):
                pass
            assert await rows() == {}
        finally:
            await engine.dispose()

    asyncio.run(run())
