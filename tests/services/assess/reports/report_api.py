"""What the monthly-report tests share: the GraphQL documents, callers, and the expectations
read from the live graph (communities, coverage) and from `assessing.assess`."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any

import httpx

from services.assess.grading.assessing import assess, standard_rows
from services.assess.grading.scoring import Score
from services.assess.shared.peers import Peers
from services.common.auth import Identity, Role
from services.common.database import make_engine
from stack import DISTRICT, Running

DISTRICT_CODE = DISTRICT.region

COMMUNITY_FIELDS = """
  code name position score meetsStandard indicatorsPassed indicatorsTotal
  passedIndicators failedIndicators remark
  grade { id name nameEn determined label }
  coverage { buildings covered buildingPercent zones zonesWithOrganization zonePercent
             gapCounts { buildingWithMembers building zone orphan notReportedIn } }
  change { scoreDelta newlyMet newlyFailed buildingPercentDelta zonePercentDelta gapsDelta }
"""
TOTALS_FIELDS = """
  communities averageScore averageIndicatorsPassed meetsStandard compliancePercent
  coverage { buildings covered buildingPercent zones zonesWithOrganization zonePercent }
"""
REPORT_FIELDS = f"""
  id streetCode streetName month status standardId comparedMonth revision downloadPath
  commentary {{ progress problems nextPlan }}
  generatedBy submittedBy submittedAt returnedBy returnReason
  communities {{ {COMMUNITY_FIELDS} }}
  totals {{ {TOTALS_FIELDS} }}
"""
PAYLOAD = f"{{ report {{ {REPORT_FIELDS} }} errors {{ code message messageEn field rule }} }}"

GENERATE = f"""mutation ($street: String!, $month: String!) {{
  generateMonthlyReport(streetCode: $street, month: $month) {PAYLOAD} }}"""
COMMENT = f"""mutation ($id: ID!, $input: ReportCommentaryInput!) {{
  updateMonthlyReportCommentary(id: $id, input: $input) {PAYLOAD} }}"""
SUBMIT = f"mutation ($id: ID!) {{ submitMonthlyReport(id: $id) {PAYLOAD} }}"
RETURN = f"""mutation ($id: ID!, $reason: String!) {{
  returnMonthlyReport(id: $id, reason: $reason) {PAYLOAD} }}"""
READ = f"""query ($street: String!, $month: String!) {{
  monthlyReport(streetCode: $street, month: $month) {{ {REPORT_FIELDS} }} }}"""
ROLLUP = f"""query ($district: String!, $month: String!) {{
  monthlyReportRollup(districtCode: $district, month: $month) {{
    districtCode districtName month downloadPath
    streets {{ streetCode streetName status submittedAt rank totals {{ {TOTALS_FIELDS} }} }}
    streetRanking {{ streetCode rank totals {{ {TOTALS_FIELDS} }} }}
    notSubmitted {{ streetCode status rank }}
    communityRanking {{ rank streetCode streetName community {{ {COMMUNITY_FIELDS} }} }}
    trend {{ month totals {{ {TOTALS_FIELDS} }} }}
    gradeDistribution {{ gradeId name count }}
    totals {{ {TOTALS_FIELDS} }}
  }} }}"""

STREETS = """query ($district: String!) {
  region(code: $district) { name children { code name level } } }"""
FACTS = """query ($street: String!) {
  communities(regionCode: $street) { code name }
  coverage(regionCode: $street) { communities {
    code buildings covered percent zones zonesWithoutOrganization
    gapCounts { buildingWithMembers building zone orphan notReportedIn } } } }"""


def street_user(street: str) -> Identity:
    return Identity(f"test-street-{street}", Role.STREET, street)


def gql(
    running: Running, query: str, variables: dict, identity: Identity | None = DISTRICT
) -> dict:
    """Through the gateway; the response body (data and errors)."""
    return running.post(running.gateway, query, variables, identity=identity)


def data(
    running: Running, query: str, variables: dict, identity: Identity | None = DISTRICT
) -> dict:
    body = gql(running, query, variables, identity)
    assert "errors" not in body, body
    return body["data"]


def streets(running: Running) -> list[tuple[str, str]]:
    """The demo district's street offices and townships, by code."""
    region = data(running, STREETS, {"district": DISTRICT_CODE})["region"]
    return sorted((c["code"], c["name"]) for c in region["children"])


def generate(running: Running, street: str, month: str, identity: Identity | None = None) -> dict:
    body = data(
        running, GENERATE, {"street": street, "month": month}, identity or street_user(street)
    )
    payload = body["generateMonthlyReport"]
    assert payload["errors"] == [], payload
    return payload["report"]


def mutate(running: Running, query: str, variables: dict, identity: Identity = DISTRICT) -> dict:
    """A mutation's payload (its only field)."""
    (payload,) = data(running, query, variables, identity).values()
    return payload


def read(running: Running, street: str, month: str, identity: Identity = DISTRICT) -> dict | None:
    return data(running, READ, {"street": street, "month": month}, identity)["monthlyReport"]


@dataclass(frozen=True)
class Expected:
    """What a street's report should say now: from the graph and from assessing."""

    communities: list[dict[str, Any]]  # org's, by code
    coverage: dict[str, dict[str, Any]]  # grid's CommunityCoverage, by code
    scores: dict[str, Score]
    standard_id: str


def expected(running: Running, assess_url: str, street: str, month: str) -> Expected:
    facts = data(running, FACTS, {"street": street})
    codes = sorted(c["code"] for c in facts["communities"])
    year, number = map(int, month.split("-"))
    last_day = (dt.date(year + number // 12, number % 12 + 1, 1)) - dt.timedelta(days=1)

    async def scored() -> tuple[dict[str, Score], str]:
        engine = make_engine(assess_url, pool_size=1)
        try:
            async with httpx.AsyncClient(timeout=60) as client:
                rows = await standard_rows(engine, None, street[:6])
                assert rows is not None
                peers = Peers.connect(running.subgraphs, client)
                return await assess(engine, peers, rows, codes, year, last_day), rows.standard["id"]
        finally:
            await engine.dispose()

    scores, standard_id = asyncio.run(scored())
    return Expected(
        communities=sorted(facts["communities"], key=lambda c: c["code"]),
        coverage={c["code"]: c for c in facts["coverage"]["communities"]},
        scores=scores,
        standard_id=standard_id,
    )


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def error_codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]
