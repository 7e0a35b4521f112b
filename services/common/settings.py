"""Settings shared by every subgraph; each service subclasses with its own env prefix."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from services.common.errors import DomainError


class ServiceSettings(BaseSettings):
    """Where a subgraph listens and which database role it uses.

    `database_url` is the service's own role (e.g. `partygrid_org`), never an admin login:
    a service's role can touch only its schema. `read_database_url`, when set, is the same
    role on a streaming replica: heavy reads go there (`services.common.replica`) while it is
    at most `read_max_lag_seconds` behind; a read after its caller's own write waits up to
    `read_after_wait_ms` for the replica to replay it, else runs on the primary.
    """

    model_config = SettingsConfigDict(env_prefix="PARTYGRID_SERVICE_", extra="ignore")

    database_url: str = "postgresql+psycopg:///partygrid"
    host: str = "127.0.0.1"
    port: int = 4001
    pool_size: int = 5
    read_database_url: str | None = None
    read_max_lag_seconds: float = Field(default=30.0, gt=0)
    read_after_wait_ms: int = Field(default=100, ge=0, le=5000)


class InternalTokenSettings(BaseSettings):
    """The key every process of the suite signs and checks internal tokens with.

    One variable for all (`PARTYGRID_INTERNAL_TOKEN_KEY`), made once per data folder by the
    setup. Unset, a subgraph refuses every GraphQL call (it fails closed).
    """

    model_config = SettingsConfigDict(env_prefix="PARTYGRID_", extra="ignore")

    internal_token_key: SecretStr | None = None
    internal_token_ttl: int = 60


DEFAULT_MAX_IMPORT_BYTES = 50 * 1024 * 1024  # issue 13: uploads of real size, at least 50 MB


class ImportSettings(BaseSettings):
    """The one cap on a file imported (`POST /imports/{kind}`, grid's file reader), read by
    org, grid and, as its default, the gateway: `PARTYGRID_MAX_IMPORT_BYTES` (50 MiB)."""

    model_config = SettingsConfigDict(env_prefix="PARTYGRID_", extra="ignore")

    max_import_bytes: int = Field(default=DEFAULT_MAX_IMPORT_BYTES, gt=0)


@functools.cache
def max_import_bytes() -> int:
    """The import cap of this process (its environment is read once)."""
    return ImportSettings().max_import_bytes


def import_too_large(field: str = "file") -> DomainError:
    """The refusal of a file over the import cap, the same from every route and the CLI."""
    from services.common.errors import invalid  # strawberry: not for every settings reader

    mb = f"{max_import_bytes() / 2**20:g}"
    return invalid(f"文件过大（上限 {mb} MB）", f"The file is over {mb} MB", [field])
