"""Settings shared by every subgraph; each service subclasses with its own env prefix."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Where a subgraph listens and which database role it uses.

    `database_url` is the service's own role (e.g. `partygrid_org`), never an admin login:
    a service's role can touch only its schema.
    """

    model_config = SettingsConfigDict(env_prefix="PARTYGRID_SERVICE_", extra="ignore")

    database_url: str = "postgresql+psycopg:///partygrid"
    host: str = "127.0.0.1"
    port: int = 4001
    pool_size: int = 5


class InternalTokenSettings(BaseSettings):
    """The key every process of the suite signs and checks internal tokens with.

    One variable for all (`PARTYGRID_INTERNAL_TOKEN_KEY`), made once per data folder by the
    setup. Unset, a subgraph refuses every GraphQL call (it fails closed).
    """

    model_config = SettingsConfigDict(env_prefix="PARTYGRID_", extra="ignore")

    internal_token_key: SecretStr | None = None
    internal_token_ttl: int = 60
