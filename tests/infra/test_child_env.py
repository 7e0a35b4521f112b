"""The repository's cipher pass stays in `partygrid`'s own environment: the services the
supervisor starts never inherit it (the postmaster's side: tests/ops/test_backup.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra.cluster import Cluster, cluster_root, cluster_user, find_bindir
from infra.settings import SuiteSettings
from infra.setup import Prepared, token_keys
from infra.supervisor import Supervisor, free_port, service_env

CIPHER = "a-cipher-pass-no-child-may-see"


def environ_of(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(p.decode(errors="replace").split("=", 1) for p in pairs if b"=" in p)


def test_a_service_never_inherits_the_backup_cipher_pass(
    prepared: Prepared,
    suite_settings: SuiteSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PARTYGRID_BACKUP_CIPHER_PASS", CIPHER)
    port = free_port()
    supervisor = Supervisor("127.0.0.1", tmp_path)
    env = service_env(
        "org", prepared.database.service_urls["org"], port, {}, keys=token_keys(suite_settings)
    )
    service = supervisor.start("org", port, env)
    try:
        supervisor.wait_healthy(60)  # exec'd: /proc shows the service's own environment
        assert service.process is not None
        seen = environ_of(service.process.pid)
    finally:
        supervisor.stop_all()
    assert seen["PARTYGRID_ORG_PORT"] == str(port)  # read the right process
    assert "PARTYGRID_BACKUP_CIPHER_PASS" not in seen


def test_postgresql_inherits_none_of_our_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The postmaster (started by `Cluster._run`, as are pgBackRest and the client programs a
    restore runs) runs as the cluster's user: an admin URL, a role password or a signing key in
    its environment could be read by any process of that user."""
    secrets = {
        "DATABASE_URL": "postgresql://admin:an-admin-password@db.example/partygrid",
        "PARTYGRID_ROLE_PASSWORD": "a-role-password",
        "PARTYGRID_ACCESS_TOKEN_KEY": "an-access-token-key",
        "PARTYGRID_ORG_DATABASE_URL": "postgresql://org:an-org-password@db.example/partygrid",
        "PARTYGRID_BACKUP_CIPHER_PASS": CIPHER,
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    user = cluster_user()
    cluster = Cluster(cluster_root(tmp_path, user), find_bindir(None), user, fast_unsafe=True)
    cluster.initialize()
    try:
        cluster.start()
        pid = cluster.running_pid()
        assert pid is not None
        seen = environ_of(pid)
    finally:
        cluster.stop()
        if cluster.root != tmp_path / "pg":
            shutil.rmtree(cluster.root, ignore_errors=True)
    assert "PATH" in seen  # read the right process
    assert not set(secrets) & set(seen), sorted(set(secrets) & set(seen))
