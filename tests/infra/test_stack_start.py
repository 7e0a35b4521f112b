"""A process of the stack that fails at start stops the start with its name and the cause
from its log, and leaves nothing running (infra/stack.py, the one way the suite starts)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from infra.errors import SetupError
from infra.settings import SuiteSettings
from infra.setup import Prepared, token_keys
from infra.stack import PROCESSES, services
from infra.supervisor import free_port


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_a_process_that_exits_at_start_is_named_with_the_cause_from_its_log(
    prepared: Prepared, suite_settings: SuiteSettings, tmp_path: Path
) -> None:
    # A Tianditu base map without its key: the gateway refuses to start. The reason sits in
    # the middle of the traceback; the log's last line is pydantic's "further information".
    broken = {"gateway": {"PARTYGRID_GATEWAY_BASEMAP_KIND": "tianditu"}}
    ports = {name: free_port() for name in PROCESSES}
    with (
        pytest.raises(SetupError) as stopped,
        services(prepared.database, token_keys(suite_settings), tmp_path, ports=ports, env=broken),
    ):
        pytest.fail("the stack must not come up with a broken gateway")
    assert stopped.value.cause.startswith("gateway exited at start")
    assert "needs PARTYGRID_GATEWAY_BASEMAP_TIANDITU_KEY" in stopped.value.cause
    assert str(tmp_path / "gateway.log") in stopped.value.fix
    assert not [port for port in ports.values() if _listening(port)]
