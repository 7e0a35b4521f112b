"""A geometry file import's report, its refusal, the duplicate policy and the callers' hooks
(shared by the import's phases: services/grid/transfer/file_plan.py, file_boundaries.py,
file_import.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import DomainError
from services.common.import_report import ImportReport
from services.grid.transfer import files as transfer_files
from services.grid.transfer.files import Kind
from services.grid.transfer.records import Problems

Known = Callable[[list[str]], Awaitable[set[str]]]  # which new community codes org has
Scope = Callable[[str], bool]  # the communities the caller may write (route callers)
BeforeCommit = Callable[[AsyncConnection, "FileImport"], Awaitable[None]]  # see import_file


class Policy(Enum):
    SKIP = "skip"
    KEEP = "keep"
    REPLACE = "replace"


class FileImport(ImportReport):
    """The one import report (services.common.import_report) of a geometry file: written
    when anything new or changed was stored (a check writes nothing)."""

    def __init__(self, kind: Kind, check_only: bool, partial: bool = False) -> None:
        super().__init__(kind.value, check_only, partial=partial)

    @property
    def written(self) -> bool:
        return not self.check_only and (self.imported + self.updated) > 0

    @written.setter
    def written(self, _value: bool) -> None:
        pass  # derived from the counts, not set


class FileRefusedError(DomainError):
    """A file refused as a whole: the report (grouped refusals) travels with the error."""

    report: FileImport


def refused(report: FileImport, problems: Problems) -> FileRefusedError:
    report.refused = transfer_files.refusals(problems)
    first = problems.found[0]
    error = FileRefusedError(
        first.code, first.message, first.message_en, first.field, first.rule, problems.found[1:]
    )
    error.report = report
    return error


class FeatureProblems(Problems):
    """Problems that also keep the first reason of every refused feature (by its number in
    the file, `field` ["file", "features", N, ...]), all of them: `found` stops at
    MAX_ERRORS, the file of refused features must not."""

    def __init__(self) -> None:
        super().__init__()
        self.reasons: dict[int, tuple[str, str]] = {}

    def add(self, error: DomainError) -> None:
        super().add(error)
        self.refuse(error.field, error.message, error.message_en)

    def refuse(self, where: list[str] | None, zh: str, en: str) -> None:
        if where and len(where) > 2 and where[:2] == ["file", "features"] and where[2].isdigit():
            self.reasons.setdefault(int(where[2]), (zh, en))

    def __getstate__(self) -> dict:
        return {**super().__getstate__(), "reasons": self.reasons}

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        self.reasons = state["reasons"]
