"""Computed indicators (issue 7, item 2): the 11 metrics of the default standard, measured from
the live graph, read from org and grid directly as assess's service identity.

Expectations are counted in the test from what a district user reads through the gateway with
the public queries (see district_facts), never hard-coded. The data changes made here go
through org's mutations and are undone before the test ends.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math

import httpx
import pytest
from district_facts import EXPECTATIONS, District, read, read_district
from sqlalchemy import create_engine, pool, text
from sqlalchemy.exc import ProgrammingError

from infra.setup import Prepared
from infra.supervisor import free_port
from services.assess.grading.scoring import Measured
from services.assess.metrics import catalog as metrics
from services.assess.shared.peers import Peers
from services.assess.standard.documents import read_standard
from services.common.auth import Identity, Role
from services.common.auth_tokens import InternalTokens
from services.common.subgraph_client import SubgraphUnavailableError
from stack import Running

DISTRICT = "410104"
# plan 方法步骤 (一): 分类定级 by 5-15 — ages and Party standing are taken on that day.
AS_OF = dt.date(2020, 5, 15)
COMPUTED = [
    {"code": i.code, "metric": i.metric, "params": i.params, "measured": i.measured}
    for i in read_standard().indicators
    if i.measured == "computed"
]


def measure(
    running: Running,
    communities: list[str],
    rows: list[dict] | None = None,
    *,
    urls: dict[str, str] | None = None,
    sent: list[httpx.Request] | None = None,
) -> dict[str, dict[str, Measured]]:
    """metrics.measure as the assess service calls it: org and grid asked directly, as
    itself (`urls` replace the session's subgraphs; `sent` collects the requests made)."""

    async def record(request: httpx.Request) -> None:
        if sent is not None:
            sent.append(request)

    async def go() -> dict[str, dict[str, Measured]]:
        hooks = {"request": [record]}
        async with httpx.AsyncClient(timeout=60, event_hooks=hooks) as client:
            tokens = InternalTokens(running.keys["internal"], issuer="assess")
            peers = Peers.connect({**running.subgraphs, **(urls or {})}, client, tokens)
            return await metrics.measure(peers, rows or COMPUTED, communities, AS_OF)

    return asyncio.run(go())


@pytest.fixture(scope="module")
def district(running: Running) -> District:
    return read_district(running, DISTRICT, AS_OF)


@pytest.fixture(scope="module")
def measured(running: Running, district: District) -> dict[str, dict[str, Measured]]:
    return measure(running, sorted(district.communities))


def _code_of(metric: str) -> str:
    return next(r["code"] for r in COMPUTED if r["metric"] == metric)


def test_every_metric_is_declared_measured_tested_and_used() -> None:
    """'Tests cover every indicator': every metric in METRICS has its expectation here (each
    is then checked by test_metric_matches_the_graph), and the default standard's computed
    indicators name exactly these 11."""
    assert set(EXPECTATIONS) == set(metrics.METRICS)
    assert len(metrics.METRICS) == 11
    assert {r["metric"] for r in COMPUTED} == set(metrics.METRICS)


@pytest.mark.parametrize("metric", sorted(metrics.METRICS))
def test_metric_matches_the_graph(
    metric: str, district: District, measured: dict[str, dict[str, Measured]]
) -> None:
    code = _code_of(metric)
    assert sorted(measured) == sorted(district.communities)
    for community, facts in district.communities.items():
        got = measured[community][code]
        want = EXPECTATIONS[metric](facts, district)
        if want.value is None:
            assert got.value is None, (community, got)
        else:
            assert got.value is not None and math.isclose(got.value, want.value), (
                community,
                got,
                want,
            )
            assert 0 <= got.value <= 1
        for fragment in want.says:
            assert fragment in got.detail, (community, fragment, got.detail)
        assert got.detail_en and got.refs, (community, got)


def test_the_demo_gaps_show_in_the_indicators(measured: dict[str, dict[str, Measured]]) -> None:
    """The demo's deliberate gaps (infra/demo/generate.py 2, 5, 7-10, 14, 16-18) are not
    all-pass: each such indicator fails somewhere, so a broken measure cannot pass unseen."""
    for code in ("P1", "O1", "O2", "O3", "O4", "O5", "R1", "R3", "R4", "A1", "A2"):
        values = [m[code].value for m in measured.values()]
        assert any(v is not None and v < 1 for v in values), code


def test_a_failed_pass_fail_indicator_names_its_rules(
    measured: dict[str, dict[str, Measured]], district: District
) -> None:
    for community, facts in district.communities.items():
        p1 = measured[community]["P1"]
        if p1.value == 0:
            breached = {f["rule"] for f in facts.findings}
            assert p1.refs and set(p1.refs) <= breached
            assert p1.detail.startswith("未达标") and p1.detail_en.startswith("Not met")


# --- the metric follows the data ---------------------------------------------------------------

MEMBERS = """query ($code: String!, $management: Management) {
  members(filter: {regionCode: $code, management: $management}, first: 200) {
    nodes { id reporting { status reportedOn unit } categories { category } } } }"""
REPORT = """mutation ($id: ID!, $on: Date!, $unit: String!, $status: ReportingStatus!) {
  recordReportingIn(memberId: $id, reportedOn: $on, unit: $unit, status: $status) {
    member { id reporting { status } } errors { code message } } }"""
ADD_CATEGORY = """mutation ($id: ID!) {
  assignHelper(memberId: $id, category: HARDSHIP) { category { id } errors { code } } }"""
CLEAR_CATEGORY = """mutation ($id: ID!) {
  clearMemberCategory(memberId: $id, category: HARDSHIP) { ok errors { code } } }"""


def _mutate(running: Running, query: str, variables: dict) -> dict:
    data = read(running, query, variables)
    (payload,) = data.values()
    assert payload["errors"] == [], payload
    return payload


def _one(running: Running, community: str, code: str) -> Measured:
    rows = [r for r in COMPUTED if r["code"] == code]
    return measure(running, [community], rows)[community][code]


def test_reporting_in_one_member_raises_the_rate(running: Running, district: District) -> None:
    """plan 三 党员报到: a member reported in is counted at once; undone, the rate is back."""
    community = sorted(district.communities)[0]
    before = _one(running, community, "R3")
    nodes = read(running, MEMBERS, {"code": community, "management": "NON_SELF"})["members"]
    m = next(n for n in nodes["nodes"] if n["reporting"]["status"] == "REPORTED")
    was = m["reporting"]
    args = {"id": m["id"], "on": was["reportedOn"], "unit": was["unit"]}
    _mutate(running, REPORT, {**args, "status": "PENDING"})
    try:
        after = _one(running, community, "R3")
    finally:
        _mutate(running, REPORT, {**args, "status": "REPORTED"})
    facts = district.communities[community]
    due = sum(
        1
        for x in facts.members
        if x["management"] != "SELF"
        and (x["reporting"] or {}).get("status") in ("PENDING", "REPORTED")
    )
    assert before.value is not None and after.value is not None
    assert math.isclose(before.value - after.value, 1 / due)
    assert _one(running, community, "R3") == before


def test_a_member_needing_help_without_a_helper_lowers_the_rate(
    running: Running, district: District
) -> None:
    """plan 五 特殊类别党员的服务帮扶: a new hardship record without a helper is one more member
    to help and not helped; clearing it restores the rate."""
    community = sorted(district.communities)[-1]
    facts = district.communities[community]
    before = _one(running, community, "A2")
    subject = next(m for m in facts.members if not m["categories"])
    _mutate(running, ADD_CATEGORY, {"id": subject["id"]})
    try:
        after = _one(running, community, "A2")
    finally:
        _mutate(running, CLEAR_CATEGORY, {"id": subject["id"]})
    cared = [m for m in facts.members if m["categories"]]
    helped = sum(all(k["hasHelper"] for k in m["categories"]) for m in cared)
    assert before.value is not None and math.isclose(before.value, helped / len(cared))
    assert after.value is not None and math.isclose(after.value, helped / (len(cared) + 1))
    assert f"{helped}/{len(cared) + 1}" in after.detail
    assert _one(running, community, "A2") == before


# --- from org and grid directly, as the service ----------------------------------------------


def test_the_whole_district_is_read_in_one_request_to_each(
    running: Running, district: District
) -> None:
    """Batched: one request to org and one to grid for all communities and all 11 metrics,
    each straight to the subgraph that owns the data (never the gateway)."""
    sent: list[httpx.Request] = []
    measure(running, sorted(district.communities), sent=sent)
    assert sorted(str(r.url) for r in sent) == sorted(
        [running.subgraphs["org"], running.subgraphs["grid"]]
    )


def test_assess_cannot_read_other_services_tables(prepared: Prepared) -> None:
    """Issue 7: 'never by reading other services' tables' — assess's own database role is
    refused org's and grid's schemas, so the graph is the only way in."""
    engine = create_engine(prepared.database.service_urls["assess"], poolclass=pool.NullPool)
    try:
        for table in ("org.member", "grid.building"):
            with engine.connect() as conn, pytest.raises(ProgrammingError, match="permission"):
                conn.execute(text(f"SELECT 1 FROM {table} LIMIT 1"))
    finally:
        engine.dispose()


def test_a_user_scoped_read_does_not_grade_a_district(running: Running, district: District) -> None:
    """The same counts read as a street-office user cover its own street only: grading the
    district needs the service identity assess uses (the whole tree, read only)."""
    street = sorted(district.communities)[0][:9]
    user = Identity("test-street", Role.STREET, street)
    query = "query ($codes: [String!]!) { communityCounts(communityCodes: $codes) { code } }"
    body = running.post(
        running.gateway, query, {"codes": sorted(district.communities)}, identity=user
    )
    assert "errors" not in body, body
    seen = [c["code"] for c in body["data"]["communityCounts"]]
    assert seen == sorted(c for c in district.communities if c.startswith(street))
    assert len(seen) < len(district.communities)
    measured = measure(running, sorted(district.communities))
    assert all(measured[c]["R3"].value is not None for c in district.communities)


@pytest.fixture
def dead() -> str:
    return f"http://127.0.0.1:{free_port()}/graphql"  # nothing listens there


@pytest.mark.parametrize("down", ["org", "grid"])
def test_no_answer_no_indicator(running: Running, dead: str, down: str) -> None:
    """No answer from org or grid: SubgraphUnavailableError naming it, never a guessed value."""
    with pytest.raises(SubgraphUnavailableError) as raised:
        measure(running, [f"{DISTRICT}001001"], urls={down: dead})
    assert raised.value.service == down


def test_unknown_communities_and_metrics_are_unmeasured(running: Running) -> None:
    """A community neither org nor grid knows, and a metric no code measures: value None
    (earns nothing), with the reason."""
    rows = [*COMPUTED, {"code": "X1", "metric": "org.no_such_metric", "measured": "computed"}]
    ghost = f"{DISTRICT}999999"
    got = measure(running, [ghost], rows)[ghost]
    assert set(got) == {r["code"] for r in rows}
    assert all(m.value is None for m in got.values())
    assert "没有该社区" in got["P1"].detail and "没有该社区" in got["O3"].detail
    assert "org.no_such_metric" in got["X1"].detail_en


def test_nothing_asked_nothing_read(running: Running, dead: str) -> None:
    assert measure(running, [], urls={"org": dead, "grid": dead}) == {}
