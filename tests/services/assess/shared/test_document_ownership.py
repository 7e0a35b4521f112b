"""Issue 12 class 6, "One district writing for all": each district owns its grading standards
and commendation criteria (services/assess/shared/document_owners.py).

Two districts through the gateway: the demo district (A) and a second one (B) whose region rows
this module adds to org and removes afterwards. A's loads and choices change what A's
communities are graded and commended with, never B's; B follows the shipped default while it
has none of its own; B's user can neither see nor choose A's versions. Assessments here use the
year 2016, which no other test uses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, pool, text

from infra.setup import Prepared
from services.assess.commendations.criteria import DEFAULT_CRITERIA_FILE, read_default_criteria
from services.assess.standard.documents import DEFAULT_STANDARD_FILE, read_standard
from services.common.auth import Identity, Role
from stack import DISTRICT, Running

YEAR = 2016
CODE = "ownership-test"  # the standard both districts load here
B = "410199"
B_STREET, B_COMMUNITY = f"{B}001", f"{B}001001"
DISTRICT_B = Identity("test-district-b", Role.DISTRICT, B)

LOAD = """mutation ($d: String!, $current: Boolean!) {
  loadGradingStandard(document: $d, makeCurrent: $current) {
    standard { id isDefault } errors { code field } } }"""
CHOOSE = """mutation ($id: ID!) { setCurrentGradingStandard(id: $id) {
  standard { id isDefault } errors { code field } } }"""
CURRENT = "{ gradingStandard { id } }"
OPEN = """mutation ($c: String!, $y: Int!) { openAssessment(communityCode: $c, year: $y) {
  assessment { id standard { id } } errors { code message } } }"""
LOAD_CRITERIA = """mutation ($d: String!) { loadCommendationCriteria(document: $d) {
  criteria { id isCurrent } errors { code field } } }"""
CHOOSE_CRITERIA = """mutation ($id: ID!) { setCurrentCommendationCriteria(id: $id) {
  criteria { id isCurrent } errors { code field } } }"""


def gql(
    running: Running, query: str, variables: dict | None = None, who: Identity = DISTRICT
) -> Any:
    result = running.post(running.gateway, query, variables or {}, identity=who)
    assert "errors" not in result, result
    (value,) = result["data"].values()
    return value


def _standard(version: int, shift: float) -> str:
    """The shipped standard as `CODE` of `version`, `shift` weight moved from P1 to P2."""
    data = yaml.safe_load(DEFAULT_STANDARD_FILE.read_text(encoding="utf-8"))
    data.update(id=CODE, version=version)
    data["indicators"][0]["weight"] -= shift
    data["indicators"][1]["weight"] += shift
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _criteria(version: int) -> str:
    data = yaml.safe_load(DEFAULT_CRITERIA_FILE.read_text(encoding="utf-8"))
    data["version"] = version
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _a_community(running: Running) -> str:
    found = gql(running, '{ communities(regionCode: "410104") { code } }')
    return sorted(c["code"] for c in found)[0]


@pytest.fixture
def two_districts(prepared: Prepared) -> Iterator[None]:
    """District B with one street and one community in org; afterwards, B's rows and every
    document and assessment this module made are gone, the shipped versions current again."""
    org = create_engine(prepared.database.service_urls["org"], poolclass=pool.NullPool)
    assess = create_engine(prepared.database.service_urls["assess"], poolclass=pool.NullPool)
    regions = [
        (B, "测试二区", "Second test district", "district", None),
        (B_STREET, "测试街道", "Test street", "street", B),
        (B_COMMUNITY, "测试社区", "Test community", "community", B_STREET),
    ]
    with org.begin() as conn:
        for code, name, name_en, level, parent in regions:
            conn.execute(
                text(
                    "INSERT INTO org.region (code, name, name_en, level, parent_code)"
                    " VALUES (:c, :n, :e, :l, :p) ON CONFLICT DO NOTHING"
                ),
                {"c": code, "n": name, "e": name_en, "l": level, "p": parent},
            )
    try:
        yield
    finally:
        shipped = read_standard().key
        criteria = read_default_criteria()[0].key
        with assess.begin() as conn:
            conn.execute(text("DELETE FROM assess.assessment WHERE year = :y"), {"y": YEAR})
            conn.execute(text("DELETE FROM assess.standard WHERE code = :c"), {"c": CODE})
            # What these tests graded under their own criteria goes with the criteria (other
            # tests' clean-ups delete every criteria version but the default).
            for table in ("star_rating", "five_good", "commendation_list"):
                conn.execute(
                    text(f"DELETE FROM assess.{table} WHERE criteria_id <> :id"), {"id": criteria}
                )
            conn.execute(
                text("DELETE FROM assess.commendation_criteria WHERE id <> :id"), {"id": criteria}
            )
            for table, flag, key in (
                ("standard", "is_default", shipped),
                ("commendation_criteria", "is_current", criteria),
            ):
                conn.execute(text(f"UPDATE assess.{table} SET {flag} = (id = :id)"), {"id": key})
        with org.begin() as conn:
            for code, *_ in reversed(regions):
                conn.execute(text("DELETE FROM org.region WHERE code = :c"), {"c": code})
        org.dispose()
        assess.dispose()


def test_a_districts_standard_grades_its_communities_only(
    running: Running, two_districts: None
) -> None:
    shipped = read_standard().key
    mine = _a_community(running)
    loaded = gql(running, LOAD, {"d": _standard(1, 1), "current": True})
    assert loaded["errors"] == [], loaded
    own = loaded["standard"]["id"]
    assert loaded["standard"]["isDefault"] is True
    # A, and A's street office and secretaries, read A's current version.
    assert gql(running, CURRENT)["id"] == own
    street = Identity("test-street", Role.STREET, mine[:9])
    secretary = Identity("test-secretary", Role.SECRETARY, mine)
    assert gql(running, CURRENT, who=street)["id"] == own
    assert gql(running, CURRENT, who=secretary)["id"] == own
    # B has none of its own: the shipped default; A's version is not B's to see.
    assert gql(running, CURRENT, who=DISTRICT_B)["id"] == shipped
    seen_by_b = {s["id"] for s in gql(running, "{ gradingStandards { id } }", who=DISTRICT_B)}
    assert shipped in seen_by_b and own not in seen_by_b
    query = "query ($id: ID!) { gradingStandard(id: $id) { id } }"
    assert gql(running, query, {"id": own}, who=DISTRICT_B) is None
    # Assessments opened now use the current version of the community's district.
    in_a = gql(running, OPEN, {"c": mine, "y": YEAR})
    in_b = gql(running, OPEN, {"c": B_COMMUNITY, "y": YEAR}, who=DISTRICT_B)
    assert in_a["errors"] == [] and in_b["errors"] == [], (in_a, in_b)
    assert in_a["assessment"]["standard"]["id"] == own
    assert in_b["assessment"]["standard"]["id"] == shipped
    # A goes back to the default; its assessment keeps the version it was opened with.
    back = gql(running, CHOOSE, {"id": shipped})
    assert back == {"standard": {"id": shipped, "isDefault": True}, "errors": []}
    assert gql(running, CURRENT)["id"] == shipped
    kept = gql(running, "query ($id: ID!) { assessment(id: $id) { standard { id } } }",
               {"id": in_a["assessment"]["id"]})  # fmt: skip
    assert kept["standard"]["id"] == own


def test_a_district_cannot_choose_another_districts_standard(
    running: Running, two_districts: None
) -> None:
    shipped = read_standard().key
    loaded = gql(running, LOAD, {"d": _standard(1, 1), "current": False})
    assert loaded["errors"] == [], loaded
    own = loaded["standard"]["id"]
    refused = gql(running, CHOOSE, {"id": own}, who=DISTRICT_B)
    assert refused == {"standard": None, "errors": [{"code": "NOT_FOUND", "field": ["id"]}]}
    assert gql(running, CURRENT, who=DISTRICT_B)["id"] == shipped
    assert gql(running, CURRENT)["id"] == shipped  # nor did A's current change
    # B numbers its own versions as it likes: the same code and version is B's own.
    theirs = gql(running, LOAD, {"d": _standard(1, 2), "current": True}, who=DISTRICT_B)
    assert theirs["errors"] == [], theirs
    assert theirs["standard"]["id"] != own
    owner = "query ($id: ID!) { gradingStandard(id: $id) { districtCode } }"
    assert gql(running, owner, {"id": theirs["standard"]["id"]}, who=DISTRICT_B) == {
        "districtCode": B
    }
    assert gql(running, CURRENT, who=DISTRICT_B)["id"] == theirs["standard"]["id"]
    assert gql(running, CURRENT)["id"] == shipped
    # A chooses its own; B's stays.
    assert gql(running, CHOOSE, {"id": own})["errors"] == []
    assert gql(running, CURRENT)["id"] == own
    assert gql(running, CURRENT, who=DISTRICT_B)["id"] == theirs["standard"]["id"]
    # B still may not choose A's.
    assert gql(running, CHOOSE, {"id": own}, who=DISTRICT_B)["errors"][0]["code"] == "NOT_FOUND"


def test_commendation_criteria_are_each_districts_own(
    running: Running, two_districts: None
) -> None:
    shipped = read_default_criteria()[0]
    loaded = gql(running, LOAD_CRITERIA, {"d": _criteria(shipped.version + 1)})
    assert loaded["errors"] == [], loaded
    own = loaded["criteria"]["id"]
    current = "{ commendationCriteria { id isCurrent } }"
    assert gql(running, current) == {"id": own, "isCurrent": True}
    assert gql(running, current, who=DISTRICT_B) == {"id": shipped.key, "isCurrent": True}
    versions = "{ commendationCriteriaVersions { id } }"
    assert own not in {c["id"] for c in gql(running, versions, who=DISTRICT_B)}
    # A's five-good evaluations use A's criteria.
    mine = _a_community(running)
    evaluate = """query ($c: String!, $y: Int!) {
      fiveGoodEvaluation(communityCode: $c, year: $y) { criteriaId } }"""
    assert gql(running, evaluate, {"c": mine, "y": YEAR})["criteriaId"] == own
    refused = gql(running, CHOOSE_CRITERIA, {"id": own}, who=DISTRICT_B)
    assert refused == {"criteria": None, "errors": [{"code": "NOT_FOUND", "field": ["id"]}]}
    assert gql(running, current, who=DISTRICT_B)["id"] == shipped.key
    # B loads the same version number as its own; A's current stays A's.
    theirs = gql(running, LOAD_CRITERIA, {"d": _criteria(shipped.version + 1)}, who=DISTRICT_B)
    assert theirs["errors"] == [] and theirs["criteria"]["id"] != own, theirs
    assert gql(running, current)["id"] == own
    back = gql(running, CHOOSE_CRITERIA, {"id": shipped.key}, who=DISTRICT_B)
    assert back == {"criteria": {"id": shipped.key, "isCurrent": True}, "errors": []}
    assert gql(running, current)["id"] == own
