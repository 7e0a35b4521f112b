"""The overview's server-side sort (`sort_rows`), both ways of every column, on rows made
here: the values in order, ties in name order, rows without a value last either way."""

from __future__ import annotations

import itertools

import pytest

from gateway.console.name_order import name_key
from gateway.console.pages.overview import SORTS, Row, sort_rows

GRADES = {"A": 90.0, "B": 75.0, "C": 60.0}


def _rows() -> list[Row]:
    made = []
    names = [
        "第十社区",
        "第二社区",
        "北街社区",
        "安居社区",
        "城东社区",
        "中心社区",
        "10号院社区",
        "2号院社区",
    ]
    for i, name in enumerate(names):
        row = Row(
            f"41010400{i % 3}00{i}", name, f"41010400{i % 3}", ["东街道", "西街道", "南曹乡"][i % 3]
        )
        if i != 5:  # one community the graph says nothing about
            row.buildings, row.covered, row.gaps = 100 + i, (i * 37) % 100, i % 3
            row.findings = {"ERROR": i % 2, "WARNING": (i * 7) % 5, "INFO": 0}
            row.overdue = i % 4
        if i % 3 != 2:
            grade = "ABC"[i % 3]
            row.grade, row.grade_year, row.meets = (
                {"id": grade, "name": grade, "minScore": GRADES[grade]},
                2026,
                i % 2 == 0,
            )
        made.append(row)
    return made


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("column", list(SORTS))
def test_every_column_both_ways(column: str, direction: str) -> None:
    rows = _rows()
    ordered = sort_rows(rows, column, direction)
    assert sorted(r.code for r in ordered) == sorted(r.code for r in rows)
    keys = [SORTS[column](r) for r in ordered]
    known = [k for k in keys if k is not None]
    assert keys[: len(known)] == known and all(k is None for k in keys[len(known) :])
    assert known == sorted(known, reverse=direction == "desc")
    for a, b in itertools.pairwise(ordered):
        if SORTS[column](a) == SORTS[column](b):
            assert name_key(a.name) <= name_key(b.name)


def test_names_by_pinyin_and_numbers_by_value() -> None:
    names = [r.name for r in sort_rows(_rows(), "name", "asc")]
    # Digits before Han as in zh-CN collation; 2 before 10; an, bei, cheng, di, zhong.
    assert names == [
        "2号院社区",
        "10号院社区",
        "安居社区",
        "北街社区",
        "城东社区",
        "第二社区",
        "第十社区",
        "中心社区",
    ]
