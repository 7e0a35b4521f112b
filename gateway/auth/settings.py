"""Settings of the gateway's auth subgraph, from `PARTYGRID_AUTH_*` (and the shared keys)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.auth.tokens import AccessTokens

# The URL the supergraph names for this subgraph; the gateway answers it in-process, so it
# never reaches the network (".invalid" cannot resolve, RFC 2606).
AUTH_URL = "http://auth.partygrid.invalid/graphql"


class AuthSettings(BaseSettings):
    """`database_url`: the auth role's own URL (set by the supervisor). Token lifetimes in
    seconds: access tokens are short (a disabled user keeps access at most that long);
    refresh tokens longer, each used once. `access_token_key` comes from
    `PARTYGRID_ACCESS_TOKEN_KEY` (the gateway's alone); unset, nobody can log in.

    Sign-in throttling (`throttle.py`): an account may fail `login_account_free_failures`
    times, a client address `login_client_free_failures` times, before each further
    attempt waits `login_backoff_seconds` doubled per failure, at most
    `login_backoff_max_seconds`. `session_check_seconds`: how often the gateway reloads
    users' session versions (a disabled user or changed password ends sessions that soon)."""

    model_config = SettingsConfigDict(env_prefix="PARTYGRID_AUTH_", extra="ignore")

    database_url: str = "postgresql+psycopg:///partygrid"
    pool_size: int = 2
    access_ttl: int = Field(default=900, gt=0)
    refresh_ttl: int = Field(default=7 * 24 * 3600, gt=0)
    login_account_free_failures: int = Field(default=5, ge=1)
    login_client_free_failures: int = Field(default=20, ge=1)
    login_backoff_seconds: float = Field(default=30.0, gt=0)
    login_backoff_max_seconds: float = Field(default=900.0, gt=0)
    session_check_seconds: float = Field(default=2.0, gt=0, le=5)
    access_token_key: SecretStr | None = Field(
        default=None, validation_alias="PARTYGRID_ACCESS_TOKEN_KEY"
    )


def access_tokens(settings: AuthSettings) -> AccessTokens | None:
    """The signer and checker of users' access tokens; None without a key (no logins)."""
    if settings.access_token_key is None:
        return None
    return AccessTokens(
        settings.access_token_key.get_secret_value(), ttl=dt.timedelta(seconds=settings.access_ttl)
    )
