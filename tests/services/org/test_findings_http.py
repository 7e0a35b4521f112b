"""The rule checker over HTTP on the demo district (as of 2020-04-30, the demo's snapshot date).

Counts by rule are recomputed here independently, in SQL over the org schema (and the grid
schema for placement), on the rows as they are when the test runs, so rows other tests add
do not break them; the demo's deliberate breaches (infra/demo/generate.py) must be among the
findings. Paging, scope nesting, filters and bad scopes are checked through the API.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
from findings_sql import ORG_COUNTS, placement_counts
from org_api import query
from sqlalchemy import event, text

from expectations import expected_zone
from infra.demo.model import COMMUNITY_KINDS, Demo
from infra.supervisor import free_port
from services.common.database import make_engine
from services.org.grid_client import GridClient
from services.org.rules import checker
from services.org.rules.settings import RulesSettings
from stack import Running, rolled_back

AS_OF = "2020-04-30"
DISTRICT = "410104"
FIELDS = (
    "rule severity message messageEn planClause community { code } organization { id } "
    "member { id }"
)
FINDINGS = f"""query ($region: String, $org: ID, $severity: Severity, $rule: String,
                    $first: Int, $after: String) {{
  findings(regionCode: $region, organizationId: $org, severity: $severity, rule: $rule,
           asOf: "{AS_OF}", first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {FIELDS} }} }} }} }}"""


def _all(running: Running, page: int = 200, **scope: Any) -> list[dict[str, Any]]:
    """Every finding of a scope, paging with `after` until the last page."""
    found, after = [], None
    while True:
        data = query(running, FINDINGS, {**scope, "first": page, "after": after})["findings"]
        found += [edge["node"] for edge in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            assert len(found) == data["totalCount"]
            return found
        after = data["pageInfo"]["endCursor"]


def _key(f: dict[str, Any]) -> tuple:
    return (
        f["community"]["code"],
        f["rule"],
        (f["organization"] or {}).get("id") or "",
        (f["member"] or {}).get("id") or "",
        f["message"],
    )


@pytest.fixture(scope="module")
def district(running: Running) -> list[dict[str, Any]]:
    return _all(running, region=DISTRICT)


def test_counts_by_rule_agree_with_sql(
    district: list[dict[str, Any]], service_urls: dict[str, str]
) -> None:
    """Every rule's count over the district equals its recomputation in SQL (plan 二、三、五)."""
    expected: Counter[str] = Counter()
    with rolled_back(service_urls["org"]) as conn:
        for rule_id, sql in ORG_COUNTS.items():
            expected[rule_id] = conn.execute(text(sql), {"as_of": dt.date(2020, 4, 30)}).scalar()
    expected.update(placement_counts(service_urls))
    got = Counter(f["rule"] for f in district)
    assert set(got) <= set(checker.RULES) and "placement.unchecked" not in got
    assert {r: got[r] for r in expected} == dict(expected)
    assert set(expected) | {"placement.unchecked"} == set(checker.RULES)


# --- the demo's deliberate breaches ----------------------------------------------------------


def _by_rule(district: list[dict[str, Any]], rule: str) -> list[dict[str, Any]]:
    return [f for f in district if f["rule"] == rule]


def _members_of(found: list[dict[str, Any]]) -> set[str]:
    return {f["member"]["id"] for f in found if f["member"]}


def _communities_of(found: list[dict[str, Any]]) -> set[str]:
    return {f["community"]["code"] for f in found}


def test_the_demo_committee_breaches_are_found(district: list[dict[str, Any]], demo: Demo) -> None:
    """generate.py breaches 8-10, 12-14: plan (二) 社区党委设委员5至7人; 专职副书记1人; 专职副书记
    应由党龄2年以上; 另一名副书记……是正式党员; 书记兼任社区工作站站长; 试点社区书记由下派科级干部
    担任; plan (三) 组成社区“大党委”."""
    tops = {o.id: o for o in demo.organizations if o.kind in COMMUNITY_KINDS}
    seats = [s for s in demo.committee_seats if s.ended_on is None and s.organization_id in tops]
    people = {m.id: m for m in demo.members}
    by_top: dict[uuid.UUID, Counter[str]] = {t: Counter() for t in tops}
    for s in seats:
        by_top[s.organization_id][s.role] += 1
    oversized = {
        tops[t].community_code for t, n in by_top.items() if n.total() - n["parttime_member"] > 7
    }
    assert oversized and oversized <= _communities_of(_by_rule(district, "committee.size"))
    assert oversized <= _communities_of(_by_rule(district, "leadership.education"))
    assert oversized <= _communities_of(_by_rule(district, "leadership.age"))
    no_fulltime = {tops[t].community_code for t, n in by_top.items() if not n["fulltime_deputy"]}
    assert no_fulltime == _communities_of(_by_rule(district, "committee.fulltime_deputy"))
    junior = {
        str(s.member_id)
        for s in seats
        if s.role == "fulltime_deputy" and people[s.member_id].joined_on > dt.date(2018, 4, 30)
    }
    assert junior and junior == _members_of(_by_rule(district, "deputy.standing"))
    probationary = {
        str(s.member_id)
        for s in seats
        if s.role == "parttime_deputy" and people[s.member_id].is_probationary
    }
    assert probationary and probationary == _members_of(_by_rule(district, "deputy.full_member"))
    heads = {o.member_id for o in demo.member_offices if o.office == "workstation_head"}
    not_heading = {
        str(s.member_id) for s in seats if s.role == "secretary" and s.member_id not in heads
    }
    assert not_heading == _members_of(_by_rule(district, "secretary.workstation_head"))
    pilots = {c.code for c in demo.communities if c.is_pilot}
    local = {
        str(s.member_id)
        for s in seats
        if s.role == "secretary"
        and s.community_code in pilots
        and not people[s.member_id].is_sent_down_cadre
    }
    assert local and local == _members_of(_by_rule(district, "secretary.sent_down_cadre"))
    no_big = {tops[t].community_code for t, n in by_top.items() if not n["parttime_member"]}
    assert no_big == _communities_of(_by_rule(district, "big_committee.members"))


def test_the_demo_placement_gaps_are_found(district: list[dict[str, Any]], demo: Demo) -> None:
    """generate.py breaches 2-6: plan (二) 社区党委、党总支应将分支部建在片区、党小组建到楼栋上，
    社区党支部应将党小组建在片区; 在社区工作站、综治办、居委会等社区组织中……建立党支部."""
    kinds = {o.community_code: o.kind for o in demo.organizations if o.kind in COMMUNITY_KINDS}
    zoned = {o.zone_id for o in demo.organizations if o.zone_id is not None}
    grouped = {o.building_id for o in demo.organizations if o.building_id is not None}
    messages = {(f["community"]["code"], f["rule"], f["message"]) for f in district}

    def reported(community: str, rule: str, words: str) -> bool:
        return any(c == community and r == rule and words in m for c, r, m in messages)

    zones = {z.id: z for z in demo.zones}
    for z in demo.zones:
        if z.id not in zoned:
            rule = (
                "placement.zone_group"
                if kinds[z.community_code] == "branch"
                else ("placement.zone_branch")
            )
            assert reported(z.community_code, rule, f"片区「{z.name}」"), z
    zone_of = expected_zone(demo)
    bare = [
        b
        for b in demo.buildings
        if kinds[b.community_code] != "branch" and zone_of[b.id] and b.id not in grouped
    ]
    assert len(bare) == len(_by_rule(district, "placement.building_group"))
    for b in bare:
        words = f"{zones[zone_of[b.id]].name}楼栋「{b.name}」"
        assert reported(b.community_code, "placement.building_group", words), b
    covered: dict[str, set[str]] = {c: set() for c in kinds}
    for o in demo.organizations:
        if o.kind in ("functional_branch", "functional_group"):
            covered[o.community_code] |= set(o.units)
    lacking = {c for c, units in covered.items() if len(units) < 3}
    assert len(lacking) == 2 and lacking == _communities_of(_by_rule(district, "functional.units"))
    assert len(_by_rule(district, "special.volunteer_team")) == 2


def test_the_demo_member_breaches_are_found(district: list[dict[str, Any]], demo: Demo) -> None:
    """generate.py breaches 7, 11, 16-18: plan (三) 党员向社区党组织报到、联合组建社区党员志愿者
    服务队; plan (五) 居民楼栋党支部书记、党小组长; 无职党员……认领……义务奉献岗位; 特殊类别党员的
    服务帮扶."""
    pending = {
        str(m.id) for m in demo.members if m.reporting_status == "pending" and m.left_on is None
    }
    assert pending and pending <= _members_of(_by_rule(district, "reporting.pending"))
    led = {s.organization_id for s in demo.committee_seats if s.role == "secretary"}
    leaderless = {
        str(o.id)
        for o in demo.organizations
        if o.kind in ("grid_branch", "party_group") and o.id not in led
    }
    unit_findings = {f["organization"]["id"] for f in _by_rule(district, "unit.leader")}
    assert leaderless and leaderless <= unit_findings
    unhelped = {
        str(k.member_id)
        for k in demo.member_categories
        if k.helper_member_id is None and not (k.helper_contact or "").strip()
    }
    assert unhelped and unhelped <= _members_of(_by_rule(district, "category.helper"))
    assert _by_rule(district, "post.volunteer") and _by_rule(district, "volunteer_team.joint")


# --- the API: rules, paging, scopes, filters, errors -----------------------------------------


def test_rules_lists_the_registry(running: Running) -> None:
    data = query(running, "{ rules { id severity hard title titleEn planClause } }")["rules"]
    assert [r["id"] for r in data] == list(checker.RULES)
    for r in data:
        rule = checker.RULES[r["id"]]
        assert r["severity"] == rule.severity.name and r["hard"] == rule.hard
        assert r["planClause"] == rule.plan_clause and r["titleEn"] == rule.title_en


def _busiest_street(district: list[dict[str, Any]]) -> str:
    return Counter(f["community"]["code"][:9] for f in district).most_common(1)[0][0]


def test_paging_returns_every_finding_once_in_order(
    running: Running, district: list[dict[str, Any]]
) -> None:
    """Pages of 200 over the district (the fixture) and of 37 over a street: each finding once,
    in the order community, rule, organization, member."""
    assert len(set(map(_key, district))) == len(district)
    order = [_key(f)[:4] for f in district]
    assert order == sorted(order)
    street = _busiest_street(district)
    small = _all(running, page=37, region=street)
    assert len(small) > 37
    assert [_key(f) for f in small] == [
        _key(f) for f in district if f["community"]["code"].startswith(street)
    ]
    for f in district:
        rule = checker.RULES[f["rule"]]
        assert f["message"] and f["messageEn"] and f["planClause"] == rule.plan_clause
        assert f["severity"] == rule.severity.name


def test_scopes_nest_community_street_district(
    running: Running, district: list[dict[str, Any]]
) -> None:
    community = Counter(f["community"]["code"] for f in district).most_common(1)[0][0]
    street = community[:9]
    in_street = _all(running, region=street)
    in_community = _all(running, region=community)
    assert {_key(f) for f in in_street} == {
        _key(f) for f in district if f["community"]["code"].startswith(street)
    }
    assert {_key(f) for f in in_community} == {
        _key(f) for f in district if f["community"]["code"] == community
    }
    assert set(map(_key, in_community)) < set(map(_key, in_street)) < set(map(_key, district))


def test_an_organization_scope_covers_it_and_those_under_it(
    running: Running, district: list[dict[str, Any]], service_urls: dict[str, str]
) -> None:
    community = Counter(f["community"]["code"] for f in district).most_common(1)[0][0]
    mine = [f for f in district if f["community"]["code"] == community]
    top = query(
        running, "query ($c: String!) { community(code: $c) { organization { id } } }",
        {"c": community},
    )["community"]["organization"]["id"]  # fmt: skip
    assert {_key(f) for f in _all(running, org=top)} == {_key(f) for f in mine}
    unit = next(
        f["organization"]["id"]
        for f in mine
        if f["rule"] == "placement.building_group" and f["organization"]["id"] != top
    )
    subtree = """WITH RECURSIVE t AS (SELECT id FROM org.party_organization WHERE id = :root
        UNION SELECT o.id FROM org.party_organization o JOIN t ON o.parent_id = t.id
        WHERE o.dissolved_at IS NULL) SELECT id FROM t"""
    with rolled_back(service_urls["org"]) as conn:
        under = {str(r.id) for r in conn.execute(text(subtree), {"root": unit})}
    scoped = _all(running, org=unit)
    assert scoped and {_key(f) for f in scoped} == {
        _key(f) for f in mine if f["organization"] and f["organization"]["id"] in under
    }
    # Both scopes given: the organization's findings inside the region.
    assert _all(running, org=unit, region=DISTRICT) == scoped
    assert _all(running, org=unit, region="410104999") == []


def test_filters_by_severity_and_rule(running: Running, district: list[dict[str, Any]]) -> None:
    warnings = _all(running, region=DISTRICT, severity="WARNING")
    assert [_key(f) for f in warnings] == [_key(f) for f in district if f["severity"] == "WARNING"]
    committee = _all(running, region=DISTRICT, rule="committee")  # a dotted prefix
    assert committee and {f["rule"] for f in committee} <= {
        r for r in checker.RULES if r.startswith("committee.")
    }
    exact = _all(running, region=DISTRICT, rule="deputy.standing")
    assert [_key(f) for f in exact] == [_key(f) for f in _by_rule(district, "deputy.standing")]


def test_as_of_dates_party_standing(running: Running, district: list[dict[str, Any]]) -> None:
    """plan (二): 专职副书记应由党龄2年以上 — measured on asOf: the junior deputy grows into it."""
    junior = _members_of(_by_rule(district, "deputy.standing"))
    later = FINDINGS.replace(f'asOf: "{AS_OF}"', 'asOf: "2023-01-01"')
    data = query(running, later, {"region": DISTRICT, "rule": "deputy.standing", "first": 200})
    assert junior and not junior & {e["node"]["member"]["id"] for e in data["findings"]["edges"]}


@pytest.mark.parametrize(
    ("variables", "words"),
    [
        ({}, "regionCode"),
        ({"region": "  "}, "regionCode"),
        ({"region": "4101"}, "regionCode"),  # a prefix of codes: malformed, not a scope
        ({"region": DISTRICT, "rule": "no.such"}, "Unknown rule"),
        ({"region": DISTRICT, "after": "bm90IGEgY3Vyc29y"}, "cursor"),
    ],
)
def test_a_bad_scope_is_a_clear_error(
    running: Running, variables: dict[str, Any], words: str
) -> None:
    result = running.post(running.subgraphs["org"], FINDINGS, variables)
    error = result["errors"][0]
    # Chinese first, the English in messageEn (issue 15, 10.: both were in one message).
    assert result["data"] is None and words in error["extensions"]["messageEn"]
    assert re.search(r"[\u4e00-\u9fff]", error["message"]) and "(" not in error["message"]


@pytest.mark.parametrize(
    "variables",
    [
        {"region": "999999"},
        {"org": "00000000-0000-0000-0000-000000000000"},
        {"org": "not-an-id"},
    ],
)
def test_an_unknown_scope_has_no_findings(running: Running, variables: dict[str, Any]) -> None:
    data = query(running, FINDINGS, variables)["findings"]
    assert data["totalCount"] == 0 and data["edges"] == []


def test_grid_unavailable_reports_placement_unchecked(
    district: list[dict[str, Any]], service_urls: dict[str, str]
) -> None:
    """plan (二): 分支部建在片区、党小组建到楼栋 — one info finding per community, no failure."""

    statements: list[str] = []

    async def run() -> list[checker.Finding]:
        engine = make_engine(service_urls["org"], pool_size=1)
        event.listen(
            engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2])
        )
        try:
            async with httpx.AsyncClient(timeout=2) as client, engine.connect() as conn:
                grid = GridClient(f"http://127.0.0.1:{free_port()}/graphql", client)
                codes = sorted({f["community"]["code"] for f in district})
                return await checker.check_communities(
                    conn,
                    grid,
                    community_codes=codes,
                    as_of=dt.date(2020, 4, 30),
                    settings=RulesSettings(),
                )
        finally:
            await engine.dispose()

    found = asyncio.run(run())
    assert len(statements) <= 12  # a query per table for all 14 communities: no N+1
    unchecked = [f for f in found if f.rule == "placement.unchecked"]
    assert len(unchecked) == 14 and len({f.community_code for f in unchecked}) == 14
    assert all(f.severity is checker.Severity.INFO for f in unchecked)
    assert not [f for f in found if f.rule.startswith("placement.") and f not in unchecked]
    others = sorted((f.rule, f.message) for f in found if not f.rule.startswith("placement."))
    assert others == sorted(
        (f["rule"], f["message"]) for f in district if not f["rule"].startswith("placement.")
    )
