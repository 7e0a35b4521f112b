"""The assess service: the grading standard is data — a versioned YAML document, validated,
loaded by district users through the gateway, served; past versions stay as they were."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml
from sqlalchemy import create_engine, pool, text

from infra.setup import Prepared
from services.assess.shared.yaml_documents import MAX_DOCUMENT_BYTES
from services.assess.standard.documents import (
    DEFAULT_STANDARD_FILE,
    StandardError,
    parse_standard,
    read_standard,
)
from services.common.auth import Identity, Role
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
    assert (got["id"], got["name"], got["isDefault"]) == (data.key, data.name, True)
    assert [(g["name"], g["minScore"]) for g in got["grades"]] == [
        (g.name, g.min_score) for g in data.grades
    ]
    assert [i["code"] for i in got["indicators"]] == [i.code for i in data.indicators]
    for served, item in zip(got["indicators"], data.indicators, strict=True):
        assert served["id"] == f"{data.key}:{item.code}"
        assert (served["group"], served["name"], served["nameEn"]) == (
            item.group,
            item.name,
            item.name_en,
        )
        assert served["measured"] == item.measured.upper()
        assert (served["weight"], served["threshold"]) == (item.weight, item.threshold)
        assert served["sources"] == list(item.measure.sources)
        assert served["standard"] == {"id": data.key}


def test_indicators_resolve_as_entities(running: Running) -> None:
    data = read_standard()
    ids = [f"{data.key}:{i.code}" for i in reversed(data.indicators)] + [f"{data.key}:ZZ"]
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


def _document(change: Callable[[dict], None] | None = None, **top: object) -> str:
    data = yaml.safe_load(DEFAULT_STANDARD_FILE.read_text(encoding="utf-8"))
    data.update(top)
    if change:
        change(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _drop_first_indicator_name(d: dict) -> None:
    del d["indicators"][0]["name"]


BAD_DOCUMENTS = [
    # (id, change, words of the English message, path of the field at fault)
    ("duplicate indicator", lambda d: d["indicators"].append(dict(d["indicators"][0])), "repeated: P1", None),
    ("missing indicator field", _drop_first_indicator_name, "Field required", "indicators.0.name"),
    ("weights do not sum", lambda d: d["indicators"][0].update(weight=8), "add up to 101", None),
    ("grades not best first", lambda d: d["grades"].reverse(), "best first", None),
    ("no grade at 0", lambda d: d["grades"][-1].update(min_score=10), "min_score 0", None),
    ("threshold above 1", lambda d: d["indicators"][0].update(threshold=1.5), "less than or equal", "indicators.0.threshold"),
    ("unknown measurement", lambda d: d["indicators"][0].update(measured="guessed"), "computed", "indicators.0.measured"),
    ("unknown metric", lambda d: d["indicators"][0].update(metric="org.nothing"), "unknown metric", "indicators.0"),
    ("computed naming a record", lambda d: d["indicators"][0].update(record="funds"), "names a metric", "indicators.0"),
    ("bad params", lambda d: d["indicators"][2]["params"].update(min_amount=-1), "greater than or equal", "indicators.2"),
    ("unknown field", lambda d: d.update(colour="red"), "Extra inputs", "colour"),
    ("no 三有 indicator", lambda d: d.update(indicators=[dict(i, weight=100 / 17) for i in d["indicators"] if i["group"].startswith("四化")]), "no indicator in group 三有", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message", "path"), [b[1:] for b in BAD_DOCUMENTS], ids=[b[0] for b in BAD_DOCUMENTS]
)
def test_a_wrong_standard_document_is_refused(
    change: Callable[[dict], None], message: str, path: str | None
) -> None:
    """DOMAIN "Assessment": the standard is data; a document that is not a whole, consistent
    standard is refused with every problem named (issue 7: duplicate or missing indicators,
    weights that do not sum as declared)."""
    with pytest.raises(StandardError) as refused:
        parse_standard(_document(change))
    assert any(message in en for _, _, en in refused.value.problems), refused.value.problems
    if path is not None:
        assert any(p.startswith(path) for p, _, _ in refused.value.problems), refused.value.problems


LOAD = """mutation ($document: String!, $makeCurrent: Boolean!) {
  loadGradingStandard(document: $document, makeCurrent: $makeCurrent) {
    standard { id code version isDefault totalWeight loadedBy indicators { id weight params } }
    errors { code message messageEn field }
  }
}"""


def _standards(running: Running) -> list[tuple[str, bool]]:
    result = running.post(running.gateway, "{ gradingStandards { id isDefault } }")
    assert "errors" not in result, result
    return [(s["id"], s["isDefault"]) for s in result["data"]["gradingStandards"]]


def test_bad_documents_through_the_gateway_are_typed_errors_and_write_nothing(
    running: Running,
) -> None:
    before = _standards(running)
    cases = [
        (_document(lambda d: d["indicators"].append(dict(d["indicators"][0])), id="dup-test", version=1), "INVALID"),
        (_document(lambda d: d["indicators"][0].update(weight=8), id="sum-test", version=1), "INVALID"),
        ("id: [unclosed", "INVALID"),
        ("x" * (MAX_DOCUMENT_BYTES + 1), "INVALID"),
        (_document(), "CONFLICT"),  # default-2020 version 1 is loaded already
    ]  # fmt: skip
    for document, code in cases:
        result = running.post(running.gateway, LOAD, {"document": document, "makeCurrent": True})
        assert "errors" not in result, result
        payload = result["data"]["loadGradingStandard"]
        assert payload["standard"] is None
        assert payload["errors"] and {e["code"] for e in payload["errors"]} == {code}, payload
        assert all(
            e["message"] and e["messageEn"] and e["field"][0] == "document"
            for e in payload["errors"]
        )
    assert _standards(running) == before


@pytest.mark.parametrize("role", [Role.STREET, Role.SECRETARY, Role.PLANNER, Role.VIEWER])
def test_only_district_users_load_a_standard(running: Running, role: Role) -> None:
    """DOMAIN "Who uses the system": the district organization department sets the standard."""
    before = _standards(running)
    who = Identity(f"test-{role.value}", role, "410104001")
    result = running.post(
        running.gateway,
        LOAD,
        {"document": _document(id="role-test"), "makeCurrent": True},
        identity=who,
    )
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN", result
    assert _standards(running) == before


def test_a_new_version_becomes_current_and_past_versions_stay(
    running: Running, prepared: Prepared
) -> None:
    """Issue 7: "A district user loads a new version; past assessments keep theirs." A loaded
    version never changes; the newest loaded with makeCurrent is used for new assessments."""
    before = _standards(running)
    default = read_standard()
    url = prepared.database.service_urls["assess"]
    try:
        # Version 2 moves one point of weight from P1 to P2.
        def reweigh(d: dict) -> None:
            d["indicators"][0]["weight"] -= 1
            d["indicators"][1]["weight"] += 1

        v2 = _document(reweigh, version=default.version + 1)
        result = running.post(running.gateway, LOAD, {"document": v2, "makeCurrent": True})
        payload = result["data"]["loadGradingStandard"]
        assert payload["errors"] == [], payload
        got = payload["standard"]
        assert (got["code"], got["version"], got["isDefault"]) == (
            default.id,
            default.version + 1,
            True,
        )
        assert got["loadedBy"] == "test-district"
        assert [i["weight"] for i in got["indicators"][:2]] == [
            default.indicators[0].weight - 1,
            default.indicators[1].weight + 1,
        ]
        # The same version again: refused, nothing changes.
        again = running.post(running.gateway, LOAD, {"document": v2, "makeCurrent": True})
        assert again["data"]["loadGradingStandard"]["errors"][0]["code"] == "CONFLICT"
        after = dict(_standards(running))
        assert after[default.key] is False and after[got["id"]] is True
        # The old version is unchanged and can be made current again.
        old = running.post(
            running.gateway,
            f'{{ gradingStandard(id: "{default.key}") {{ indicators {{ weight }} }} }}',
        )["data"]["gradingStandard"]
        assert [i["weight"] for i in old["indicators"]] == [i.weight for i in default.indicators]
        back = running.post(
            running.gateway,
            "mutation ($id: ID!) { setCurrentGradingStandard(id: $id) {"
            " standard { id isDefault } errors { code } } }",
            {"id": default.key},
        )["data"]["setCurrentGradingStandard"]
        assert back == {"standard": {"id": default.key, "isDefault": True}, "errors": []}
        missing = running.post(
            running.gateway,
            'mutation { setCurrentGradingStandard(id: "nothing@1") { standard { id } errors { code field } } }',
        )["data"]["setCurrentGradingStandard"]
        assert missing == {"standard": None, "errors": [{"code": "NOT_FOUND", "field": ["id"]}]}
    finally:
        engine = create_engine(url, poolclass=pool.NullPool)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM assess.standard WHERE id <> :id"), {"id": default.key})
            conn.execute(
                text("UPDATE assess.standard SET is_default = true WHERE id = :id"),
                {"id": default.key},
            )
        engine.dispose()
    assert _standards(running) == before
