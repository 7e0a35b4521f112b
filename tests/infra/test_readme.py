"""The README's quick start is exactly two one-line commands, and CI runs the second; its
first sign-in and query run as written against the real gateway."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess

from infra.demo.users import PASSWORD_FILE
from infra.settings import ROOT, SuiteSettings
from stack import Running

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


def _graph_blocks() -> list[tuple[str, str]]:
    section = README.split("## Using the graph", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```([a-z]*)\n(.*?)```", section, flags=re.S)


def _keys(value: object) -> object:
    """The shape of a JSON value: its keys at every level, not its values."""
    if isinstance(value, dict):
        return {key: _keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_keys(item) for item in value]
    return type(value).__name__


def _json_values(text: str) -> list[object]:
    decoder, values, at = json.JSONDecoder(), [], 0
    while at < len(text):
        if text[at].isspace():
            at += 1
            continue
        value, at = decoder.raw_decode(text, at)
        values.append(value)
    return values


def test_the_first_sign_in_and_query_run_as_written(
    running: Running, suite_settings: SuiteSettings
) -> None:
    (lang_in, sign_in), (lang_answer, answer), (lang_query, query) = _graph_blocks()[:3]
    assert (lang_in, lang_answer, lang_query) == ("sh", "json", "sh")
    # Only what differs on the test stack: its gateway URL and its data folder.
    script = (sign_in + query).replace("http://127.0.0.1:4000/graphql", running.gateway)
    script = script.replace(".data/demo-password", str(suite_settings.data_dir / PASSWORD_FILE))
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    login, result = _json_values(done.stdout)

    shown = json.loads(answer)
    assert _keys(login) == _keys(shown)  # the README names every field of the answer
    session = login["data"]["login"]["session"]
    assert session["tokenType"] == "Bearer"
    assert session["viewer"] == shown["data"]["login"]["session"]["viewer"]
    now = dt.datetime.now(dt.UTC)
    expires = dt.datetime.fromisoformat(session["expiresAt"])
    assert now < expires < dt.datetime.fromisoformat(session["refreshExpiresAt"])

    assert "errors" not in result, result
    data = result["data"]
    assert data["viewer"]["username"] == "demo-district"
    assert data["viewer"]["region"]["name"] == "管城回族区"
    assert data["community"]["name"] and data["community"]["zones"]
