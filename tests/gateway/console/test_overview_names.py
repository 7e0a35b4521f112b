"""The overview's name order: zh-CN (pinyin) for the words, the numbers in names by value,
the rule of the planner page's `compareNames` (gateway/static/planner/planner.js)."""

from __future__ import annotations

import pytest

from gateway.console.name_order import name_key, numeral_value


@pytest.mark.parametrize(
    ("run", "value"),
    [
        ("12", 12),
        ("十二", 12),
        ("二十", 20),
        ("一百零五", 105),
        ("一〇二", 102),
        ("两千", 2000),
        ("三万五千", 35000),
        ("十", 10),
    ],
)
def test_numerals_read_by_value(run: str, value: int) -> None:
    assert numeral_value(run) == value


@pytest.mark.parametrize(
    "ordered",
    [
        ["安居社区", "北街社区", "城东社区", "中心社区"],  # pinyin: an, bei, cheng, zhong
        ["2号院", "10号院"],
        ["第二社区", "第十社区", "第十一社区"],
        ["阿A", "阿B"],
    ],
)
def test_names_in_chinese_order(ordered: list[str]) -> None:
    for turn in range(len(ordered)):
        assert sorted(ordered[turn:] + ordered[:turn], key=name_key) == ordered
