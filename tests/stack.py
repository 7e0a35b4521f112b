"""The processes a test session runs, as the tests see them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
from sqlalchemy import Connection, create_engine, pool

from infra.database import create_database, drop_database
from infra.supervisor import Supervisor


@dataclass(frozen=True)
class Running:
    """GraphQL URLs of the processes started for the session."""

    subgraphs: dict[str, str]
    gateway: str
    supervisor: Supervisor

    def post(self, url: str, query: str, variables: dict | None = None) -> dict:
        response = httpx.post(url, json={"query": query, "variables": variables}, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()


@contextlib.contextmanager
def rolled_back(url: str) -> Iterator[Connection]:
    """A connection as one service role whose changes are rolled back at the end."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            transaction = conn.begin()
            yield conn
            transaction.rollback()
    finally:
        engine.dispose()


@contextlib.contextmanager
def scratch_database(admin_conninfo: str, name: str) -> Iterator[str]:
    """A brand-new empty database on the test server (reached through any admin connection),
    dropped afterwards; yields its name."""
    drop_database(admin_conninfo, name)
    create_database(admin_conninfo, name)
    try:
        yield name
    finally:
        drop_database(admin_conninfo, name)
