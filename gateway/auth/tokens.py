"""Users' tokens: a short-lived access JWT (HS256, the access key) and an opaque refresh
token (random, stored only as its SHA-256, used once).

The access key is the gateway's alone (`PARTYGRID_ACCESS_TOKEN_KEY`) and differs from the
internal key, and the audience differs too: an access token never passes as an internal one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import jwt

from services.common.auth import USER_ROLES, Identity, Role, is_region_code

ISSUER = "partygrid"
AUDIENCE = "partygrid-api"
ALGORITHM = "HS256"
LEEWAY_SECONDS = 5


class InvalidAccessTokenError(Exception):
    """The bearer token is unusable; `code` is what the client sees."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code  # TOKEN_EXPIRED or TOKEN_INVALID
        self.reason = reason


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_at: dt.datetime


class AccessTokens:
    def __init__(self, key: str, *, ttl: dt.timedelta) -> None:
        if len(key) < 32:
            raise ValueError("the access token key must be at least 32 characters")
        self._key = key
        self.ttl = ttl

    def issue(
        self,
        identity: Identity,
        *,
        now: dt.datetime | None = None,
        session_version: int | None = None,
    ) -> AccessToken:
        """A token for `identity`; `session_version` (claim `sv`) ties it to the user's
        sessions: tokens the login issues carry it, and the gateway refuses them once the
        user's version has moved on (password changed, user disabled)."""
        assert identity.role in USER_ROLES, "access tokens are for users"
        now = now or dt.datetime.now(dt.UTC)
        expires = now + self.ttl
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": identity.subject,
            "role": identity.role.value,
            "region": identity.region,
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
        }
        if session_version is not None:
            claims["sv"] = session_version
        return AccessToken(jwt.encode(claims, self._key, algorithm=ALGORITHM), expires)

    def verify(self, token: str) -> Identity:
        return self.verify_session(token)[0]

    def verify_session(self, token: str) -> tuple[Identity, int | None]:
        """The token's identity and session version (None: it carries none)."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "aud", "iss", "sub", "role", "region"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidAccessTokenError("TOKEN_EXPIRED", "expired") from exc
        except jwt.PyJWTError as exc:
            raise InvalidAccessTokenError("TOKEN_INVALID", type(exc).__name__) from exc
        try:
            role = Role(claims["role"])
        except (ValueError, TypeError) as exc:
            raise InvalidAccessTokenError("TOKEN_INVALID", "unknown role") from exc
        region, subject = claims["region"], claims["sub"]
        if role not in USER_ROLES or not isinstance(subject, str):
            raise InvalidAccessTokenError("TOKEN_INVALID", "not a user")
        if not (isinstance(region, str) and is_region_code(region)):
            raise InvalidAccessTokenError("TOKEN_INVALID", "malformed region")
        version = claims.get("sv")
        if version is not None and (type(version) is not int):
            raise InvalidAccessTokenError("TOKEN_INVALID", "malformed session version")
        return Identity(subject=subject, role=role, region=region), version

    def mac(self, purpose: str, message: str) -> str:
        """An HMAC of `message` under a key derived from the access key for `purpose`
        (the sign-in form's CSRF token): never usable as a token signature."""
        key = hmac.new(self._key.encode(), purpose.encode(), hashlib.sha256).digest()
        return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def refresh_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
