"""What an import answers: counts, refusals grouped by rule, the rows refused.

The JSON shape is the issue-13 import contract shared by every kind (see README "Bring your
district"): `refused` has one entry per rule with its total and first example, not one line per
row; the rows themselves go back as an .xlsx with an error column (`refusedRowsFile`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field


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
class Report:
    kind: str
    check_only: bool
    read: int = 0
    imported: int = 0
    updated: int = 0
    written: bool = False
    skipped: dict[str, list] = field(default_factory=dict)  # reason -> [count, example]
    refused: list[RefusedRow] = field(default_factory=list)
    unmatched_homes: list[tuple[int, str]] = field(default_factory=list)  # members: (row, text)
    headers: dict[str, str] = field(default_factory=dict)  # column key -> header shown

    def skip(self, reason: str, example: str, count: int = 1) -> None:
        entry = self.skipped.setdefault(reason, [0, example])
        entry[0] += count

    @property
    def ok(self) -> bool:
        return not self.refused

    def refused_groups(self) -> list[dict]:
        groups: dict[str, dict] = {}
        for refused in self.refused:
            for p in refused.problems:
                group = groups.get(p.rule)
                if group is None:
                    column = self.headers.get(p.column or "", p.column)
                    groups[p.rule] = {
                        "rule": p.rule,
                        "count": 1,
                        "example": p.value,
                        "row": refused.row,
                        "column": column,
                        "message": f"第{refused.row}行 {column or ''}：{p.message}",
                        "messageEn": f"Row {refused.row} {column or ''}: {p.message_en}",
                    }
                else:
                    group["count"] += 1
        return list(groups.values())

    def as_json(self, refused_rows_file: bytes | None = None) -> dict:
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
            "refused": self.refused_groups(),
            "unmatchedHomes": [{"row": r, "value": v} for r, v in self.unmatched_homes],
            "refusedRowsFile": (
                base64.b64encode(refused_rows_file).decode() if refused_rows_file else None
            ),
        }

    def summary(self) -> str:
        """The CLI's one line."""
        skipped = "; ".join(f"{reason} {count}" for reason, (count, _) in self.skipped.items())
        refused = sum(len(r.problems) for r in self.refused)
        verb = "checked" if self.check_only else ("written" if self.written else "nothing written")
        return (
            f"{self.kind}: read {self.read}, imported {self.imported}, updated {self.updated}, "
            f"skipped {sum(c for c, _ in self.skipped.values())}"
            + (f" ({skipped})" if skipped else "")
            + f", refused {len(self.refused)} rows ({refused} problems); {verb}"
        )
