"""Alembic environment of the org schema."""

from services.common.migrations import run_env
from services.org.models import metadata

run_env(metadata)
