"""DATABASE_URL points set-up at another PostgreSQL with PostGIS instead of the private cluster."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from infra.database import role_of
from infra.settings import SERVICES
from infra.setup import Prepared
from stack import scratch_database

EXTERNAL_DB = "partygrid_external_test"


@pytest.fixture
def external_url(prepared: Prepared) -> Iterator[str]:
    if prepared.cluster is None:
        pytest.skip("already running against DATABASE_URL: the whole suite covers that path")
    cluster = prepared.cluster
    with scratch_database(cluster.conninfo(), EXTERNAL_DB):
        password = quote(cluster.admin_password, safe="")
        yield f"postgresql://postgres:{password}@/{EXTERNAL_DB}?host={cluster.socket_dir}&port=5432"


def test_setup_against_database_url_past_a_stale_lock_file(
    external_url: str, tmp_path: Path, prepared: Prepared
) -> None:
    # Roles are cluster-wide: keep the password the session's services sign in with.
    assert prepared.cluster is not None
    role_secret = prepared.cluster.role_password
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTYGRID_")}
    env |= {
        "DATABASE_URL": external_url,
        "PARTYGRID_DATA_DIR": str(tmp_path),
        "PARTYGRID_ROLE_PASSWORD": role_secret,
        "PARTYGRID_DEMO": "false",
    }
    # A lock file left by a run that was killed names a dead pid: it must not block us.
    (tmp_path / "partygrid.lock").write_text("999999\n")
    done = subprocess.run(
        [sys.executable, "-m", "infra.cli", "setup"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert role_secret not in done.stdout + done.stderr
    assert not (tmp_path / "pg").exists(), "no private cluster with DATABASE_URL"
    with psycopg.connect(external_url) as conn:
        for service in SERVICES:
            owner = conn.execute(
                "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = %s", (service,)
            ).fetchone()[0]
            assert owner == role_of(service)
            version = conn.execute(f"SELECT version_num FROM {service}.alembic_version").fetchone()[
                0
            ]
            assert version.startswith(service)
        assert (
            conn.execute("SELECT count(*) FROM org.region").fetchone()[0] == 0
        )  # PARTYGRID_DEMO=false
        assert conn.execute("SELECT count(*) FROM assess.indicator").fetchone()[0] > 0
