"""A community's organization tree page (issue 16): the tree, the committee and every rule
finding beside what it is about, against what the graph gives the same caller (asked apart,
with a bearer token), for a branch community's secretary and a committee community seen by
the district."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from typing import Any

import pytest
from console_client import SignIn

from gateway.console.labels.enums import enum_label
from services.common.auth import Identity, Role
from stack import Running

# The graph asked apart, with the demo users' role and region (a bearer token for another
# subject: the demo accounts' own tokens are the sign-in's).
USERS = {
    "demo-district": Identity("test-district", Role.DISTRICT, "410104"),
    "demo-secretary": Identity("test-secretary", Role.SECRETARY, "410104001001"),
}
# The rules about the community organization's committee (rules.checker, plan 二 and 三).
COMMITTEE_RULES = ("committee.", "deputy.", "leadership.", "secretary.", "big_committee.")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip

TOP = """query ($code: String!) { community(code: $code) { name organization { id name
  committee { id role member { id name } } } } }"""
ORGS = """query ($code: String!, $after: String) { organizations(regionCode: $code, first: 200,
  after: $after) { pageInfo { hasNextPage endCursor } nodes { id kind parent { id } } } }"""
MEMBERS = """query ($code: String!, $after: String) { members(filter: { regionCode: $code },
  first: 200, after: $after) { pageInfo { hasNextPage endCursor } nodes { organization { id } } } }"""
FINDINGS = """query ($code: String!, $after: String) { findings(regionCode: $code, first: 200,
  after: $after) { totalCount pageInfo { hasNextPage endCursor }
  nodes { rule severity message planClause organization { id } member { id } } } }"""


def ask(running: Running, identity: Identity, query: str, variables: dict[str, Any]) -> dict:
    body = running.post(running.gateway, query, variables, identity=identity)
    assert not body.get("errors"), body
    return body["data"]


def every(running: Running, identity: Identity, query: str, code: str, key: str) -> list[dict]:
    nodes: list[dict] = []
    after = None
    while True:
        page = ask(running, identity, query, {"code": code, "after": after})[key]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


class Blocks(HTMLParser):
    """Every element with `data-subject` (with the subjects around it) and every finding (with
    the subjects around it, nearest last, and its text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None, bool]] = []  # tag, subject, is a finding
        self.part: list[str | None] = []  # the part of a finding being read (message, clause)
        self.subjects: dict[str, dict[str, Any]] = {}
        self.findings: list[dict[str, Any]] = []
        self.open_findings: list[dict[str, Any]] = []

    def around(self) -> list[str]:
        return [subject for _, subject, _ in self.stack if subject]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag in VOID:
            return
        classes = (attr.get("class") or "").split()
        self.part.append("message" if "message" in classes else "clause" if tag == "q" else None)
        subject = attr.get("data-subject")
        finding = "finding" in classes
        if subject:
            self.subjects[subject] = {"around": self.around(), "attrs": attr, "text": ""}
        if finding:
            record = {"around": self.around(), "rule": attr["data-rule"], "text": ""}
            record |= {"message": "", "clause": ""}
            record["severity"] = attr["data-severity"]
            self.findings.append(record)
            self.open_findings.append(record)
        self.stack.append((tag, subject, finding))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        open_tag, _, finding = self.stack.pop()
        self.part.pop()
        assert open_tag == tag, (open_tag, tag, self.around())
        if finding:
            self.open_findings.pop()

    def handle_data(self, data: str) -> None:
        for record in self.open_findings:
            record["text"] += data
            part = next((p for p in reversed(self.part) if p), None)
            if part:
                record[part] += data
        for _, subject, _ in self.stack:
            if subject:
                self.subjects[subject]["text"] += data


def blocks_of(html: str) -> Blocks:
    parsed = Blocks()
    parsed.feed(html)
    parsed.close()
    assert parsed.stack == [], "unclosed elements"
    return parsed


def expected_subject(finding: dict, seated: set[str], top: str | None, code: str) -> str:
    """The block a finding belongs in: the issue's "beside what it is about"."""
    member = (finding["member"] or {}).get("id")
    org = (finding["organization"] or {}).get("id")
    committee = finding["rule"].startswith(COMMITTEE_RULES)
    if member and committee and member in seated:
        return f"seat:{member}"
    if member:
        return f"member:{member}"
    if committee and org == top:
        return f"committee:{top}"
    if org:
        return f"org:{org}"
    return f"community:{code}"


@pytest.mark.parametrize(
    ("username", "code"),
    [("demo-secretary", "410104001001"), ("demo-district", "410104001002")],
)
def test_the_tree_committee_and_findings_are_the_graphs(
    signed_in: SignIn, running: Running, username: str, code: str
) -> None:
    identity = USERS[username]
    answer = signed_in(username).get(f"/console/community/{code}")
    assert answer.status_code == 200, answer.text
    page = blocks_of(answer.text)

    place = ask(running, identity, TOP, {"code": code})["community"]
    top = place["organization"]
    organizations = every(running, identity, ORGS, code, "organizations")
    members = every(running, identity, MEMBERS, code, "members")
    findings = every(running, identity, FINDINGS, code, "findings")
    assert findings, "the demo community has findings to place"

    # The tree: every organization once, under its parent, with its kind and member count.
    counts = Counter((m["organization"] or {}).get("id") for m in members)
    for org in organizations:
        block = page.subjects[f"org:{org['id']}"]
        parents = [s for s in block["around"] if s.startswith("org:")]
        parent = (org["parent"] or {}).get("id")
        assert (parents[-1] if parents else None) == (f"org:{parent}" if parent else None)
        assert block["attrs"]["data-kind"] == org["kind"]
        assert enum_label("OrganizationKind", org["kind"], "zh") in block["text"]
        assert f"党员 {counts[org['id']]} 人" in block["text"]
    assert {s for s in page.subjects if s.startswith("org:")} == {
        f"org:{o['id']}" for o in organizations
    }

    # The committee: each seat with its holder's name and role, secretary first.
    seats = top["committee"]
    for seat in seats:
        row = page.subjects[f"seat:{seat['member']['id']}"]
        assert row["around"] == [f"committee:{top['id']}"]
        assert seat["member"]["name"] in row["text"]
    assert [r["attrs"]["data-role"] for s, r in page.subjects.items() if s.startswith("seat:")] == [
        s["role"] for s in seats
    ]

    # Each finding in the block of its subject, with its plan clause.
    seated = {s["member"]["id"] for s in seats}
    expected = Counter(
        (expected_subject(f, seated, top["id"], code), f["rule"], f["message"], f["planClause"])
        for f in findings
    )
    shown = Counter((f["around"][-1], f["rule"], f["message"], f["clause"]) for f in page.findings)
    assert shown == expected

    # The summary: the total and the count of each severity.
    assert f'data-total="{len(findings)}"' in answer.text
    for severity, n in Counter(f["severity"] for f in findings).items():
        assert f'data-severity-count="{severity}"' in answer.text
        assert f"{enum_label('Severity', severity, 'zh')} {n}" in page_text(answer.text)


def page_text(html: str) -> str:
    parsed = HTMLParser(convert_charrefs=True)
    chunks: list[str] = []
    parsed.handle_data = chunks.append  # type: ignore[method-assign]
    parsed.feed(html)
    return " ".join(" ".join(chunks).split())


def test_a_code_outside_the_callers_region_or_not_a_community_is_refused(
    signed_in: SignIn,
) -> None:
    for username, path, status in (
        ("demo-secretary", "/console/community/410104001002", 403),  # another community
        ("demo-secretary", "/console/community/410104001002/posts", 403),
        ("demo-secretary", "/console/community/410104001", 403),  # above its own
        ("demo-district", "/console/community/410104001", 404),  # a street, not a community
        ("demo-district", "/console/community/41010400100x", 404),  # not a code
    ):
        assert signed_in(username).get(path).status_code == status, path


def test_the_page_reads_in_english(signed_in: SignIn, running: Running) -> None:
    place = ask(
        running, USERS["demo-secretary"], '{ community(code: "410104001001") { nameEn } }', {}
    )
    html = signed_in("demo-secretary").get("/console/community/410104001001?lang=en").text
    assert f"{place['community']['nameEn']} · Organizations" in html
    assert "Rule findings" in html and "Plan clause" in html
    assert 'href="/console/community/410104001001/posts?lang=en"' in html


def test_the_links_to_the_communitys_other_pages_follow_the_role(signed_in: SignIn) -> None:
    code = "410104001001"
    links = {
        username: dict(
            re.findall(
                r'<li><a href="([^"]+)"( hx-boost="false")?>',
                signed_in(username).get(f"/console/community/{code}").text,
            )
        )
        for username in ("demo-secretary", "demo-planner")
    }
    for found in links.values():
        for page in ("posts", "dual"):
            assert found[f"/console/community/{code}/{page}"] == ""  # in-page (htmx)
        assert found[f"/console/assessment/{code}"] == found[f"/console/records/{code}"] == ""
        assert found[f"/maps/coverage/{code}"] == ' hx-boost="false"'  # a whole page
    # The planner page admits grid writers; the members page is not the planner's.
    assert links["demo-planner"][f"/maps/planner/{code}"] == ' hx-boost="false"'
    assert f"/maps/planner/{code}" not in links["demo-secretary"]
    assert f"/console/community/{code}/members" in links["demo-secretary"]
    assert f"/console/community/{code}/members" not in links["demo-planner"]
