"""A new record, checked: the one builder every kind goes through (kinds.py describes them).

It walks the kind's fields in input order (each checks its value and names where it goes),
then the kind's rules that span fields; the first problem refuses the record (INVALID on the
input field), nothing is written. What the write reads elsewhere comes in as `read`: the
resident unit's name (agreements) and the funds record a use belongs to (fund uses).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from services.assess.records.fields import Values
from services.assess.records.kinds import Kind
from services.assess.records.writes import Entry


def build(
    kind: Kind,
    values: Values,
    today: dt.date,
    *,
    community: str,
    details: Mapping[str, Any] | None = None,
    parent: Mapping[str, Any] | None = None,
) -> Entry:
    """The checked entry of a record of `kind` from the input's `values`. `details` are kept
    as given (read by the write, not typed by the caller); `parent` is a fund use's funds."""
    checked: dict[str, Any] = {}
    columns: dict[str, Any] = {}
    kept: dict[str, Any] = dict(details or {})
    for f in kind.fields:
        value = f.check(values, today)
        checked[f.name] = value
        for target in f.to:
            if target.startswith("details."):
                kept[target.removeprefix("details.")] = _json(value)
            else:
                columns[target] = value
    for rule in kind.rules:
        rule(checked)
    occurred_on: dt.date = columns["occurred_on"]
    year = columns.get("year", parent["year"] if parent else occurred_on.year)
    evidence_ids: tuple[uuid.UUID, ...] = checked.get(kind.evidence.name, ())
    return Entry(
        kind.code,
        community,
        occurred_on,
        year,
        subject=columns.get("subject"),
        amount=columns.get("amount"),
        parent_id=parent["id"] if parent else None,
        details=kept,
        evidence_ids=evidence_ids,
    )


def _json(value: Any) -> Any:
    """A details value as JSON keeps it (dates as ISO text)."""
    return value.isoformat() if isinstance(value, dt.date) else value
