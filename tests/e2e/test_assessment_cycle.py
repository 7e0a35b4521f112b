"""Issue 7, done when: "The demo district gets a full assessment cycle through the gateway, its
monthly report exported to .xlsx with charts". DOMAIN "Assessment": 自查自评 → 党员群众民意测评
→ 办事处党工委认定等级; gaps become goals; "Monthly supervision": each street office submits a
monthly report; the department reads them all.

Every step goes through the gateway as a user of the role that takes it (secretaries record
and self-assess, street offices survey, determine and report, the district reads the roll-up).
The test owns the current year's assessments and records and the current month's reports,
and removes them afterwards.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator

import httpx
import openpyxl
import pytest
from sqlalchemy import create_engine, pool, text

from gateway.auth.tokens import AccessTokens
from infra.demo import assessment_cycle as cycle
from infra.setup import Prepared
from services.common.auth import Identity, Role
from stack import Running

DISTRICT = "410104"


@pytest.fixture(scope="module")
def outcome(running: Running, prepared: Prepared) -> Iterator[cycle.Outcome]:
    access = AccessTokens(running.keys["access"], ttl=dt.timedelta(minutes=10))
    tokens: dict[tuple[str, str], str] = {}

    def token(role: str, region: str) -> str:
        if (role, region) not in tokens:
            who = Identity(f"e2e-{role}-{region}", Role(role), region)
            tokens[role, region] = access.issue(who).token
        return tokens[role, region]

    today = dt.date.today()
    with httpx.Client(timeout=120) as client:
        try:
            yield cycle.run(cycle.Gateway(running.gateway, token, client), DISTRICT, today)
        finally:
            _remove(prepared.database.service_urls["assess"], today)


def _remove(url: str, today: dt.date) -> None:
    """What the cycle wrote: this year's records and assessments, this month's reports."""
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        year, month = {"y": today.year}, {"m": f"{today:%Y-%m}"}
        conn.execute(text("DELETE FROM assess.monthly_report WHERE month = :m"), month)
        conn.execute(text("DELETE FROM assess.assessment WHERE year = :y"), year)
        owned = "SELECT id FROM assess.record WHERE year = :y"
        conn.execute(text(f"DELETE FROM assess.record_evidence WHERE record_id IN ({owned})"), year)
        conn.execute(
            text("DELETE FROM assess.record WHERE year = :y AND parent_id IS NOT NULL"), year
        )
        conn.execute(text("DELETE FROM assess.record WHERE year = :y"), year)
    engine.dispose()


def test_every_community_of_the_district_is_graded(running: Running, outcome) -> None:
    communities = running.post(running.gateway, cycle.COMMUNITIES, {"r": DISTRICT})["data"]
    codes = {c["code"] for c in communities["communities"]}
    assert set(outcome.communities) == codes and len(codes) > 1
    for code, assessment in outcome.communities.items():
        assert assessment["state"] == "DETERMINED", code
        steps = [s["step"] for s in assessment["snapshots"]]
        assert steps == ["OPENED", "SELF_ASSESSED", "SURVEYED", "DETERMINED"], (code, steps)
        determined = assessment["snapshots"][-1]
        # The street office determined the computed grade, and the score stands beside it.
        assert assessment["determination"]["grade"]["id"] == determined["grade"]["id"]
        assert assessment["determination"]["computedScore"] == determined["score"]
        # Every indicator failing at the determination became an improvement goal.
        if determined["meetsStandard"]:
            assert assessment["goals"] == [], code
        else:
            assert assessment["goals"], code


def test_attesting_more_earns_more(outcome) -> None:
    """The communities attest different shares of what the standard asks (the cycle's plan:
    1, 0.8, 0.5, 0.3 in turn); on average, more attested means a higher score."""
    scores = [a["snapshots"][-1]["score"] for a in outcome.communities.values()]
    by_share: dict[float, list[float]] = {}
    for n, score in enumerate(scores):
        by_share.setdefault((1.0, 0.8, 0.5, 0.3)[n % 4], []).append(score)
    means = [sum(v) / len(v) for _, v in sorted(by_share.items(), reverse=True)]
    assert means == sorted(means, reverse=True) and means[0] > means[-1], means
    assert len({a["determination"]["grade"]["id"] for a in outcome.communities.values()}) > 1


def test_each_street_submitted_its_report_with_the_determined_grades(outcome) -> None:
    graded = outcome.communities
    assert set(outcome.reports) == {c[:9] for c in graded}
    for street, report in outcome.reports.items():
        assert report["status"] == "SUBMITTED", street
        assert {row["code"] for row in report["communities"]} == {
            c for c in graded if c.startswith(street)
        }
        for row in report["communities"]:
            determined = graded[row["code"]]["determination"]
            assert row["grade"]["determined"] is True
            assert row["grade"]["id"] == determined["grade"]["id"]
    statuses = {s["streetCode"]: s["status"] for s in outcome.rollup["streets"]}
    assert all(statuses[street] == "SUBMITTED" for street in outcome.reports)
    ranked = [r["community"]["code"] for r in outcome.rollup["communityRanking"]]
    assert sorted(ranked) == sorted(graded)
    scores = [r["community"]["score"] for r in outcome.rollup["communityRanking"]]
    assert scores == sorted(scores, reverse=True)


def test_the_reports_export_to_xlsx_with_charts(outcome) -> None:
    for region, content in outcome.workbooks.items():
        assert zipfile.is_zipfile(io.BytesIO(content)), region
        book = openpyxl.load_workbook(io.BytesIO(content))
        charts = [chart for sheet in book.worksheets for chart in sheet._charts]
        assert charts, region
        cells = [
            cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
        ]
        assert any("月报表" in str(v) for v in cells if v), region
        # A street's workbook holds a row per community of its report, with its score.
        for row in outcome.reports.get(region, {}).get("communities", []):
            assert row["name"] in cells, (region, row["name"])
            assert row["score"] in cells, (region, row["score"])
