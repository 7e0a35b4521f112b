"""The plan's milestones through the gateway: the schedule as data, each community's status
(done / pending / overdue as of a day), overdue lists per street office, attestations.

DOMAIN "Assessment": grading by 5-15; organizations and leadership complete by 5-31; five
systems in pilot communities by 5-31 and in all communities by 9-30; June exchange meeting;
七一 commendations; typical cases by 9-30; all communities meet 三有四化 by 10-31;
demonstration communities by year end.

Years of their own: 2012 (past: only dated records count; every write goes there, since a
write names no year after the current one) and 2037 (ahead of today, read only: the schedule
and statuses are a plan view, and live data counts). Expected statuses are derived from the
schedule, org's pilot flags and the computed scores the API returns, never fixed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from infra.setup import Prepared
from services.assess.shared.text import MAX_NOTE
from services.common.auth import Identity, Role
from stack import DISTRICT, Running
from tests.services.assess.grading.grading_api import (
    DETERMINE,
    OPEN,
    PREVIEW,
    SELF_ASSESS,
    SURVEY,
    SURVEY_COUNTS,
    Community,
    Rows,
    codes,
    communities,
    forbidden,
    full_self_scores,
    gql,
    mutate,
    secretary,
    street_user,
)

PAST, AHEAD = 2012, 2037

SCHEDULE = """query ($y: Int!) { milestones(year: $y) {
  id name nameEn due appliesTo proof indicators planClause } }"""
STATUSES = """query ($r: String!, $y: Int!, $on: Date) {
  milestoneStatuses(regionCode: $r, year: $y, asOf: $on) {
    communityCode communityName streetCode isPilot
    milestones { milestone { id due } status doneOn how howEn } } }"""
OVERDUE = """query ($r: String!, $y: Int!, $on: Date) {
  overdueMilestones(regionCode: $r, year: $y, asOf: $on) {
    regionCode asOf count
    streets { streetCode streetName count
              items { communityCode milestone { id due } daysOverdue how } } } }"""
ATTEST = """mutation ($c: String!, $y: Int!, $m: String!, $on: Date!, $note: String!) {
  attestMilestone(communityCode: $c, year: $y, milestoneId: $m, doneOn: $on, note: $note) {
    status { milestone { id } status doneOn how } errors { code message messageEn field rule } } }"""
WITHDRAW = """mutation ($c: String!, $y: Int!, $m: String!) {
  withdrawMilestoneAttestation(communityCode: $c, year: $y, milestoneId: $m) {
    status { milestone { id } status doneOn } errors { code field } } }"""


@pytest.fixture(scope="module")
def rows(prepared: Prepared) -> Iterator[Rows]:
    owned = Rows(prepared.database.service_urls["assess"], [PAST, AHEAD])
    owned.clean()
    yield owned
    owned.clean()
    owned.engine.dispose()


def _schedule(running: Running, year: int) -> list[dict]:
    return gql(running, SCHEDULE, {"y": year})["milestones"]


def _statuses(
    running: Running, region: str, year: int, on: dt.date, who: Identity = DISTRICT
) -> dict:
    found = gql(running, STATUSES, {"r": region, "y": year, "on": on.isoformat()}, who)
    return {c["communityCode"]: c for c in found["milestoneStatuses"]}


def _applies(milestone: dict, community: Community) -> bool:
    return milestone["appliesTo"] == "ALL" or community.is_pilot


def test_the_schedule_is_the_plans(running: Running) -> None:
    """plan 三、方法步骤 and 一: the deadlines, as data for any year."""
    plan = {m["id"]: m for m in _schedule(running, 2020)}
    due = {key: m["due"] for key, m in plan.items()}
    assert due["grading"] == "2020-05-15"  # （一）分类定级 … 5月中旬以前完成
    assert due["organizations"] == "2020-05-31"  # （二）健全组织，配好班子。5月底以前完成
    assert due["five_systems_pilot"] == "2020-05-31"  # （三）试点社区5月底以前
    assert due["five_systems_all"] == "2020-09-30"  # 全区所有社区9月底以前
    assert due["exchange_meeting"].startswith("2020-06-")  # 6月份召开 … 经验交流会
    assert due["july_first_commendations"] == "2020-07-01"  # “七一”期间 … 表彰
    assert due["typical_cases"] == "2020-09-30"  # 9月底以前培养一批 … 先进典型
    assert due["three_haves_four"] == "2020-10-31"  # 一、10月底以前 … 达到“三有四化”要求
    assert due["demonstration"] == "2020-12-31"  # 年底之前 … 示范亮点社区
    pilots_only = {k for k, m in plan.items() if m["appliesTo"] == "PILOT"}
    assert pilots_only == {"five_systems_pilot", "exchange_meeting"}
    assert plan["organizations"]["indicators"] == ["P1", "O1", "O2"]  # leadership and setup
    assert all(plan[k]["indicators"] == [f"W{n}" for n in range(1, 6)] for k in ("five_systems_pilot", "five_systems_all"))  # fmt: skip
    assert (plan["grading"]["proof"], plan["three_haves_four"]["proof"]) == ("DETERMINED", "MEETS_STANDARD")  # fmt: skip
    assert [m["due"] for m in _schedule(running, 2020)] == sorted(due.values())  # by deadline
    later = {m["id"]: m["due"] for m in _schedule(running, AHEAD)}
    assert later == {k: f"{AHEAD}{v[4:]}" for k, v in due.items()}


def _expected(
    milestone: dict, preview: dict, on: dt.date, today: dt.date
) -> tuple[str, str | None]:
    """A computed milestone's status from the live score (which counts from today on)."""
    passed = {r["indicatorCode"] for r in preview["results"] if r["passed"]}
    if milestone["proof"] == "MEETS_STANDARD":
        holds = preview["meetsStandard"]
    elif milestone["proof"] == "INDICATORS":
        holds = all(code in passed for code in milestone["indicators"])
    else:
        holds = False
    if holds and on >= today:
        return "DONE", today.isoformat()
    return ("OVERDUE" if on > dt.date.fromisoformat(milestone["due"]) else "PENDING"), None


def test_statuses_follow_the_evidence(running: Running, rows: Rows) -> None:
    """Ahead of today live data proves the computed milestones; a determined assessment
    proves the grading (on the day it was determined); before a record's date nothing is
    done."""
    today = dt.date.today()
    street = communities(running)[0].street
    mine = communities(running, street)
    schedule = _schedule(running, AHEAD)
    on = dt.date(AHEAD, 6, 1)
    got = _statuses(running, street, AHEAD, on)
    assert sorted(got) == [c.code for c in mine]
    for c in mine:
        preview = gql(running, PREVIEW, {"code": c.code, "year": AHEAD})["gradingPreview"]
        statuses = {s["milestone"]["id"]: s for s in got[c.code]["milestones"]}
        assert set(statuses) == {m["id"] for m in schedule if _applies(m, c)}, c
        assert got[c.code]["isPilot"] == c.is_pilot
        for m in schedule:
            if not _applies(m, c):
                continue
            status = statuses[m["id"]]
            if m["proof"] in ("INDICATORS", "MEETS_STANDARD"):
                expected = _expected(m, preview, on, today)
            else:  # nothing determined or attested in this year
                expected = ("OVERDUE" if on > dt.date.fromisoformat(m["due"]) else "PENDING", None)
            assert (status["status"], status["doneOn"]) == expected, (c, m["id"], status)
            assert status["how"] and status["howEn"]

    # A full cycle for one community, in a past year (no write names a later year than the
    # current one): the grading milestone is done the day it is determined.
    first = mine[0]
    opened = mutate(running, OPEN, {"code": first.code, "year": PAST})["assessment"]
    mutate(running, SELF_ASSESS, {"id": opened["id"], "scores": full_self_scores(opened)})
    survey = {"id": opened["id"], "heldOn": f"{PAST}-05-10", "counts": SURVEY_COUNTS}
    assert mutate(running, SURVEY, survey)["errors"] == []
    grade = opened["standard"]["grades"][0]["id"]
    done = mutate(running, DETERMINE, {"id": opened["id"], "grade": grade, "reason": "认定"})
    assert done["errors"] == [], done

    def statuses_of(on: dt.date) -> dict[str, dict]:
        found = _statuses(running, first.code, PAST, on)[first.code]["milestones"]
        return {s["milestone"]["id"]: s for s in found}

    after = statuses_of(today)
    assert (after["grading"]["status"], after["grading"]["doneOn"]) == ("DONE", today.isoformat())
    # Asked as of yesterday: the determination (today) had not happened, nor had the grading
    # snapshots been taken, and live data proves nothing about the past: nothing is done, and
    # every deadline of that year has passed.
    before = statuses_of(today - dt.timedelta(days=1))
    assert all((s["status"], s["doneOn"]) == ("OVERDUE", None) for s in before.values()), before
    # Grading snapshots are dated evidence: one taken ten days ago in which W1-W5 passed
    # proves the five work systems as of five days ago, when live data proves nothing.
    taken = today - dt.timedelta(days=10)
    with rows.engine.begin() as conn:
        conn.execute(
            text(
                """UPDATE assess.grading_snapshot SET taken_at = :taken, results = (
                     SELECT jsonb_agg(CASE WHEN r->>'code' LIKE 'W%' THEN
                              jsonb_set(r, '{passed}', 'true') ELSE r END ORDER BY n)
                     FROM jsonb_array_elements(results) WITH ORDINALITY AS e(r, n))
                   WHERE assessment_id = :id AND step = 'determined'"""
            ),
            {"taken": dt.datetime.combine(taken, dt.time(12), dt.UTC), "id": opened["id"]},
        )
    snap = done["assessment"]["snapshots"][-1]
    passed = {r["indicatorCode"] for r in snap["results"] if r["passed"]} | {
        f"W{n}" for n in range(1, 6)
    }
    dated = statuses_of(today - dt.timedelta(days=5))
    assert (dated["five_systems_all"]["status"], dated["five_systems_all"]["doneOn"]) == (
        "DONE",
        taken.isoformat(),
    )
    assert dated["grading"]["status"] == "OVERDUE"  # determined today, after the as-of day
    for m in _schedule(running, PAST):
        if m["proof"] == "INDICATORS" and _applies(m, first):
            proven = all(code in passed for code in m["indicators"])
            assert (dated[m["id"]]["status"] == "DONE") == proven, dated[m["id"]]


def test_attestations_and_overdue_lists_per_street(running: Running, rows: Rows) -> None:
    """The street office attests what no data proves (a date and a note); what is missed by
    the as-of day is listed per street office, for the district and for each street."""
    everyone = communities(running)
    target = everyone[0]
    street = street_user(target.code)
    note = "召开“七一”表彰大会"
    payload = mutate(
        running,
        ATTEST,
        {"c": target.code, "y": PAST, "m": "july_first_commendations", "on": f"{PAST}-06-28", "note": note},
        street,
    )  # fmt: skip
    assert payload["errors"] == [], payload
    assert (payload["status"]["status"], payload["status"]["doneOn"]) == ("DONE", f"{PAST}-06-28")
    assert note in payload["status"]["how"]

    def status_on(on: dt.date) -> dict:
        found = _statuses(running, target.code, PAST, on)[target.code]["milestones"]
        return next(s for s in found if s["milestone"]["id"] == "july_first_commendations")

    assert status_on(dt.date(PAST, 6, 20))["status"] == "PENDING"  # not yet done, not yet due
    assert status_on(dt.date(PAST, 7, 2))["status"] == "DONE"

    # Overdue as of 2 July of a past year: every applicable milestone due before that day,
    # save the one attested (no assessment or record exists in that year).
    on = dt.date(PAST, 7, 2)
    schedule = _schedule(running, PAST)

    def missed(c: Community) -> list[str]:
        due = [m["id"] for m in schedule if _applies(m, c) and dt.date.fromisoformat(m["due"]) < on]
        return [m for m in due if not (c == target and m == "july_first_commendations")]

    listed = gql(running, OVERDUE, {"r": DISTRICT.region, "y": PAST, "on": on.isoformat()})
    listed = listed["overdueMilestones"]
    streets = sorted({c.street for c in everyone})
    assert [s["streetCode"] for s in listed["streets"]] == streets
    for s in listed["streets"]:
        members = [c for c in everyone if c.street == s["streetCode"]]
        expected = sorted((c.code, m) for c in members for m in missed(c))
        assert sorted((i["communityCode"], i["milestone"]["id"]) for i in s["items"]) == expected
        assert s["count"] == len(expected) and s["streetName"]
        for item in s["items"]:
            due = dt.date.fromisoformat(item["milestone"]["due"])
            assert item["daysOverdue"] == (on - due).days > 0
    assert listed["count"] == sum(len(missed(c)) for c in everyone)

    # A street office sees its own street; a secretary its own community.
    own = gql(running, OVERDUE, {"r": DISTRICT.region, "y": PAST, "on": on.isoformat()}, street)
    assert [s["streetCode"] for s in own["overdueMilestones"]["streets"]] == [target.street]
    mine = gql(running, OVERDUE, {"r": DISTRICT.region, "y": PAST, "on": on.isoformat()}, secretary(target.code))  # fmt: skip
    items = mine["overdueMilestones"]["streets"][0]["items"]
    assert {i["communityCode"] for i in items} == {target.code}
    assert len(items) == len(missed(target))

    # Withdrawn, it is overdue again; withdrawing twice finds nothing.
    back = mutate(running, WITHDRAW, {"c": target.code, "y": PAST, "m": "july_first_commendations"}, street)  # fmt: skip
    assert back["errors"] == [] and back["status"]["status"] == "OVERDUE", back
    assert status_on(on)["status"] == "OVERDUE"
    again = mutate(running, WITHDRAW, {"c": target.code, "y": PAST, "m": "july_first_commendations"}, street)  # fmt: skip
    assert again == {"status": None, "errors": [{"code": "NOT_FOUND", "field": ["milestoneId"]}]}


def test_a_pilot_attests_the_exchange_meeting(running: Running, rows: Rows) -> None:
    """plan (五): 6月份召开试点社区党建创新经验交流会 — a milestone of the pilot communities."""
    pilot = next(c for c in communities(running) if c.is_pilot)
    payload = mutate(
        running,
        ATTEST,
        {"c": pilot.code, "y": PAST, "m": "exchange_meeting", "on": f"{PAST}-06-18", "note": "交流发言"},
    )  # fmt: skip
    assert payload["errors"] == [], payload
    assert payload["status"]["doneOn"] == f"{PAST}-06-18"
    mutate(running, WITHDRAW, {"c": pilot.code, "y": PAST, "m": "exchange_meeting"})


def test_bad_attestations_are_refused_and_write_nothing(running: Running, rows: Rows) -> None:
    everyone = communities(running)
    target = next(c for c in everyone if not c.is_pilot)
    other = next(c for c in everyone if c.street != target.street)
    today = dt.date.today()
    tomorrow = today + dt.timedelta(days=1)
    good = {"c": target.code, "y": PAST, "m": "typical_cases", "on": f"{PAST}-09-01", "note": "典型材料"}  # fmt: skip
    cases = [
        ({"on": tomorrow.isoformat(), "y": today.year}, "INVALID", ["doneOn"]),  # not yet done
        ({"y": today.year + 1}, "INVALID", ["year"]),  # a year to come: its schedule is a plan
        ({"y": 1999, "on": "1999-09-01"}, "INVALID", ["year"]),
        ({"on": f"{PAST + 1}-01-02"}, "INVALID", ["doneOn"]),
        ({"note": "  "}, "INVALID", ["note"]),
        ({"note": "典型\x00材料"}, "INVALID", ["note"]),  # Postgres refuses a NUL in text
        ({"note": "长" * (MAX_NOTE + 1)}, "INVALID", ["note"]),
        ({"m": "grading"}, "RULE_VIOLATION", ["milestoneId"]),  # proven by a determination
        ({"m": "three_haves_four"}, "RULE_VIOLATION", ["milestoneId"]),  # proven by the data
        ({"m": "exchange_meeting"}, "RULE_VIOLATION", ["communityCode"]),  # pilots only
        ({"m": "no_such_milestone"}, "NOT_FOUND", ["milestoneId"]),
        ({"c": DISTRICT.region + "999999"}, "NOT_FOUND", ["communityCode"]),
        # A street's code as communityCode is refused before the write (tests/gateway/auth/test_region_codes.py).
    ]
    with rows.unchanged():
        for change, code, field in cases:
            payload = mutate(running, ATTEST, good | change)
            assert payload["status"] is None
            assert codes(payload) == {code}, (change, payload)
            assert field in [e["field"] for e in payload["errors"]], payload
            assert all(e["message"] and e["messageEn"] for e in payload["errors"])
        for role in (Role.SECRETARY, Role.PLANNER, Role.VIEWER):
            who = Identity(f"test-{role.value}", role, target.code)
            assert forbidden(running, ATTEST, good, who) == "role"
        assert forbidden(running, ATTEST, good, street_user(other.code)) == "scope"
        assert forbidden(running, WITHDRAW, {k: good[k] for k in ("c", "y", "m")}, street_user(other.code)) == "scope"  # fmt: skip
        later = mutate(running, WITHDRAW, {"c": target.code, "y": today.year + 1, "m": "typical_cases"})  # fmt: skip
        assert later == {"status": None, "errors": [{"code": "INVALID", "field": ["year"]}]}


@pytest.mark.parametrize("query", [SCHEDULE, STATUSES, OVERDUE])
def test_a_plan_year_beyond_its_bounds_is_invalid(running: Running, query: str) -> None:
    """The plan views take 2000 to 50 years ahead (services/assess/shared/dates.py): a year past
    9999 is INVALID (with the field), not a masked internal error."""
    for year in (10000, dt.date.today().year + 51, 1999):
        variables = {"y": year} | ({"r": DISTRICT.region} if "$r" in query else {})
        result = running.post(running.gateway, query, variables)
        assert result.get("errors"), result
        extensions = result["errors"][0]["extensions"]
        assert (extensions["code"], extensions["field"]) == ("INVALID", ["year"]), result
        assert result["errors"][0]["message"] and extensions["messageEn"]


def test_a_region_reads_as_its_communities_alone(running: Running, rows: Rows) -> None:
    """The live scores behind a district's statuses are read once for all its communities
    (one org and one grid request, standards merged by version); each community must read
    exactly as it does asked alone. In PAST (as of today, so live data counts) one community
    has an assessment of its own (its standard's version) and the rest none."""
    every = communities(running)
    opened = running.post(
        running.gateway, OPEN, {"code": every[-1].code, "year": PAST}, identity=DISTRICT
    )  # opened here, or already open from an earlier test: either way assessed in PAST
    assert "errors" not in opened, opened
    today = dt.date.today()
    for year in (PAST, AHEAD):
        whole = _statuses(running, DISTRICT.region, year, today)
        alone: dict[str, dict] = {}
        for c in every:
            alone |= _statuses(running, c.code, year, today)
        assert sorted(whole) == [c.code for c in every]
        assert whole == alone, year
