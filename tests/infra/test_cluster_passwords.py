"""The private cluster asks every role for its password: its socket trusts nobody.

A local user who reaches the socket (or a process of ours that was not given a password)
must be refused, the superuser included; a cluster made by an earlier version, which trusted
its socket, is upgraded on its next start."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from infra.cluster import SOCKET_PORT, Cluster, cluster_root, cluster_user, find_bindir
from infra.database import role_of
from infra.settings import SERVICES, SuiteSettings
from infra.setup import Prepared, private_cluster

TRUSTING_HBA = "local all all trust\n"  # what initdb --auth-local=trust wrote before


def _without_password(cluster: Cluster, user: str, database: str) -> str:
    return f"host={cluster.socket_dir} port={SOCKET_PORT} user={user} dbname={database}"


def _refused(conninfo: str) -> bool:
    """True when the server refuses the sign-in for want of the right password."""
    try:
        with psycopg.connect(conninfo, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as exc:
        return "password" in str(exc)
    return False


@pytest.mark.parametrize("user", ["postgres", *(role_of(s) for s in (*SERVICES, "auth"))])
def test_no_role_signs_in_without_its_password(
    prepared: Prepared, suite_settings: SuiteSettings, user: str
) -> None:
    if suite_settings.database_url:
        pytest.skip("the private cluster is not in use (DATABASE_URL)")
    cluster = private_cluster(suite_settings)
    assert _refused(_without_password(cluster, user, suite_settings.db_name)), user
    assert _refused(_without_password(cluster, user, suite_settings.db_name) + " password=x")
    with psycopg.connect(cluster.conninfo(user=user, database=suite_settings.db_name)) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (user,)


def test_the_passwords_are_owner_only_files(
    prepared: Prepared, suite_settings: SuiteSettings
) -> None:
    if suite_settings.database_url:
        pytest.skip("the private cluster is not in use (DATABASE_URL)")
    cluster = private_cluster(suite_settings)
    for name in ("admin-password", "role-password"):
        path = cluster.root / name
        assert path.stat().st_mode & 0o777 == 0o600, name
        assert len(path.read_text().strip()) >= 24


def test_a_cluster_that_trusted_its_socket_is_upgraded_on_start(tmp_path: Path) -> None:
    user = cluster_user()
    cluster = Cluster(cluster_root(tmp_path, user), find_bindir(None), user, fast_unsafe=True)
    cluster.initialize()
    (cluster.data / "pg_hba.conf").write_text(TRUSTING_HBA)  # as an earlier version left it
    try:
        cluster.start()
        hba = (cluster.data / "pg_hba.conf").read_text()
        methods = {line.split()[-1] for line in hba.splitlines() if line.strip()[:1] not in "#"}
        assert methods == {"scram-sha-256"}, hba
        assert _refused(_without_password(cluster, "postgres", "postgres"))
        with psycopg.connect(cluster.conninfo()) as conn:
            assert conn.execute("SELECT current_user").fetchone() == ("postgres",)
    finally:
        cluster.stop()
        if cluster.root != tmp_path / "pg":
            shutil.rmtree(cluster.root, ignore_errors=True)
