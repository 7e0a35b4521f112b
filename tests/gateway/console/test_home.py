"""The console's home page (issue 16) for each role: the user's region and role, and what is
due there — overdue and coming milestones, open improvement goals, monthly reports to submit,
members not reported in — each item linking to its console page. Every expectation is asked of
the graph separately (bearer token, other operations than the page's), never written down."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from console_client import SignIn

from gateway.console.labels import LABELS
from services.common.auth import Identity, Role
from stack import Running

# The demo users (the console signs in as them); the graph is asked as the same role and
# region under another name (the demo users' own tokens carry their session).
USERS = {
    "demo-district": Identity("t-district", Role.DISTRICT, "410104"),
    "demo-street": Identity("t-street", Role.STREET, "410104001"),
    "demo-secretary": Identity("t-secretary", Role.SECRETARY, "410104001001"),
    "demo-planner": Identity("t-planner", Role.PLANNER, "410104"),
    "demo-viewer": Identity("t-viewer", Role.VIEWER, "410104"),
}
ZH = LABELS["zh"]


def _ask(running: Running, identity: Identity, query: str, variables: dict) -> dict:
    return running.post(running.gateway, query, variables, identity=identity)


def _part(page: str, name: str) -> str:
    found = re.search(rf'<section[^>]*data-part="{name}"[^>]*>(.*?)</section>', page, re.S)
    assert found, f"no part {name}"
    return found.group(0)


def _month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@pytest.fixture(scope="module")
def today() -> dt.date:
    return dt.date.today()


@pytest.mark.parametrize("username", list(USERS))
def test_home_names_the_region_its_level_and_the_role(
    signed_in: SignIn, running: Running, username: str
) -> None:
    identity = USERS[username]
    region = _ask(
        running,
        identity,
        "query($c: String!) { region(code: $c) { name nameEn level } }",
        {"c": identity.region},
    )["data"]["region"]
    page = signed_in(username).get("/console").text
    assert f'data-region="{identity.region}"' in page
    assert region["name"] in page
    assert f'data-level="{region["level"]}"' in page
    assert ZH[f"role_{identity.role.value}"] in page
    english = signed_in(username).get("/console?lang=en").text
    assert html.escape(region["nameEn"]) in english


@pytest.mark.parametrize("username", list(USERS))
def test_overdue_milestones_are_the_graphs_each_linking_its_community(
    signed_in: SignIn, running: Running, username: str, today: dt.date
) -> None:
    identity = USERS[username]
    overdue = _ask(
        running,
        identity,
        """query($c: String!, $y: Int!) { overdueMilestones(regionCode: $c, year: $y) {
          count streets { items { communityCode milestone { id name } } } } }""",
        {"c": identity.region, "y": today.year},
    )["data"]["overdueMilestones"]
    expected: dict[str, set[str]] = {}
    for street in overdue["streets"]:
        for item in street["items"]:
            expected.setdefault(item["milestone"]["id"], set()).add(item["communityCode"])
    assert overdue["count"] > 0, "the demo district has overdue milestones"
    part = _part(signed_in(username).get("/console").text, "milestones")
    table = re.search(r'<table data-milestones="overdue">(.*?)</table>', part, re.S)
    assert table
    rows = dict(re.findall(r'<tr data-milestone="([\w.-]+)">(.*?)</tr>', table.group(1), re.S))
    assert rows.keys() == expected.keys()
    for milestone, communities in expected.items():
        linked = set(re.findall(r'href="/console/assessment/(\d{12})"', rows[milestone]))
        assert linked == communities, milestone


def test_coming_milestones_are_the_pending_ones(
    signed_in: SignIn, running: Running, today: dt.date
) -> None:
    identity = USERS["demo-street"]
    statuses = _ask(
        running,
        identity,
        """query($c: String!, $y: Int!) { milestoneStatuses(regionCode: $c, year: $y) {
          milestones { milestone { id } status } } }""",
        {"c": identity.region, "y": today.year},
    )["data"]["milestoneStatuses"]
    pending = {
        m["milestone"]["id"] for c in statuses for m in c["milestones"] if m["status"] == "PENDING"
    }
    part = _part(signed_in("demo-street").get("/console").text, "milestones")
    coming = re.search(r'data-milestones="coming">(.*?)</(table|p)>', part, re.S)
    assert coming
    assert set(re.findall(r'<tr data-milestone="([\w.-]+)">', coming.group(1))) == pending


@pytest.mark.parametrize("username", list(USERS))
def test_open_improvement_goals_are_the_graphs(
    signed_in: SignIn, running: Running, username: str
) -> None:
    identity = USERS[username]
    goals = _ask(
        running,
        identity,
        """query($c: String!) { improvementGoals(regionCode: $c, status: OPEN, first: 200) {
          nodes { id communityCode } } }""",
        {"c": identity.region},
    )["data"]["improvementGoals"]["nodes"]
    part = _part(signed_in(username).get("/console").text, "goals")
    shown = re.findall(r'<tr data-goal="([^"]+)">', part)
    assert sorted(shown) == sorted(g["id"] for g in goals)
    if not goals:
        assert ZH["home_no_goals"] in part


def test_a_street_sees_its_own_reports_not_submitted(
    signed_in: SignIn, running: Running, today: dt.date
) -> None:
    identity = USERS["demo-street"]
    last = _month(today.replace(day=1) - dt.timedelta(days=1))
    expected = set()
    for month in (last, _month(today)):
        report = _ask(
            running,
            identity,
            "query($s: String!, $m: String!) { monthlyReport(streetCode: $s, month: $m) { status } }",
            {"s": identity.region, "m": month},
        )["data"]["monthlyReport"]
        if report is None or report["status"] != "SUBMITTED":
            expected.add(f"{identity.region}/{month}")
    part = _part(signed_in("demo-street").get("/console").text, "reports")
    assert set(re.findall(r'<tr data-report="([\d/-]+)">', part)) == expected
    for due in expected:
        assert f'href="/console/reports/{due}"' in part


@pytest.mark.parametrize("username", ["demo-district", "demo-viewer"])
def test_the_district_sees_the_streets_that_have_not_submitted(
    signed_in: SignIn, running: Running, username: str, today: dt.date
) -> None:
    identity = USERS[username]
    last = _month(today.replace(day=1) - dt.timedelta(days=1))
    expected = set()
    for month in (last, _month(today)):
        rollup = _ask(
            running,
            identity,
            """query($d: String!, $m: String!) { monthlyReportRollup(districtCode: $d, month: $m) {
              notSubmitted { streetCode } } }""",
            {"d": identity.region, "m": month},
        )["data"]["monthlyReportRollup"]
        expected |= {f"{s['streetCode']}/{month}" for s in rollup["notSubmitted"]}
    assert expected, "the demo district has streets that have not submitted"
    part = _part(signed_in(username).get("/console").text, "reports")
    assert set(re.findall(r'<tr data-report="([\d/-]+)">', part)) == expected


@pytest.mark.parametrize("username", ["demo-secretary", "demo-planner"])
def test_no_report_part_for_who_submits_none_or_may_not_read_them(
    signed_in: SignIn, username: str
) -> None:
    # A community submits no monthly report; a planner's role may not read them (FORBIDDEN).
    page = signed_in(username).get("/console").text
    assert 'data-part="milestones" data-state="ok"' in page  # the rest of what is due is there
    assert 'data-part="reports"' not in page
    assert ZH["home_unavailable"] not in page


@pytest.mark.parametrize("username", list(USERS))
def test_members_not_reported_in_are_counted_per_community(
    signed_in: SignIn, running: Running, username: str
) -> None:
    identity = USERS[username]
    codes = [
        c["code"]
        for c in _ask(
            running,
            identity,
            "query($c: String!) { communities(regionCode: $c) { code } }",
            {"c": identity.region},
        )["data"]["communities"]
    ]
    counts = _ask(
        running,
        identity,
        "query($c: [String!]!) { communityCounts(communityCodes: $c) { code reportingDue reportedIn } }",
        {"c": codes},
    )["data"]["communityCounts"]
    missing = {c["code"]: c["reportingDue"] - c["reportedIn"] for c in counts}
    missing = {code: n for code, n in missing.items() if n > 0}
    assert missing, "the demo district has members not reported in"
    part = _part(signed_in(username).get("/console").text, "reporting")
    assert f'data-missing="{sum(missing.values())}"' in part
    rows = dict(re.findall(r'<tr data-community="(\d{12})">(.*?)</tr>', part, re.S))
    assert rows.keys() == missing.keys()
    for code, n in missing.items():
        assert f'href="/console/community/{code}/members"' in rows[code]
        assert f'<td class="num">{n}</td>' in rows[code]


def test_a_secretary_sees_the_names_the_graph_gives(signed_in: SignIn, running: Running) -> None:
    identity = USERS["demo-secretary"]
    pending: list[str] = []
    for management in ("NON_SELF", "JOINT"):
        nodes = _ask(
            running,
            identity,
            """query($c: String!, $m: Management!) { members(
              filter: {regionCode: $c, management: $m}, first: 200) {
              nodes { name reporting { status } } } }""",
            {"c": identity.region, "m": management},
        )["data"]["members"]["nodes"]
        pending += [
            n["name"] for n in nodes if n["reporting"] and n["reporting"]["status"] == "PENDING"
        ]
    assert pending, "the demo community has members not reported in"
    part = _part(signed_in("demo-secretary").get("/console").text, "reporting")
    names = re.search(r'<ul class="names" data-pending="(\d+)">(.*?)</ul>', part, re.S)
    assert names
    assert int(names.group(1)) == len(pending)
    shown = set(re.findall(r"<li>(.*?)</li>", names.group(2)))
    assert shown and shown <= {html.escape(n) for n in pending}


def test_above_a_community_no_member_is_named_on_home(signed_in: SignIn) -> None:
    part = _part(signed_in("demo-street").get("/console").text, "reporting")
    assert 'class="names"' not in part


def test_home_keeps_the_tiles_of_every_page(signed_in: SignIn) -> None:
    page = signed_in("demo-street").get("/console").text
    tiles = re.search(r'<h2 id="pages">.*?<ul class="tiles">(.*?)</ul>', page, re.S)
    assert tiles
    for href in re.findall(r'<a href="([^"]+)" data-nav="(?!nav_home)', page):
        assert f'href="{href}"' in tiles.group(1)


def _render_home(**parts: object) -> str:
    """The home template with the frame a page gives it and these parts (the demo district
    has no open improvement goal, so their table is rendered here from the graph's shape)."""
    from gateway.console.pages.home import HIDDEN, OK, Part
    from gateway.console.templating import render

    frame = {
        "t": ZH.__getitem__,
        "url": lambda path, **params: path,
        "lang": "zh",
        "csrf": "token",
        "nonce": "n",
        "user": "u",
        "role": "street",
        "role_label": ZH["role_street"],
        "nav": [],
        "here": "/console",
        "expires_in": None,
        "other_lang_url": "/console?lang=en",
        "today": "2026-12-07",
        "region_code": "410104001",
        "overview": None,
        "assessment": "/console/assessment",
        "reports_base": "/console/reports",
        "community_base": "/console/community",
        "names_shown": 30,
        "community_names": {"410104001001": "书院街社区"},
    }
    hidden = Part(HIDDEN)
    values = {
        "who": Part(
            OK, {"region": {"name": "北下街街道", "nameEn": "B", "level": "STREET", "parent": None}}
        ),
        "milestones": Part(OK, {"overdue": [], "coming": [], "year": 2026}),
        "goals": hidden,
        "reports": hidden,
        "reporting": hidden,
    }
    values.update(parts)
    return render("home/home.html", {**frame, **values})


def test_open_goals_show_owner_due_date_and_link_escaped() -> None:
    from gateway.console.pages.home import OK, Part

    goal = {
        "id": "g1",
        "communityCode": "410104001001",
        "year": 2026,
        "indicatorCode": "A2",
        "text": '<script>alert(1)</script>"><img src=x>',
        "ownerUser": None,
        "ownerRole": "SECRETARY",
        "dueOn": "2026-12-01",
        "overdue": True,
    }
    page = _render_home(goals=Part(OK, {"goals": [goal], "total": 1}))
    row = re.search(r'<tr data-goal="g1">(.*?)</tr>', page, re.S)
    assert row
    assert 'href="/console/assessment/410104001001">书院街社区</a>' in row.group(1)
    assert "社区党组织书记" in row.group(1) and "SECRETARY" not in row.group(1)
    assert "2026-12-01" in row.group(1) and ZH["home_goal_overdue"] in row.group(1)
    assert "<script>alert" not in page and '"><img' not in page
    assert "&lt;script&gt;" in page


def test_a_part_that_failed_says_so_and_the_rest_renders() -> None:
    from gateway.console.pages.home import UNAVAILABLE, Part

    page = _render_home(milestones=Part(UNAVAILABLE), goals=Part(UNAVAILABLE))
    assert page.count(ZH["home_unavailable"]) == 2
    assert "北下街街道" in page and 'class="tiles"' in page
