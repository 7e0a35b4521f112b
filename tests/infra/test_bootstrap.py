"""The `partygrid` bootstrap installs what each command needs: running needs no Node.js and no
infra/node_modules; composing and testing install the Node tools (and fail clearly without npm).

Each case runs the real bootstrap script in a copy of the checkout's install files, with a PATH
that holds the shell tools it uses but no node or npm. Its `.venv` reuses this checkout's
environment (bin/ linked, the install stamp copied): it is found complete, and pip is told to
only pretend should the script try to install into it anyway.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from infra.settings import ROOT

# What the bootstrap script itself calls (the CLI it hands over to runs in the venv).
_TOOLS = ("bash", "env", "dirname", "mkdir", "chmod", "flock", "cat", "sha256sum", "cut")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The files the bootstrap reads, and a venv it finds installed: no infra/node_modules."""
    for name in ("partygrid", "pyproject.toml", "constraints.txt", "infra/package-lock.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tmp_path / name)
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "bin").symlink_to(ROOT / ".venv" / "bin")
    shutil.copy2(ROOT / ".venv" / ".stamp", tmp_path / ".venv" / ".stamp")
    return tmp_path


def _without_node(tmp_path: Path) -> dict[str, str]:
    tools = tmp_path / "tools"
    tools.mkdir()
    for tool in _TOOLS:
        found = shutil.which(tool)
        assert found, f"{tool} is not installed"
        (tools / tool).symlink_to(found)
    # The interpreter itself, not a launcher (a pyenv shim needs pyenv on PATH).
    (tools / "python3").symlink_to((ROOT / ".venv" / "bin" / "python").resolve())
    # Should the bootstrap wrongly decide to install, pip only pretends (the venv is shared).
    return {**os.environ, "PATH": str(tools), "PIP_DRY_RUN": "1", "PIP_NO_INDEX": "1"}


def _run(checkout: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(checkout / "partygrid"), *args],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("command", ["up", "setup", "user"])
def test_running_commands_need_no_node_tools(checkout: Path, tmp_path: Path, command: str) -> None:
    env = _without_node(tmp_path)
    done = _run(checkout, env, command, "--help")
    assert done.returncode == 0, done.stderr
    assert "usage: partygrid" in done.stdout
    assert "npm" not in done.stderr
    assert "installing" not in done.stderr
    assert not (checkout / "infra" / "node_modules").exists()
    # The checkout's venv was found complete: nothing was installed into it.
    assert (checkout / ".venv" / ".stamp").read_text() == (ROOT / ".venv" / ".stamp").read_text()


@pytest.mark.parametrize("command", ["compose", "test"])
def test_composing_and_testing_install_the_node_tools(
    checkout: Path, tmp_path: Path, command: str
) -> None:
    env = _without_node(tmp_path)
    done = _run(checkout, env, command, "--help")
    assert done.returncode != 0
    assert "npm is missing" in done.stderr
    assert "usage:" not in done.stdout  # it stopped before the CLI
