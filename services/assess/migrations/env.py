"""Alembic environment of the assess schema."""

from services.assess.all_tables import metadata
from services.common.migrations import run_env

run_env(metadata)
