"""Settings of the supervisor (`partygrid up` / `partygrid test`), from the environment."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("org", "grid", "assess")
AUTH_SCHEMA = "auth"  # users and refresh tokens, owned by the gateway (gateway/auth)


class SuiteSettings(BaseSettings):
    """Everything `partygrid up` needs; each field is an environment variable."""

    model_config = SettingsConfigDict(env_prefix="PARTYGRID_", extra="ignore")

    # Where the private cluster, locks and logs live (ignored by git).
    data_dir: Path = ROOT / ".data"
    # An admin URL of another PostgreSQL with PostGIS; unset means the private cluster.
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    db_name: str = "partygrid"
    # Password given to the per-service roles on an external server (the private cluster
    # keeps passwords of its own in its folder: `infra.cluster`).
    role_password: str | None = None
    # Signing keys (made once per data folder when unset; never logged): internal tokens
    # between the gateway and subgraphs, and users' access tokens.
    internal_token_key: str | None = None
    access_token_key: str | None = None
    pg_bindir: Path | None = None
    # Who runs the private cluster and the services when we are root (never root itself).
    pg_user: str = "postgres"
    install_missing: bool = True  # apt-get install PostGIS when missing and root
    host: str = "127.0.0.1"
    gateway_port: int = 4000
    org_port: int = 4001
    grid_port: int = 4002
    assess_port: int = 4003
    # Worker processes per service (uvicorn --workers): the supervisor reads each from the
    # service's own environment, PARTYGRID_<NAME>_WORKERS (README "Workers").
    gateway_workers: int = Field(default=1, ge=1)
    org_workers: int = Field(default=1, ge=1)
    grid_workers: int = Field(default=1, ge=1)
    assess_workers: int = Field(default=1, ge=1)
    demo: bool = True  # load the demo district into an empty database
    demo_seed: int = 2020
    start_timeout: float = 60.0
    # Backups (pgBackRest, infra/backup.py): the repository folder (default
    # `<data_dir>/backups`; put it on another disk), how many full backups to keep (older ones
    # expire with their WAL), an optional passphrase that encrypts the repository (without it
    # an encrypted repository cannot be read: keep it off this machine too), and continuous WAL
    # archiving of the private cluster (the point-in-time part of a restore).
    backup_repo: Path | None = None
    backup_retention_full: int = Field(default=2, ge=1)
    backup_cipher_pass: SecretStr | None = None
    archive: bool = True

    def port_of(self, name: str) -> int:
        return int(getattr(self, f"{name}_port"))

    @property
    def backup_folder(self) -> Path:
        return self.backup_repo or self.data_dir / "backups"
