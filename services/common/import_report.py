"""What every file import answers (issue 13's import contract, README "Bring your district"):
counts, skips by reason, refusals grouped by rule with a total and a first example (not one
line per row), the refused rows as a file, notes; and the CLI's one summary line.

org's regions and rosters and grid's geometry files all answer with this one class (a kind
adds keys of its own through `extras`, e.g. the members' `unmatchedHomes`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ImportReport:
    kind: str
    check_only: bool
    read: int = 0
    imported: int = 0  # new rows
    updated: int = 0
    written: bool = False
    partial: bool = False  # the valid rows are imported, the refused ones sent back
    skipped: dict[str, list] = field(default_factory=dict)  # reason -> [count, example]
    # Grouped by rule, in the contract's shape ({"rule", "count", "example", "row", "column",
    # "message", "messageEn"}, a kind may add keys such as "repaired").
    refused: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    refused_rows_file: bytes | None = None  # the refused rows, e.g. an .xlsx with an error column
    refused_rows_name: str | None = None  # the name that file is offered under

    def skip(self, reason: str, example: str, count: int = 1) -> None:
        entry = self.skipped.setdefault(reason, [0, example])
        entry[0] += count

    def refuse(  # noqa: PLR0913 -- one refusal's fields, as every import's checks name them
        self,
        rule: str,
        message: str,
        message_en: str,
        row: int | None,
        column: str | None,
        example: str,
        count: int = 1,
    ) -> None:
        """One more refusal of `rule`: the first one is the group's example, the rest count."""
        for group in self.refused:
            if group["rule"] == rule:
                group["count"] += count
                return
        self.refused.append(
            {
                "rule": rule,
                "count": count,
                "example": example,
                "row": row,
                "column": column,
                "message": message,
                "messageEn": message_en,
            }
        )

    @property
    def refused_count(self) -> int:
        return sum(group["count"] for group in self.refused)

    def extras(self) -> dict[str, Any]:
        """Keys a kind adds to the answer (none here)."""
        return {}

    def as_json(self) -> dict[str, Any]:
        rows_file = self.refused_rows_file
        return {
            "kind": self.kind,
            "checkOnly": self.check_only,
            "written": self.written,
            "read": self.read,
            "imported": self.imported,
            "updated": self.updated,
            "skipped": [
                {"reason": reason, "count": count, "example": example}
                for reason, (count, example) in self.skipped.items()
            ],
            "refused": self.refused,
            "refusedRowsFile": base64.b64encode(rows_file).decode() if rows_file else None,
            **({"refusedRowsFileName": self.refused_rows_name} if self.refused_rows_name else {}),
            "notes": self.notes,
            **self.extras(),
        }

    def refusal_lines(self) -> list[str]:
        """The CLI's line per refused rule: its total, the example and where it stands."""
        lines = []
        for g in self.refused:
            row = f"row {g['row']} " if g.get("row") is not None else ""
            column = f"{g['column']}=" if g.get("column") else ""
            lines.append(
                f"refused {g['rule']} ×{g['count']}, e.g. {row}{column}{g['example']}: "
                f"{g['message']} ({g['messageEn']})"
            )
        return lines

    def summary(self) -> str:
        """The CLI's one line: read, imported, updated, skipped with reasons, refused, and
        whether anything was written."""
        reasons = "; ".join(f"{reason} {count}" for reason, (count, _) in self.skipped.items())
        skipped = sum(count for count, _ in self.skipped.values())
        mode = "checked" if self.check_only else ("written" if self.written else "nothing written")
        return (
            f"{self.kind}: read {self.read}, imported {self.imported}, updated {self.updated}, "
            f"skipped {skipped}{f' ({reasons})' if reasons else ''}, "
            f"refused {self.refused_count} — {mode}"
        )
