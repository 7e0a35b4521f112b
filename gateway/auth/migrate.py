"""Alembic for the auth schema, driven from code like the services' histories."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from gateway.auth.models import SCHEMA

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """Config for `gateway/auth/migrations`, connecting as the auth role."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["schema"] = SCHEMA
    return config


def upgrade_auth(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade_auth(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
