"""The assess service: the grading standard is data, loaded from its file and served."""

from __future__ import annotations

import tomllib
from collections.abc import Callable

import pytest
from pydantic import ValidationError

from services.assess.standard import DEFAULT_STANDARD_FILE, StandardData, read_standard
from stack import Running


def test_default_standard_over_http_matches_its_file(running: Running) -> None:
    data = read_standard()
    result = running.post(
        running.subgraphs["assess"],
        """{ gradingStandard { id name isDefault grades { name minScore }
             indicators { id code group name nameEn measured weight threshold sources
                          standard { id } } } }""",
    )
    assert "errors" not in result, result
    got = result["data"]["gradingStandard"]
    assert (got["id"], got["name"], got["isDefault"]) == (data.id, data.name, True)
    assert [(g["name"], g["minScore"]) for g in got["grades"]] == [
        (g.name, g.min_score) for g in data.grades
    ]
    assert [i["code"] for i in got["indicators"]] == [i.code for i in data.indicators]
    for served, item in zip(got["indicators"], data.indicators, strict=True):
        assert served["id"] == f"{data.id}:{item.code}"
        assert (served["group"], served["name"], served["nameEn"]) == (
            item.group,
            item.name,
            item.name_en,
        )
        assert served["measured"] == item.measured.upper()
        assert (served["weight"], served["threshold"]) == (item.weight, item.threshold)
        assert served["sources"] == [s for s in item.sources.split(",") if s]
        assert served["standard"] == {"id": data.id}


def test_indicators_resolve_as_entities(running: Running) -> None:
    data = read_standard()
    ids = [f"{data.id}:{i.code}" for i in reversed(data.indicators)] + [f"{data.id}:ZZ"]
    result = running.post(
        running.subgraphs["assess"],
        """query ($reps: [_Any!]!) { _entities(representations: $reps) {
             ... on Indicator { id code } } }""",
        {"reps": [{"__typename": "Indicator", "id": i} for i in ids]},
    )
    assert "errors" not in result, result
    assert result["data"]["_entities"][:-1] == [
        {"id": i, "code": i.split(":")[1]} for i in ids[:-1]
    ]
    assert result["data"]["_entities"][-1] is None


def test_the_default_standard_covers_the_plan() -> None:
    """DOMAIN "A default grading standard": P1-P2, M1-M2, S1-S2, O1-O5, R1-R4, W1-W5, A1-A3."""
    codes = {i.code for i in read_standard().indicators}
    expected = {"P1", "P2", "M1", "M2", "S1", "S2", "A1", "A2", "A3"}
    expected |= {f"O{n}" for n in range(1, 6)} | {f"R{n}" for n in range(1, 5)}
    expected |= {f"W{n}" for n in range(1, 6)}
    assert codes == expected
    # Grades 先进 / 较好 / 一般 / 后进 (软弱涣散), best first.
    assert [g.name[:2] for g in read_standard().grades] == ["先进", "较好", "一般", "后进"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["indicators"].append(dict(d["indicators"][0])), "unique"),
        (lambda d: d["grades"].reverse(), "best first"),
        (lambda d: d["grades"][-1].update(min_score=10), "min_score 0"),
        (lambda d: d["indicators"][0].update(threshold=1.5), "less than or equal"),
        (lambda d: d["indicators"][0].update(measured="guessed"), "computed"),
    ],
)
def test_a_wrong_standard_file_is_rejected(change: Callable[[dict], None], message: str) -> None:
    data = tomllib.loads(DEFAULT_STANDARD_FILE.read_text())
    change(data)
    with pytest.raises(ValidationError, match=message):
        StandardData.model_validate(data)
