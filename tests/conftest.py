"""Shared fixtures: a real PostGIS database and real service processes on 127.0.0.1.

The test cluster lives in `.data/test` (apart from `partygrid up`'s `.data`), so tests can
run while the suite is up. With DATABASE_URL set, tests use a `<name>_test` database there.
"""

from __future__ import annotations

import functools
import os
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx._transports.default as httpx_transports
import pytest
from sqlalchemy.engine import make_url

from infra.database import connect_admin, drop_database
from infra.demo.generate import generate
from infra.demo.model import Demo
from infra.locking import RunLock
from infra.settings import ROOT, SuiteSettings
from infra.setup import Prepared, database, private_cluster, token_keys
from stack import TEST_DATA_DIR, Running, started

# httpx builds a fresh TLS context for every client, so for every `httpx.post(...)`, loading
# certifi's bundle each time (~30 ms of CPU): thousands of times a run, for requests that are
# all plain HTTP to 127.0.0.1. The tests' clients with the default verification share one
# context instead (made the same way, by httpx, once per setting of trust_env).
_create_ssl_context = httpx_transports.create_ssl_context


@functools.cache
def _default_ssl_context(trust_env: bool) -> ssl.SSLContext:
    return _create_ssl_context(verify=True, cert=None, trust_env=trust_env)


def _shared_ssl_context(
    verify: ssl.SSLContext | str | bool = True, cert: object = None, trust_env: bool = True
) -> ssl.SSLContext:
    if verify is True and cert is None:
        return _default_ssl_context(trust_env)
    return _create_ssl_context(verify=verify, cert=cert, trust_env=trust_env)  # type: ignore[arg-type]


httpx_transports.create_ssl_context = _shared_ssl_context  # type: ignore[assignment]

TEST_DB = "partygrid_test"


def _test_settings() -> SuiteSettings:
    settings = SuiteSettings(data_dir=TEST_DATA_DIR, db_name=TEST_DB)
    if settings.database_url:
        # Never touch the configured database itself: use a sibling `<name>_test`.
        url = make_url(settings.database_url)
        test_url = url.set(database=f"{url.database}_test")
        with connect_admin(
            url.set(drivername="postgresql").render_as_string(hide_password=False),
            what="DATABASE_URL",
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{test_url.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{test_url.database}"')
        settings = settings.model_copy(
            update={"database_url": test_url.render_as_string(hide_password=False)}
        )
    return settings


@pytest.fixture(scope="session")
def suite_settings() -> SuiteSettings:
    return _test_settings()


@pytest.fixture(scope="session")
def prepared(suite_settings: SuiteSettings) -> Iterator[Prepared]:
    """A freshly created, migrated database holding the demo district."""
    with RunLock(suite_settings.data_dir):
        if not suite_settings.database_url:
            cluster = private_cluster(suite_settings)
            if cluster.running_pid() is not None:
                drop_database(cluster.conninfo(), TEST_DB)
            elif (cluster.data / "PG_VERSION").exists():
                cluster.start()
                drop_database(cluster.conninfo(), TEST_DB)
                cluster.stop()
        with database(suite_settings, fast_unsafe=True) as ready:
            yield ready


@pytest.fixture(scope="session")
def demo(suite_settings: SuiteSettings) -> Demo:
    """The same district the database was loaded with (the generator is deterministic)."""
    return generate(suite_settings.demo_seed)


@pytest.fixture(scope="session")
def service_urls(prepared: Prepared) -> dict[str, str]:
    """SQLAlchemy URLs of each service role."""
    return prepared.database.service_urls


@pytest.fixture(scope="session")
def running(
    prepared: Prepared, suite_settings: SuiteSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    """org, grid, assess and the gateway as real processes on free 127.0.0.1 ports."""
    keys = token_keys(suite_settings)
    # This process signs too (Running.post, composing from the running subgraphs).
    os.environ["PARTYGRID_INTERNAL_TOKEN_KEY"] = keys["internal"]
    with started(prepared.database, keys, tmp_path_factory.mktemp("logs")) as stack:
        yield stack


# The slow tier (README "Tests"): pages in headless Chromium, end-to-end walks through the
# started suite, property-based fuzzing and load-while-importing checks. Everything else is
# the fast tier. `./partygrid test` runs both; `--fast` or `--slow` runs one.
SLOW_TIER = (
    "tests/browser/",
    "tests/e2e/",
    "tests/fuzz/",
    "tests/ops/",
    "tests/gateway/auth/test_browser_sign_in.py",
    "tests/services/grid/transfer/test_import_phases.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        where = Path(item.path).relative_to(ROOT).as_posix()
        if where.startswith(SLOW_TIER):
            item.add_marker(pytest.mark.slow_tier)


def pytest_report_header() -> list[str]:
    where = "DATABASE_URL" if os.environ.get("DATABASE_URL") else str(TEST_DATA_DIR)
    return [f"partygrid test database: {where}"]
