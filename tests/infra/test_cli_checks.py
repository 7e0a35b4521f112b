"""`partygrid test` runs the static checks before pytest: ruff always; the type checker and the
import contracts for the whole suite (as CI runs it), not for a run of chosen tests."""

from __future__ import annotations

import sys
from pathlib import Path

from infra.cli import static_checks
from infra.settings import ROOT

RUFF = [sys.executable, "-m", "ruff", "check", "."]
MYPY = [sys.executable, "-m", "mypy"]
CONTRACTS = "[tool.importlinter]\nroot_packages = ['services']\n"


def test_the_whole_suite_type_checks_and_checks_the_import_contracts() -> None:
    checks = static_checks([], CONTRACTS)
    assert checks[:2] == [RUFF, MYPY]
    (lint_imports,) = checks[2:]
    assert Path(lint_imports[0]).name == "lint-imports"
    assert Path(lint_imports[0]).is_file()  # the dev extras' console script, beside python


def test_the_type_checker_runs_over_the_configured_tree() -> None:
    # mypy gets no paths: it checks pyproject's [tool.mypy] files, which the tree must hold.
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert MYPY in static_checks([], pyproject)
    assert 'files = ["services", "gateway", "infra"]' in pyproject


def test_import_contracts_run_once_configured() -> None:
    assert static_checks([], "[tool.mypy]\n") == [RUFF, MYPY]


def test_chosen_tests_and_tiers_only_lint() -> None:
    assert static_checks(["tests/infra", "-x"], CONTRACTS) == [RUFF]
    assert static_checks(["--fast"], CONTRACTS) == [RUFF]
