"""Alembic environment of the grid schema."""

from services.common.migrations import run_env
from services.grid.models import metadata

run_env(metadata)
