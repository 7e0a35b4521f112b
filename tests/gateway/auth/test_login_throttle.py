"""Sign-in throttling (issue 12 class 4): per account and per client address, with backoff;
refused attempts are RATE_LIMITED (retryAfter) on GraphQL and 429 + Retry-After on the form,
through the real gateway."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import uuid

import httpx
import pytest
from signin_helpers import LOGIN, form, gql, login, new_user, site
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from gateway.auth.models import login_failure
from gateway.auth.throttle import LoginThrottle, RateLimitedError, throttle_secret
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


def test_a_refund_locks_its_rows_in_key_order(prepared: Prepared) -> None:
    """`succeeded` locks the account's and the address's rows in key order, as `attempt`
    does: locked in scan order (the table's physical order), a refund and a parallel attempt
    of the same account and address could each hold one row and wait for the other
    (a deadlock: a right password answered with an internal error). The rows are laid out
    so that scan order is not key order: the address's row is older than the account's and
    its key is the higher, and the table is read by a sequential scan (the plan PostgreSQL
    picks for a table of a few rows)."""
    throttle = LoginThrottle(secret=b"test key")
    address = _address()
    client_key = throttle.key("client", address)
    first, account = itertools.islice(
        (
            name
            for name in (f"nobody-{uuid.uuid4().hex[:8]}" for _ in range(1000))
            if throttle.key("account", name) < client_key
        ),
        2,
    )
    account_key = throttle.key("account", account)

    async def run() -> None:
        engine = create_async_engine(prepared.database.auth_url)
        scanning = create_async_engine(
            prepared.database.auth_url,
            connect_args={"options": "-c enable_indexscan=off -c enable_bitmapscan=off"},
        )
        try:
            async with throttle.attempt(engine, first, address):
                pass  # the address's row
            async with throttle.attempt(scanning, account, address) as succeeded:
                pass
            async with engine.begin() as conn:  # the account's row now after the address's
                await conn.execute(
                    update(login_failure)
                    .where(login_failure.c.key == account_key)
                    .values(failures=login_failure.c.failures)
                )
            async with engine.connect() as holder, engine.connect() as prober:
                # Another sign-in holds the account's row (the lower key).
                await holder.execute(
                    select(login_failure.c.key)
                    .where(login_failure.c.key == account_key)
                    .with_for_update()
                )
                refund = asyncio.ensure_future(succeeded())
                while not await _waits_for_a_lock(prober):  # noqa: ASYNC110 -- the database's state
                    await asyncio.sleep(0.05)
                # The refund waits for the lower key; it must hold no lock on the higher one.
                free = await prober.execute(
                    select(login_failure.c.key)
                    .where(login_failure.c.key == client_key)
                    .with_for_update(nowait=True)
                )
                assert free.scalar() == client_key
                await prober.rollback()
                await holder.rollback()
                await refund
        finally:
            await engine.dispose()
            await scanning.dispose()

    asyncio.run(run())


async def _waits_for_a_lock(conn: AsyncConnection) -> bool:
    waiting = await conn.execute(
        text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE '%login_failure%'"
        )
    )
    await conn.rollback()
    return bool(waiting.scalar())


def test_the_counts_are_keyed_apart_from_the_access_token_key(
    running: Running, prepared: Prepared
) -> None:
    """The throttle's hashes are keyed with a key derived from the access-token key, never
    with the signing key itself (one secret, one purpose): a failed sign-in through the
    gateway is counted under the derived key's hash."""
    account, address = f"nobody-{uuid.uuid4().hex[:8]}", _address()
    body = login(running, account, "wrong", client=address)
    assert body["data"]["login"]["errors"] == [{"code": "INVALID_CREDENTIALS"}], body
    access = running.keys["access"].encode()
    derived = LoginThrottle(secret=throttle_secret(access)).key("account", account)
    signing = LoginThrottle(secret=access).key("account", account)

    async def stored() -> set[bytes]:
        engine = create_async_engine(prepared.database.auth_url)
        try:
            async with engine.connect() as conn:
                found = await conn.execute(
                    select(login_failure.c.key).where(login_failure.c.key.in_([derived, signing]))
                )
                return {row.key for row in found}
        finally:
            await engine.dispose()

    assert asyncio.run(stored()) == {derived}
