"""What a roster import answers: the one import report (services.common.import_report) plus
the refused rows themselves, captured so they can go back as an .xlsx with an error column
(`refusedRowsFile`), and the members' addresses that matched no building (`unmatchedHomes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.common.import_report import ImportReport


@dataclass(frozen=True)
class Problem:
    """Why one cell (or row, `column` None) is refused."""

    column: str | None  # the column's key
    rule: str
    message: str  # Chinese
    message_en: str
    value: str = ""


@dataclass
class RefusedRow:
    row: int  # Excel's row number
    values: dict[str, object]  # by column key, as read
    problems: list[Problem]


@dataclass
class Report(ImportReport):
    refused_rows: list[RefusedRow] = field(default_factory=list)
    unmatched_homes: list[tuple[int, str]] = field(default_factory=list)  # members: (row, text)
    headers: dict[str, str] = field(default_factory=dict)  # column key -> header shown

    def refuse_row(self, refused: RefusedRow) -> None:
        """A row refused: kept for the file of refused rows, each problem counted by rule."""
        self.refused_rows.append(refused)
        for p in refused.problems:
            column = self.headers.get(p.column or "", p.column)
            self.refuse(
                p.rule,
                f"第{refused.row}行 {column or ''}：{p.message}",
                f"Row {refused.row} {column or ''}: {p.message_en}",
                refused.row,
                column,
                p.value,
            )

    @property
    def ok(self) -> bool:
        return not self.refused_rows

    def extras(self) -> dict[str, Any]:
        return {"unmatchedHomes": [{"row": r, "value": v} for r, v in self.unmatched_homes]}
