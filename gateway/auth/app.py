"""The auth subgraph as an ASGI app. The gateway serves it in-process (`gate.py` mounts it
on httpx as `AUTH_URL`); `uvicorn gateway.auth.app:create_app --factory` serves it alone
(for a stand-in gateway such as Hive Gateway). Like every subgraph, it needs the internal
token; unlike the others it serves callers who have not logged in (they come to log in)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette

from gateway.auth.context import AuthContext
from gateway.auth.schema import schema
from gateway.auth.settings import (  # noqa: F401 -- AUTH_URL, access_tokens re-exported
    AUTH_URL,
    AuthSettings,
    access_tokens,
)
from gateway.auth.throttle import LoginThrottle, throttle_secret
from services.common.app import create_subgraph_app
from services.common.auth_tokens import InternalTokens
from services.common.settings import ServiceSettings

NAME = "auth"


def create_app(
    settings: AuthSettings | None = None, tokens: InternalTokens | None = None
) -> Starlette:
    settings = settings or AuthSettings()

    @contextlib.asynccontextmanager
    async def resources() -> AsyncIterator[dict[str, Any]]:
        key = settings.access_token_key
        yield {
            "access_tokens": access_tokens(settings),
            "refresh_ttl": dt.timedelta(seconds=settings.refresh_ttl),
            "throttle": LoginThrottle(
                account_free=settings.login_account_free_failures,
                client_free=settings.login_client_free_failures,
                base=settings.login_backoff_seconds,
                cap=settings.login_backoff_max_seconds,
                # Keys the hashes the failures are counted under (throttle.py); without an
                # access key nobody can log in, so nothing is counted either.
                secret=throttle_secret(key.get_secret_value().encode() if key else b""),
            ),
        }

    return create_subgraph_app(
        name=NAME,
        schema=schema,
        settings=ServiceSettings(database_url=settings.database_url, pool_size=settings.pool_size),
        context_type=AuthContext,
        resources=resources,
        tokens=tokens,
        allow_anonymous=True,
        idempotent_writes=False,  # sign-in answers hold tokens: never stored for a replay
    )
