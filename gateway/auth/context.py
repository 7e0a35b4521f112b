"""What the auth subgraph's resolvers receive: the common context, plus the sign-in
resources `app.py` makes once per process (the access-token signer, the refresh tokens'
lifetime and the sign-in throttle)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import strawberry

from gateway.auth.throttle import LoginThrottle
from gateway.auth.tokens import AccessTokens
from services.common.context import SubgraphContext


@dataclass(kw_only=True)
class AuthContext(SubgraphContext):
    access_tokens: AccessTokens | None  # None: no access key configured, nobody can log in
    refresh_ttl: dt.timedelta
    throttle: LoginThrottle


Info = strawberry.Info[AuthContext]
