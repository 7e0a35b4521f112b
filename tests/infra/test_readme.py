"""The README's quick start is exactly two one-line commands, and CI runs the second."""

from __future__ import annotations

import re

from infra.settings import ROOT

README = (ROOT / "README.md").read_text()


def _quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```[a-z]*\n(.*?)```", section, flags=re.S)
    return [block.strip() for block in blocks]


def test_quick_start_holds_two_one_line_commands() -> None:
    commands = _quick_start_commands()
    assert len(commands) == 2
    assert all("\n" not in command for command in commands)
    assert commands[0] == "./partygrid up"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    test_command = _quick_start_commands()[1]
    lines = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[-1] == f"exec {test_command}"


def test_the_readme_opens_with_a_chinese_summary() -> None:
    head = README.split("## Quick start", 1)[0]
    assert "简介" in head
    assert "党建网格" in head
