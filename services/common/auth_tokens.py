"""The internal token: a short-lived JWT (HS256) the gateway, or a service calling another,
signs with the suite's internal key, carrying the caller's name, role and region node.

Subgraphs trust nothing else (ARCHITECTURE "Security"). The key is made once per data folder
at setup and reaches the processes as `PARTYGRID_INTERNAL_TOKEN_KEY`; it is never logged.
Users' access tokens are signed with another key and audience, so neither passes for the other.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import jwt

from services.common.auth import (
    ANONYMOUS,
    Identity,
    Role,
    current_identity,
    is_region_code,
    service_identity,
)
from services.common.settings import InternalTokenSettings

HEADER = "partygrid-identity"
AUDIENCE = "partygrid-subgraphs"
ALGORITHM = "HS256"
TTL_SECONDS = 60
LEEWAY_SECONDS = 5  # clocks of one machine (or one deployment) agree this closely
ANONYMOUS_ROLE = "anonymous"
_CACHED = 4096
log = logging.getLogger("partygrid.auth")


class InvalidInternalTokenError(Exception):
    """Expired, forged, malformed or for someone else; `reason` is safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Minted:
    token: str
    refresh_at: float


class InternalTokens:
    """Signs and verifies internal tokens with one key; both sides cache (a caller sends the
    same few identities again and again, and each JWT operation costs tens of µs)."""

    def __init__(self, key: str, *, issuer: str, ttl: int = TTL_SECONDS) -> None:
        if len(key) < 32:
            raise ValueError("the internal token key must be at least 32 characters")
        self._key = key
        self._issuer = issuer
        self._ttl = ttl
        self._minted: dict[Identity, _Minted] = {}
        self._verified: dict[str, tuple[Identity, float]] = {}

    def mint(self, identity: Identity) -> str:
        """A token for `identity`, reused until half its life is gone."""
        now = time.time()
        found = self._minted.get(identity)
        if found is not None and now < found.refresh_at:
            return found.token
        claims = {
            "iss": self._issuer,
            "aud": AUDIENCE,
            "sub": identity.subject,
            "role": identity.role.value if identity.role else ANONYMOUS_ROLE,
            "region": identity.region,
            "iat": int(now),
            "exp": int(now) + self._ttl,
        }
        token = jwt.encode(claims, self._key, algorithm=ALGORITHM)
        if len(self._minted) >= _CACHED:
            self._minted.clear()
        self._minted[identity] = _Minted(token, now + self._ttl / 2)
        return token

    def headers(self, identity: Identity) -> dict[str, str]:
        return {HEADER: self.mint(identity)}

    def verify(self, token: str) -> Identity:
        """The identity a token carries; raise InvalidInternalTokenError otherwise."""
        now = time.time()
        cached = self._verified.get(token)
        if cached is not None and now < cached[1]:
            return cached[0]
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "aud", "sub", "role", "region"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidInternalTokenError("expired") from exc
        except jwt.InvalidSignatureError as exc:
            raise InvalidInternalTokenError("bad signature") from exc
        except jwt.PyJWTError as exc:
            raise InvalidInternalTokenError(type(exc).__name__) from exc
        identity = _identity(claims)
        if len(self._verified) >= _CACHED:
            self._verified.clear()
        self._verified[token] = (identity, float(claims["exp"]) + LEEWAY_SECONDS)
        return identity


def outgoing_headers(tokens: InternalTokens | None, service: str) -> dict[str, str]:
    """Headers of a call from `service` to another subgraph: the token of the caller of the
    request being served, so the other side applies that caller's scope (no key: none, and
    the call is refused). Outside any guarded request (the CLI, startup work) nobody has
    logged in: the service asks as itself; inside one, the guard has refused anonymous
    callers already (/graphql and tiles alike)."""
    if tokens is None:
        return {}
    identity = current_identity()
    if identity.anonymous:
        identity = service_identity(service)
    return tokens.headers(identity)


def _identity(claims: dict) -> Identity:
    role_name, region, subject = claims["role"], claims["region"], claims["sub"]
    if not (isinstance(role_name, str) and isinstance(region, str) and isinstance(subject, str)):
        raise InvalidInternalTokenError("malformed claims")
    if role_name == ANONYMOUS_ROLE:
        return ANONYMOUS
    try:
        role = Role(role_name)
    except ValueError as exc:
        raise InvalidInternalTokenError("unknown role") from exc
    # Only the service principal may hold the whole tree; a user's node is a region code.
    if role is not Role.SERVICE and not is_region_code(region):
        raise InvalidInternalTokenError("malformed region")
    return Identity(subject=subject, role=role, region=region)


def internal_tokens(
    name: str, settings: InternalTokenSettings | None = None
) -> InternalTokens | None:
    """This process's signer and checker of internal tokens; None when no key is set."""
    settings = settings or InternalTokenSettings()
    if settings.internal_token_key is None:
        log.warning("%s: PARTYGRID_INTERNAL_TOKEN_KEY is unset; /graphql refuses every call", name)
        return None
    key = settings.internal_token_key.get_secret_value()
    return InternalTokens(key, issuer=name, ttl=settings.internal_token_ttl)
