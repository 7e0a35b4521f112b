"""The processes a test session runs, as the tests see them."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
from sqlalchemy import Connection, create_engine, pool

from gateway.auth.tokens import AccessTokens
from infra.database import Database, create_database, drop_database
from infra.settings import ROOT
from infra.stack import services
from infra.supervisor import Supervisor
from services.common.auth import Identity, Role
from services.common.auth_tokens import InternalTokens

# Parallel checkouts or workers can each have their own test cluster.
TEST_DATA_DIR = Path(os.environ.get("PARTYGRID_TEST_DATA_DIR", ROOT / ".data" / "test"))

# The demo district's code: tests that do not care about auth act for its 区委组织部.
DISTRICT = Identity("test-district", Role.DISTRICT, "410104")


@dataclass(frozen=True)
class Running:
    """GraphQL URLs of the processes started for the session, and the session's keys."""

    subgraphs: dict[str, str]
    gateway: str
    supervisor: Supervisor
    keys: dict[str, str] = field(default_factory=dict)  # "internal" and "access"

    def headers(self, url: str, identity: Identity | None) -> dict[str, str]:
        """What a caller sends: to the gateway an access token (Authorization: Bearer), to a
        subgraph the internal token the gateway would sign. None: nothing (anonymous)."""
        if identity is None:
            return {}
        if url == self.gateway:
            access = AccessTokens(self.keys["access"], ttl=dt.timedelta(minutes=5))
            return {"authorization": f"Bearer {access.issue(identity).token}"}
        return InternalTokens(self.keys["internal"], issuer="tests").headers(identity)

    def raw_post(
        self, url: str, query: str, variables: dict | None = None, *, identity: Identity | None
    ) -> httpx.Response:
        """POST as `identity` and return the HTTP response, whatever its status."""
        return httpx.post(
            url,
            json={"query": query, "variables": variables},
            headers=self.headers(url, identity),
            timeout=30,
        )

    def upload(
        self,
        kind: str,
        data: bytes,
        name: str,
        identity: Identity | None,
        key: str | None = None,
        **params: str,
    ) -> httpx.Response:
        """POST a file to the gateway's `/imports/{kind}` as `identity` (with an
        Idempotency-Key when `key`), whatever the answer's status."""
        headers = {
            **self.headers(self.gateway, identity),
            "content-type": "application/octet-stream",
            "x-partygrid-filename": quote(name),  # headers are ASCII: UTF-8, %-encoded
            **({"idempotency-key": key} if key else {}),
        }
        return httpx.post(
            f"{self.gateway.removesuffix('/graphql')}/imports/{kind}",
            content=data,
            headers=headers,
            params=params,
            timeout=60,
        )

    def post(
        self,
        url: str,
        query: str,
        variables: dict | None = None,
        *,
        identity: Identity | None = DISTRICT,
    ) -> dict:
        """POST as `identity` (the district by default) and expect HTTP 200."""
        response = self.raw_post(url, query, variables, identity=identity)
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


# How often the suite's gateway reloads session versions (PARTYGRID_AUTH_SESSION_CHECK_SECONDS).
SESSION_CHECK_SECONDS = 0.2


@contextlib.contextmanager
def started(database: Database, keys: dict[str, str], logs: Path) -> Iterator[Running]:
    """org, grid, assess and the gateway on `database`, as real processes on free 127.0.0.1
    ports; all stopped at the end. The gateway reloads users' session versions every 0.2 s
    (the product's default is 2 s): tests that end a session see it refused that much sooner,
    and the table of users is small."""
    env = {"gateway": {"PARTYGRID_AUTH_SESSION_CHECK_SECONDS": str(SESSION_CHECK_SECONDS)}}
    with services(database, keys, logs, env=env) as stack:
        yield Running(stack.subgraphs, stack.gateway, stack.supervisor, keys)
