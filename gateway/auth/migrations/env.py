"""Alembic environment of the auth schema."""

from gateway.auth.models import metadata
from services.common.migrations import run_env

run_env(metadata)
