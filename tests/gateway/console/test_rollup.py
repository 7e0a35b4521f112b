"""`/console/rollup/<district>[/<YYYY-MM>]` (issue 16): the district's roll-up of a month,
compared with `monthlyReportRollup` asked separately: each street's submission (submitted,
returned with its reason, draft, none) linking its report, the rankings, the trend, the
grades, the lowest-scoring community linked, and the charts (inline SVG, named for screen
readers) beside their tables; the month picker; who may read it."""

from __future__ import annotations

import re

import pytest
from console_client import SignIn
from test_overview import table

from gateway.console.labels import LABELS
from services.common.auth import Identity, Role
from stack import DISTRICT, Running

DISTRICT_CODE = DISTRICT.region
# Months nobody else's tests write or read (reports stay: a submitted one is locked); a
# trend spans 12 months, and no other test's reports (2000-2001, 2015, 2017-2019) fall in
# this one's, nor this one's in theirs.
MONTH, EARLIER = "2012-05", "2012-04"
ERRORS = "errors { code message messageEn field }"
GENERATE = f"""mutation ($s: String!, $m: String!) {{ generateMonthlyReport(streetCode: $s,
  month: $m) {{ report {{ id status }} {ERRORS} }} }}"""
SUBMIT = f"mutation ($id: ID!) {{ submitMonthlyReport(id: $id) {{ report {{ id }} {ERRORS} }} }}"
RETURN = f"""mutation ($id: ID!, $why: String!) {{ returnMonthlyReport(id: $id, reason: $why) {{
  report {{ id }} {ERRORS} }} }}"""
STREETS = "query ($d: String!) { region(code: $d) { children { code } } }"
ROLLUP = """query ($d: String!, $m: String!) { monthlyReportRollup(districtCode: $d, month: $m) {
  downloadPath
  streets { streetCode streetName status rank }
  streetRanking { streetCode rank totals { averageScore } }
  communityRanking { rank community { code name score } }
  trend { month totals { averageScore compliancePercent } }
  gradeDistribution { gradeId name count }
  totals { communities averageScore }
} }"""
REASON = '退回：数据需核实 <b>"核对"</b>'


def _payload(running: Running, query: str, variables: dict, who: Identity) -> dict:
    body = running.post(running.gateway, query, variables, identity=who)
    assert "errors" not in body, body
    (payload,) = body["data"].values()
    assert payload["errors"] == [], payload
    return payload


@pytest.fixture(scope="module")
def reports(running: Running) -> dict[str, str]:
    """The month's reports, one street in each state: submitted (two, and one the month
    before, for the trend), returned by the district, a draft, none at all."""
    streets = sorted(
        c["code"]
        for c in running.post(running.gateway, STREETS, {"d": DISTRICT_CODE})["data"]["region"][
            "children"
        ]
    )
    assert len(streets) >= 5
    submitted, returned, draft, missing = streets[:2], streets[2], streets[3], streets[4]
    states = {missing: "not_generated"}
    for street in [*submitted, returned, draft]:
        who = Identity(f"test-street-{street}", Role.STREET, street)
        report = _payload(running, GENERATE, {"s": street, "m": MONTH}, who)["report"]
        states[street] = "draft"
        if street in (*submitted, returned):
            _payload(running, SUBMIT, {"id": report["id"]}, who)
            states[street] = "submitted"
        if street == returned:
            _payload(running, RETURN, {"id": report["id"], "why": REASON}, DISTRICT)
            states[street] = "returned"
        if street == submitted[0]:
            earlier = _payload(running, GENERATE, {"s": street, "m": EARLIER}, who)["report"]
            _payload(running, SUBMIT, {"id": earlier["id"]}, who)
    return states


@pytest.fixture(scope="module")
def roll(running: Running, reports: dict[str, str]) -> dict:
    body = running.post(running.gateway, ROLLUP, {"d": DISTRICT_CODE, "m": MONTH})
    assert "errors" not in body, body
    return body["data"]["monthlyReportRollup"]


@pytest.fixture(scope="module")
def page(signed_in: SignIn, reports: dict[str, str]) -> str:
    answer = signed_in("demo-district").get(f"/console/rollup/{DISTRICT_CODE}/{MONTH}")
    assert answer.status_code == 200, answer.text
    return answer.text


def test_each_streets_submission_and_its_report(page: str, roll: dict, reports: dict) -> None:
    rows = [r for r in table(page, "rollup-status") if "data-street" in r["attrs"]]
    assert [r["attrs"]["data-street"] for r in rows] == [s["streetCode"] for s in roll["streets"]]
    for row, street in zip(rows, roll["streets"], strict=True):
        code = street["streetCode"]
        state = reports.get(code, "not_generated")
        assert row["attrs"]["data-status"] == state
        assert row["cells"][0] == street["streetName"]
        assert row["cells"][1].startswith(LABELS["zh"][f"ru_{state}"])
        assert {"href": f"/console/reports/{code}/{MONTH}"} in row["links"]
        if state == "returned":
            assert '退回：数据需核实 <b>"核对"</b>' in row["cells"][1]  # the text, escaped
    assert "&lt;b&gt;&#34;核对&#34;&lt;/b&gt;" in page
    assert f'<a href="{roll["downloadPath"]}" hx-boost="false"' in page


def test_rankings_trend_and_grades_as_the_graph_says(page: str, roll: dict) -> None:
    ranked = [r["attrs"]["data-street"] for r in table(page, "rollup-streets") if r["attrs"]]
    assert ranked == [s["streetCode"] for s in roll["streetRanking"]]
    assert len(ranked) == 2  # the returned one is not submitted any more
    communities = [r for r in table(page, "rollup-communities") if r["attrs"]]
    assert [r["attrs"]["data-code"] for r in communities] == [
        r["community"]["code"] for r in roll["communityRanking"]
    ]
    for row, ranked_row in zip(communities, roll["communityRanking"], strict=True):
        assert row["cells"][0] == str(ranked_row["rank"])
        assert row["cells"][3] == f"{ranked_row['community']['score']:.1f}"
    months = [r["attrs"]["data-month"] for r in table(page, "rollup-trend") if r["attrs"]]
    assert months == [p["month"] for p in roll["trend"]]
    assert months[-2:] == [EARLIER, MONTH]
    grades = {
        r["attrs"]["data-grade"]: r["cells"][1] for r in table(page, "rollup-grades") if r["attrs"]
    }
    assert grades == {g["gradeId"]: str(g["count"]) for g in roll["gradeDistribution"]}
    # The lowest-scoring community, linked (the district walk opens it).
    worst = max(roll["communityRanking"], key=lambda r: (r["rank"], r["community"]["code"]))
    found = re.search(r'<p class="worst" data-code="(\d+)"><a href="([^"]+)">', page)
    assert found and found.groups() == (
        worst["community"]["code"],
        f"/console/community/{worst['community']['code']}",
    )


def test_charts_are_drawn_in_the_page_beside_their_numbers(page: str, roll: dict) -> None:
    for chart, count in (
        ("chart-streets", len(roll["streetRanking"])),
        ("chart-grades", len(roll["gradeDistribution"])),
    ):
        svg = re.search(rf'<svg [^>]*data-chart="{chart}">(.*?)</svg>', page, re.S)
        assert svg, chart
        assert svg.group(0).count('<rect class="chart-bar"') == count
        assert f'<title id="{chart}-title">' in svg.group(0)
    trend = re.search(r'<svg [^>]*data-chart="chart-trend">(.*?)</svg>', page, re.S)
    assert trend and trend.group(0).count("<polyline") == 2  # score and compliance
    assert trend.group(0).count('<circle class="chart-point"') == 2 * len(roll["trend"])
    assert 'role="img"' in trend.group(0)
    assert "<script" not in page.split("</head>")[1]  # drawn by the server, no script


def test_the_month_picker_and_bad_months(signed_in: SignIn) -> None:
    client = signed_in("demo-district")
    moved = client.get(f"/console/rollup/{DISTRICT_CODE}?month={MONTH}&lang=en")
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/console/rollup/{DISTRICT_CODE}/{MONTH}?lang=en"
    today = client.get(f"/console/rollup/{DISTRICT_CODE}")
    assert re.fullmatch(
        rf"/console/rollup/{DISTRICT_CODE}/\d{{4}}-\d{{2}}", today.headers["location"]
    )
    for bad in ("2016-13", "2016-5", "July"):
        assert client.get(f"/console/rollup/{DISTRICT_CODE}/{bad}").status_code == 404
        assert client.get(f"/console/rollup/{DISTRICT_CODE}?month={bad}").status_code == 404
    future = client.get(f"/console/rollup/{DISTRICT_CODE}/2999-01")
    assert future.status_code == 404  # the graph's INVALID, its message on the page
    english = client.get(f"/console/rollup/{DISTRICT_CODE}/{MONTH}?lang=en").text
    assert "Submission by street" in english and "各街道报送情况" not in english
    assert f'href="/console/rollup/{DISTRICT_CODE}/{EARLIER}?lang=en"' in english


@pytest.mark.parametrize(
    ("user", "path", "status"),
    [
        ("demo-street", f"/console/rollup/{DISTRICT_CODE}/{MONTH}", 403),
        ("demo-street", f"/console/rollup/{DISTRICT_CODE}", 403),
        ("demo-secretary", f"/console/rollup/{DISTRICT_CODE}/{MONTH}", 403),
        ("demo-district", f"/console/rollup/410104001/{MONTH}", 404),  # a street has reports
        ("demo-district", f"/console/rollup/410105/{MONTH}", 403),
        ("demo-viewer", f"/console/rollup/{DISTRICT_CODE}/{MONTH}", 200),
    ],
)
def test_who_reads_the_roll_up(
    signed_in: SignIn, reports: dict, user: str, path: str, status: int
) -> None:
    assert signed_in(user).get(path, follow_redirects=False).status_code == status
