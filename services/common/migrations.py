"""Alembic, one history per service schema, driven from code (no alembic.ini needed)."""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, pool, text


def alembic_config(service: str, url: str) -> Config:
    """Config for `services/<service>/migrations`, connecting with the service's own role."""
    package = importlib.import_module(f"services.{service}")
    assert package.__file__ is not None  # a regular package (with __init__.py), not a namespace
    location = Path(package.__file__).resolve().parent / "migrations"
    config = Config()
    config.set_main_option("script_location", str(location))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["schema"] = service
    return config


def upgrade(service: str, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, url), revision)


def downgrade(service: str, url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(service, url), revision)


def run_env(metadata: MetaData) -> None:
    """Body of each service's env.py: online migrations inside the service's schema."""
    config = context.config
    schema: str = config.attributes["schema"]
    # SQLAlchemy takes the first connection's schema as "the default" and reports it as
    # None; starting in `public` keeps the service schema named, so autogenerate compares it.
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None  # alembic_config always sets it
    engine = create_engine(
        url,
        poolclass=pool.NullPool,
        connect_args={"options": "-c search_path=public"},
    )
    with engine.connect() as connection:
        # Unqualified names in migration SQL (functions, triggers) land in the service schema.
        connection.execute(text(f'SET search_path TO "{schema}", public'))
        connection.commit()
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            include_schemas=True,
            include_name=lambda name, type_, _parent: type_ != "schema" or name == schema,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
