"""Logging in and refreshing: credentials or a refresh token in, a new token pair out.

Refresh tokens rotate: each is good once. Presenting a used one again means it was copied,
so every refresh token of that user is revoked (the thief and the user both log in again) --
except within `REUSE_GRACE` of its first use while its successor is still unused: two tabs
refreshing at once send the same token, and a refresh whose answer was lost is retried with
the old one. Those get the same successor again (it is derived from the token it replaces
under a key of the gateway's, so it is found again without being stored), not a second one.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.auth.models import refresh_token, user_account
from gateway.auth.passwords import hash_password_async, needs_rehash, verify_password_async
from gateway.auth.throttle import LoginThrottle
from gateway.auth.tokens import (
    AccessToken,
    AccessTokens,
    new_refresh_token,
    refresh_token_hash,
)
from gateway.auth.users import User, find_user, set_password, set_password_hash

REFUSALS = {
    "INVALID_CREDENTIALS": ("用户名或密码错误", "Wrong username or password."),
    "INVALID_REFRESH_TOKEN": (
        "刷新令牌无效或已过期，请重新登录",
        "The refresh token is invalid or expired; log in again.",
    ),
}


# Short: within it a stolen token replayed after the user's refresh gets the user's successor
# unnoticed; the pages send a refresh whose answer was lost again after 2 s, a few times.
REUSE_GRACE = dt.timedelta(seconds=10)
_SUCCESSOR = "refresh-successor"
_log = logging.getLogger("partygrid.auth")


class SessionRefusedError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code
        self.message, self.message_en = REFUSALS[code]


@dataclass(frozen=True)
class Session:
    user: User
    access: AccessToken
    refresh_token: str
    refresh_expires_at: dt.datetime


def _successor(access: AccessTokens, token: str) -> str:
    """The refresh token that replaces `token`: the same each time it is asked for."""
    return access.mac(_SUCCESSOR, token)


async def _open(
    conn: AsyncConnection,
    user: User,
    access: AccessTokens,
    refresh_ttl: dt.timedelta,
    token: str | None = None,
) -> Session:
    now = dt.datetime.now(dt.UTC)
    token = token or new_refresh_token()
    expires = now + refresh_ttl
    await conn.execute(
        insert(refresh_token).values(
            id=uuid.uuid4(),
            user_id=user.id,
            token_hash=refresh_token_hash(token),
            expires_at=expires,
        )
    )
    issued = access.issue(user.identity, now=now, session_version=user.session_version)
    return Session(user, issued, token, expires)


async def login(  # noqa: PLR0913 -- keyword-only: the credentials, the client and the three signing resources
    conn: AsyncConnection,
    *,
    username: str,
    password: str,
    access: AccessTokens,
    refresh_ttl: dt.timedelta,
    throttle: LoginThrottle,
    client: str,
) -> Session:
    """A session for valid credentials of an enabled user; one refusal for every failure,
    so a caller cannot tell unknown names from wrong passwords. Throttled per account and
    per client (RateLimitedError before any hashing)."""
    async with throttle.attempt(conn.engine, username, client) as succeeded:
        user = await _check_password(conn, username, password)
        await succeeded()
    if needs_rehash(user.password_hash):
        await set_password_hash(conn, user.id, await hash_password_async(password))
    return await _open(conn, user, access, refresh_ttl)


async def _check_password(conn: AsyncConnection, username: str, password: str) -> User:
    user = await find_user(conn, username)
    matches = await verify_password_async(user.password_hash if user else None, password)
    if user is None or not matches or user.disabled_at is not None:
        raise SessionRefusedError("INVALID_CREDENTIALS")
    return user


async def change_password(  # noqa: PLR0913 -- keyword-only: as login, plus the new password
    conn: AsyncConnection,
    *,
    username: str,
    current: str,
    new: str,
    access: AccessTokens,
    refresh_ttl: dt.timedelta,
    throttle: LoginThrottle,
    client: str,
) -> Session:
    """The signed-in user's new password (the current one proves it is them, throttled as
    a login); every other session ends, and this caller gets a new one."""
    async with throttle.attempt(conn.engine, username, client) as succeeded:
        await _check_password(conn, username, current)
        await succeeded()
    user = await set_password(conn, username, new)  # UserInputError if the policy refuses
    return await _open(conn, user, access, refresh_ttl)


async def refresh(
    conn: AsyncConnection, *, token: str, access: AccessTokens, refresh_ttl: dt.timedelta
) -> Session:
    """A new session for a live refresh token of an enabled user; the token is spent."""
    found = (
        await conn.execute(
            select(refresh_token, user_account.c.username)
            .join(user_account, user_account.c.id == refresh_token.c.user_id)
            .where(refresh_token.c.token_hash == refresh_token_hash(token))
            .with_for_update(of=refresh_token)
        )
    ).first()
    if found is None:
        raise SessionRefusedError("INVALID_REFRESH_TOKEN")
    user = await find_user(conn, found.username)
    if user is None or user.disabled_at is not None:
        raise SessionRefusedError("INVALID_REFRESH_TOKEN")
    if found.used_at is not None:
        again = await _again(conn, found.used_at, user, access, _successor(access, token))
        if again is not None:
            return again
        await conn.execute(
            update(refresh_token)
            .where(refresh_token.c.user_id == found.user_id, refresh_token.c.used_at.is_(None))
            .values(used_at=func.now())
        )
        raise SessionRefusedError("INVALID_REFRESH_TOKEN")
    if found.expires_at <= dt.datetime.now(dt.UTC):
        raise SessionRefusedError("INVALID_REFRESH_TOKEN")
    await conn.execute(
        update(refresh_token).where(refresh_token.c.id == found.id).values(used_at=func.now())
    )
    return await _open(conn, user, access, refresh_ttl, _successor(access, token))


async def _again(
    conn: AsyncConnection, used_at: dt.datetime, user: User, access: AccessTokens, successor: str
) -> Session | None:
    """The session a token's first use opened, when the same token comes again within the
    grace and that session's refresh token is still unused and live; else None."""
    now = dt.datetime.now(dt.UTC)
    if now - used_at > REUSE_GRACE:
        return None
    live = (
        await conn.execute(
            select(refresh_token.c.expires_at)
            .where(
                refresh_token.c.token_hash == refresh_token_hash(successor),
                refresh_token.c.user_id == user.id,
                refresh_token.c.used_at.is_(None),
                refresh_token.c.expires_at > func.now(),
            )
            .with_for_update()
        )
    ).first()
    if live is None:
        return None
    # Two tabs or a lost answer, or a copy replayed at once: said in the log, for the audit.
    _log.warning(
        "refresh token of %s used again within %s: its successor answered",
        user.username,
        REUSE_GRACE,
    )
    issued = access.issue(user.identity, now=now, session_version=user.session_version)
    return Session(user, issued, successor, live.expires_at)


async def revoke(conn: AsyncConnection, *, token: str) -> None:
    """End a refresh token at sign-out: it expires now, so a later `refresh` with it is
    refused (as expired: a sign-out is no sign of a stolen token, so the user's other
    sessions stay)."""
    await conn.execute(
        update(refresh_token)
        .where(refresh_token.c.token_hash == refresh_token_hash(token))
        .values(expires_at=func.now())
    )
