"""Alembic environment of the assess schema."""

from services.assess.standard.tables import metadata
from services.common.migrations import run_env

run_env(metadata)
