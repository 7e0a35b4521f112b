"""README command 1, as a user runs it: from an empty data folder to the printed URLs,
the cross-service query through them, and a clean stop that leaves no process behind."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from infra.cluster import fallback_root
from infra.demo.model import Demo
from infra.demo.users import PASSWORD_FILE
from infra.settings import ROOT
from infra.supervisor import free_port

Fresh = tuple[dict[str, str], dict[str, int]]  # environment, ports

QUERY = """query ($code: String!) {
  community(code: $code) { name organization { name } zones { name buildings { name } } }
}"""


LOGIN = """mutation ($u: String!, $p: String!) { login(username: $u, password: $p) {
  session { accessToken } errors { code } } }"""


def _signed_in(graphql: str, data_dir: Path) -> dict[str, str]:
    """A demo account's bearer header (its password is kept in the data folder)."""
    password = (data_dir / PASSWORD_FILE).read_text().strip()
    body = httpx.post(
        graphql,
        json={"query": LOGIN, "variables": {"u": "demo-district", "p": password}},
        timeout=30,
    ).json()
    return {"authorization": f"Bearer {body['data']['login']['session']['accessToken']}"}


def _env(data_dir: Path, ports: dict[str, int]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTYGRID_")}
    env.pop("DATABASE_URL", None)
    env["PARTYGRID_DATA_DIR"] = str(data_dir)
    env.update({f"PARTYGRID_{name.upper()}_PORT": str(port) for name, port in ports.items()})
    return env


class Up:
    """`./partygrid up` in the background, read until it prints its URLs."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [str(ROOT / "partygrid"), "up"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []

    def wait_ready(self, timeout: float = 180) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.lines.append(line.rstrip())
            if "Coverage map:" in line:
                text = "\n".join(self.lines)
                return {
                    "console": re.search(r"Console:\s+(\S+)", text).group(1),
                    "graphql": re.search(r"GraphQL:\s+(\S+)", text).group(1),
                    "map": re.search(r"Coverage map:\s+(\S+)", text).group(1),
                }
        raise AssertionError("partygrid up did not print its URLs:\n" + "\n".join(self.lines))

    def stop(self, sig: signal.Signals) -> int:
        self.process.send_signal(sig)
        code = self.process.wait(timeout=60)
        assert self.process.stdout is not None
        self.lines += self.process.stdout.read().splitlines()
        return code


def _processes_under(folder: Path) -> list[str]:
    """Processes whose working folder or command line names `folder` (postgres, uvicorn)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if str(folder) in cmdline or cwd.startswith(str(folder)):
            found.append(f"{proc.name}: {cmdline}")
    return found


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fresh]:
    data_dir = tmp_path_factory.mktemp("up-data")
    ports = {name: free_port() for name in ("gateway", "org", "grid", "assess")}
    yield _env(data_dir, ports), ports
    # The private cluster moves under /tmp when postgres cannot reach pytest's folder.
    shutil.rmtree(fallback_root(data_dir), ignore_errors=True)


def _cluster_dirs(env: dict[str, str]) -> list[Path]:
    data_dir = Path(env["PARTYGRID_DATA_DIR"])
    return [data_dir, fallback_root(data_dir)]


def test_up_from_nothing_serves_the_demo_and_stops_cleanly(fresh: Fresh, demo: Demo) -> None:
    env, ports = fresh
    up = Up(env)
    try:
        urls = up.wait_ready()
        assert urls["graphql"] == f"http://127.0.0.1:{ports['gateway']}/graphql"
        community = demo.communities[0]
        signed_in = _signed_in(urls["graphql"], Path(env["PARTYGRID_DATA_DIR"]))
        body = httpx.post(
            urls["graphql"],
            json={"query": QUERY, "variables": {"code": community.code}},
            headers=signed_in,
            timeout=30,
        ).json()
        assert "errors" not in body, body
        zones = [z for z in demo.zones if z.community_code == community.code]
        assert {z["name"] for z in body["data"]["community"]["zones"]} == {z.name for z in zones}
        assert httpx.get(urls["map"], headers=signed_in, timeout=60).status_code == 200
        console = httpx.get(urls["console"], headers=signed_in, timeout=60)
        assert console.status_code == 200 and "工作台" in console.text
        assert any("loaded the demo district" in line for line in up.lines)
    finally:
        code = up.stop(signal.SIGTERM)
    assert code == 0, "\n".join(up.lines)
    for port in ports.values():
        assert not _listening(port), f"port {port} still open after stop"
    for folder in _cluster_dirs(env):
        assert not _processes_under(folder), _processes_under(folder)


def test_a_second_run_reuses_the_data_and_ctrl_c_stops_it(fresh: Fresh) -> None:
    env, _ = fresh
    up = Up(env)
    try:
        urls = up.wait_ready()
        body = httpx.post(
            urls["graphql"],
            json={"query": "{ regions(level: STREET) { code } }"},
            headers=_signed_in(urls["graphql"], Path(env["PARTYGRID_DATA_DIR"])),
            timeout=30,
        ).json()
        assert len(body["data"]["regions"]) >= 3
        assert not any("loaded the demo district" in line for line in up.lines)
        ready = next(line for line in up.lines if "ready in" in line)
        print(ready)  # the second run's time to ready, for the note
    finally:
        code = up.stop(signal.SIGINT)
    assert code == 0, "\n".join(up.lines)
    for folder in _cluster_dirs(env):
        assert not _processes_under(folder), _processes_under(folder)
