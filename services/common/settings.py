"""Settings shared by every subgraph; each service subclasses with its own env prefix."""

from __future__ import annotations

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
