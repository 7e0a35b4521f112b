"""The repository's cipher pass stays in `partygrid`'s own environment: the services the
supervisor starts never inherit it (the postmaster's side: tests/ops/test_backup.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

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
