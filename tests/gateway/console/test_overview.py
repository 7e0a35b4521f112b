"""`/console/overview/<code>` (issue 16): the communities under a district or street office in
one table, compared with the graph asked separately (as the district, with a bearer token):
names linking to the community, coverage from the counts, gaps with members, the latest
determined grade and 三有四化, rule findings by severity, overdue milestones; sorted on the
server by every column; totals; the district's streets; scope."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import httpx
import pytest
from console_client import SignIn
from sqlalchemy import create_engine, pool, text

from gateway.auth.tokens import AccessTokens
from gateway.console.name_order import name_key
from infra.demo import assessment_cycle as cycle
from infra.setup import Prepared
from services.common.auth import Identity, Role
from stack import DISTRICT, Running

DISTRICT_CODE = DISTRICT.region
COLUMNS = ("name", "street", "coverage", "gaps", "grade", "standard", "findings", "overdue")

GRAPH = """query ($r: String!, $y: Int!) {
  region(code: $r) { name children { code name } }
  communities(regionCode: $r) { code name region { parent { code name } } }
  coverage(regionCode: $r) { communities { code buildings covered gapCounts { buildingWithMembers } } }
  assessments(regionCode: $r, state: DETERMINED, first: 200) {
    nodes { communityCode year determination { grade { id name minScore } } snapshots { step meetsStandard } } }
  overdueMilestones(regionCode: $r, year: $y) { count streets { items { communityCode } } }
}"""
COUNTS = """query ($c: [String!]!) { communityCounts(communityCodes: $c) { code findings { severity } } }"""


class _Table(HTMLParser):
    """Rows of one table of a page (by its class): each row's attributes, cells' text and
    links."""

    def __init__(self, cls: str) -> None:
        super().__init__()
        self.cls, self.depth, self.rows = cls, 0, []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "table":
            self.depth = 1 if values.get("class") == self.cls else (self.depth and self.depth + 1)
        if not self.depth:
            return
        if tag == "tr":
            self.rows.append({"attrs": values, "cells": [], "links": []})
        elif tag in ("td", "th") and self.rows:
            self.cell = []
        elif tag == "a" and self.rows:
            self.rows[-1]["links"].append(values)
        if tag in ("td", "th"):
            self.rows[-1]["cell_attrs"] = [*self.rows[-1].get("cell_attrs", []), values]

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
        if tag in ("td", "th") and self.cell is not None and self.rows:
            self.rows[-1]["cells"].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def table(html: str, cls: str) -> list[dict]:
    parser = _Table(cls)
    parser.feed(html)
    return parser.rows


def community_rows(html: str) -> list[dict]:
    return [r for r in table(html, "overview") if "data-code" in r["attrs"]]


def _expected(running: Running, code: str) -> dict[str, dict]:
    """Each community's figures as the graph gives them to the district."""
    year = dt.date.today().year
    body = running.post(running.gateway, GRAPH, {"r": code, "y": year})
    assert "errors" not in body, body
    data = body["data"]
    coverage = {c["code"]: c for c in data["coverage"]["communities"]}
    latest: dict[str, dict] = {}
    for node in data["assessments"]["nodes"]:
        if (
            node["communityCode"] not in latest
            or node["year"] > latest[node["communityCode"]]["year"]
        ):
            latest[node["communityCode"]] = node
    overdue: dict[str, int] = {}
    for street in data["overdueMilestones"]["streets"]:
        for item in street["items"]:
            overdue[item["communityCode"]] = overdue.get(item["communityCode"], 0) + 1
    codes = [c["code"] for c in data["communities"]]
    counts = running.post(running.gateway, COUNTS, {"c": codes})["data"]["communityCounts"]
    findings = {
        c["code"]: {
            s: sum(f["severity"] == s for f in c["findings"]) for s in ("ERROR", "WARNING", "INFO")
        }
        for c in counts
    }
    out = {}
    for c in data["communities"]:
        cov = coverage[c["code"]]
        held = latest.get(c["code"])
        out[c["code"]] = {
            "name": c["name"],
            "street": c["region"]["parent"]["name"],
            "street_code": c["region"]["parent"]["code"],
            "covered": cov["covered"],
            "buildings": cov["buildings"],
            "coverage": f"{100 * cov['covered'] / cov['buildings']:.1f}%"
            if cov["buildings"]
            else "—",
            "gaps": cov["gapCounts"]["buildingWithMembers"],
            "grade": held["determination"]["grade"]["name"] if held else None,
            "band": held["determination"]["grade"]["minScore"] if held else None,
            "year": held["year"] if held else None,
            "meets": (
                [s for s in held["snapshots"] if s["step"] == "DETERMINED"][-1]["meetsStandard"]
                if held
                else None
            ),
            "findings": findings[c["code"]],
            "overdue": overdue.get(c["code"], 0),
        }
    return out


# One community graded through the gateway (open, self-assess, survey, determine), in a year
# nobody else's tests grade, and removed afterwards: the grade and 三有四化 columns then have
# something to show besides "not determined".
GRADED, GRADED_YEAR = "410104003002", 2017  # grading tests use 2001-2010


@pytest.fixture(scope="module")
def graded(running: Running, prepared: Prepared) -> Iterator[dict]:
    access = AccessTokens(running.keys["access"], ttl=dt.timedelta(minutes=10))

    def token(role: str, region: str) -> str:
        return access.issue(Identity(f"test-{role}-{region}", Role(role), region)).token

    with httpx.Client(timeout=120) as client:
        gateway = cycle.Gateway(running.gateway, token, client)
        try:
            yield cycle.grade(gateway, GRADED, GRADED[:9], GRADED_YEAR, dt.date(GRADED_YEAR, 12, 1))
        finally:
            engine = create_engine(
                prepared.database.service_urls["assess"], poolclass=pool.NullPool
            )
            with engine.begin() as conn:
                conn.execute(
                    text("DELETE FROM assess.assessment WHERE year = :y AND community_code = :c"),
                    {"y": GRADED_YEAR, "c": GRADED},
                )
            engine.dispose()


@pytest.fixture(scope="module")
def expected(running: Running, graded: dict) -> dict[str, dict]:
    found = _expected(running, DISTRICT_CODE)
    assert found[GRADED]["grade"] is not None
    return found


@pytest.fixture(scope="module")
def district_page(signed_in: SignIn, graded: dict) -> str:
    page = signed_in("demo-district").get(f"/console/overview/{DISTRICT_CODE}")
    assert page.status_code == 200, page.text
    return page.text


def test_the_district_table_agrees_with_the_graph(expected: dict, district_page: str) -> None:
    assert "data-missing" not in district_page  # every read answered
    rows = community_rows(district_page)
    assert sorted(r["attrs"]["data-code"] for r in rows) == sorted(expected)
    for row in rows:
        code = row["attrs"]["data-code"]
        want = expected[code]
        name, street, coverage, gaps, grade, standard, findings, overdue, _ = row["cells"]
        assert (name, street, coverage, gaps, overdue) == (
            want["name"],
            want["street"],
            want["coverage"],
            str(want["gaps"]),
            str(want["overdue"]),
        ), code
        hrefs = [link["href"] for link in row["links"]]
        assert hrefs[:1] == [f"/console/community/{code}"]
        assert f"/console/assessment/{code}" in hrefs
        assert {"href": f"/maps/coverage/{code}", "hx-boost": "false"} in row["links"]
        if want["grade"] is None:
            assert grade == "未认定" and standard == "—"
        else:
            assert grade == f"{want['grade']} {want['year']}"
            assert standard == ("达标" if want["meets"] else "未达标")
        for severity, label in (("ERROR", "错误"), ("WARNING", "警告"), ("INFO", "提示")):
            n = want["findings"][severity]
            assert (f"{label} {n}" in findings) == bool(n), (code, findings)
        if not any(want["findings"].values()):
            assert findings == "0"


def test_totals_row_and_the_streets_of_a_district(expected: dict, district_page: str) -> None:
    (totals,) = [r for r in table(district_page, "overview") if r["attrs"].get("class") == "totals"]
    covered = sum(e["covered"] for e in expected.values())
    buildings = sum(e["buildings"] for e in expected.values())
    assert totals["cells"][0] == f"合计（{len(expected)}）"
    assert totals["cells"][2] == f"{100 * covered / buildings:.1f}%"
    assert totals["cells"][3] == str(sum(e["gaps"] for e in expected.values()))
    assert totals["cells"][7] == str(sum(e["overdue"] for e in expected.values()))
    determined = sum(e["grade"] is not None for e in expected.values())
    met = sum(bool(e["meets"]) for e in expected.values())
    assert totals["cells"][4] == f"已认定{determined}个"
    assert totals["cells"][5] == f"已认定的{determined}个中{met}个达标"
    streets = [r for r in table(district_page, "overview-streets") if "data-street" in r["attrs"]]
    by_street: dict[str, list[dict]] = {}
    for e in expected.values():
        by_street.setdefault(e["street_code"], []).append(e)
    assert [r["attrs"]["data-street"] for r in streets] == sorted(by_street)
    for row in streets:
        code = row["attrs"]["data-street"]
        mine = by_street[code]
        assert row["links"][0]["href"] == f"/console/overview/{code}"
        assert row["cells"][0] == mine[0]["street"]
        assert row["cells"][1] == str(len(mine))
        street_cov = sum(e["covered"] for e in mine), sum(e["buildings"] for e in mine)
        assert row["cells"][2] == f"{100 * street_cov[0] / street_cov[1]:.1f}%"
        assert row["cells"][3] == str(sum(e["gaps"] for e in mine))


def _value(column: str, want: dict) -> object:
    """What a column sorts by, from the graph's figures (None: shown last)."""
    return {
        "name": name_key(want["name"]),
        "street": (name_key(want["street"]), name_key(want["name"])),
        "coverage": want["covered"] / want["buildings"] if want["buildings"] else None,
        "gaps": want["gaps"],
        "grade": want["band"],  # a grade's least score orders the grades
        "standard": want["meets"],
        "findings": tuple(want["findings"][s] for s in ("ERROR", "WARNING", "INFO")),
        "overdue": want["overdue"],
    }[column]


# Each column one way over HTTP (a page is a few graph reads); both ways of every column
# are checked on `sort_rows` itself in test_overview_sorting.py.
@pytest.mark.parametrize(
    ("column", "direction"), [(c, ("asc", "desc")[i % 2]) for i, c in enumerate(COLUMNS)]
)
def test_sorted_by_every_column(
    expected: dict, signed_in: SignIn, column: str, direction: str
) -> None:
    html = (
        signed_in("demo-district")
        .get(f"/console/overview/{DISTRICT_CODE}?sort={column}&dir={direction}")
        .text
    )
    codes = [r["attrs"]["data-code"] for r in community_rows(html)]
    assert sorted(codes) == sorted(expected)
    values = [_value(column, expected[c]) for c in codes]
    known = [v for v in values if v is not None]
    assert values[: len(known)] == known, "rows without a value come last"
    assert known == sorted(known, reverse=direction == "desc"), (column, direction)
    # Ties keep the name order.
    for a, b in itertools.pairwise(codes):
        if _value(column, expected[a]) == _value(column, expected[b]) is not None:
            assert name_key(expected[a]["name"]) <= name_key(expected[b]["name"])
    # The column's header says how the table is sorted, and links the other way.
    header = re.search(rf'<th scope="col" data-sort="{column}"[^>]*aria-sort="(\w+)"', html)
    assert header and header.group(1) == ("ascending" if direction == "asc" else "descending")
    other = "desc" if direction == "asc" else "asc"
    assert f"sort={column}&amp;dir={other}" in html


def test_a_street_sees_its_own_communities_only(running: Running, signed_in: SignIn) -> None:
    client = signed_in("demo-street")
    street = "410104001"
    page = client.get(f"/console/overview/{street}")
    assert page.status_code == 200
    expected = _expected(running, street)
    assert sorted(r["attrs"]["data-code"] for r in community_rows(page.text)) == sorted(expected)
    assert table(page.text, "overview-streets") == []  # a street page lists no streets


@pytest.mark.parametrize(
    ("user", "path", "status"),
    [
        ("demo-street", "/console/overview/410104002", 403),  # another street
        ("demo-street", f"/console/overview/{DISTRICT_CODE}", 403),  # the district above
        ("demo-secretary", "/console/overview/410104001", 403),
        ("demo-district", "/console/overview/410104001001", 404),  # a community: its own pages
        ("demo-district", "/console/overview/41010x", 404),
        ("demo-district", "/console/overview/410105", 403),  # another district
        ("demo-viewer", "/console/overview/410104001", 200),  # a street: a cheaper page
        ("demo-planner", "/console/overview/410104001", 200),
    ],
)
def test_scope(signed_in: SignIn, user: str, path: str, status: int) -> None:
    assert signed_in(user).get(path).status_code == status


def test_english_on_request(signed_in: SignIn) -> None:
    html = (
        signed_in("demo-district").get(f"/console/overview/{DISTRICT_CODE}?lang=en&sort=gaps").text
    )
    assert "Gaps with members" in html and "Buildings covered" in html
    assert "有党员居住的未覆盖点" not in html
    assert "lang=en" in re.search(r'data-sort="name"[^>]*><a href="([^"]+)"', html).group(1)


def test_what_a_role_may_not_read_is_named_not_broken(running: Running, signed_in: SignIn) -> None:
    """A planner reads the overview; the columns whose reads the graph refuses it are left
    empty and named in the page's note, as the graph decides (asked here as a planner)."""
    street = "410104001"
    planner = Identity("test-planner", Role.PLANNER, DISTRICT_CODE)
    body = running.post(
        running.gateway, GRAPH, {"r": street, "y": dt.date.today().year}, identity=planner
    )
    counts = running.post(running.gateway, COUNTS, {"c": [f"{street}001"]}, identity=planner)
    refused = {
        e["path"][0] for e in [*body.get("errors", []), *counts.get("errors", [])] if e.get("path")
    }
    labels = {
        "coverage": "楼栋覆盖率",
        "assessments": "认定等级",
        "overdueMilestones": "逾期节点",
        "communityCounts": "规则问题",
    }
    html = signed_in("demo-planner").get(f"/console/overview/{street}").text
    note = re.search(r'<p class="notice warn" role="status" data-missing="[^"]*">([^<]*)</p>', html)
    if not refused:
        assert note is None
    else:
        assert note, "the refused columns are named"
        assert {
            k for k, label in labels.items() if label in note.group(1)
        } == refused & labels.keys()


RENAME = """mutation ($code: String!, $name: String!) { renameRegion(code: $code, name: $name) {
  region { name } errors { code message } } }"""
HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>社区'


def test_a_hostile_name_comes_back_as_text(running: Running, signed_in: SignIn) -> None:
    """A community renamed (through the graph) to markup shows as its text: escaped in the
    link, the cell and the caption, never as an element. The name is put back after."""
    street = "410104200"  # a township of two communities: a small page
    code = f"{street}002"
    before = _expected(running, street)[code]["name"]
    renamed = running.post(running.gateway, RENAME, {"code": code, "name": HOSTILE})
    try:
        assert renamed["data"]["renameRegion"]["errors"] == [], renamed
        html = signed_in("demo-district").get(f"/console/overview/{street}?sort=name").text
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        assert (
            "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(2)&gt;社区"
            in html
        )
        (row,) = [r for r in community_rows(html) if r["attrs"]["data-code"] == code]
        assert row["cells"][0] == HOSTILE  # the text itself, once unescaped
    finally:
        back = running.post(running.gateway, RENAME, {"code": code, "name": before})
        assert back["data"]["renameRegion"]["errors"] == [], back
