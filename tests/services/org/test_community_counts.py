"""`communityCounts`: what rates and verdicts rest on, for many communities in one request.

The counts come from the rule checker's facts, so they must agree with its findings (read
here with the public `findings` query): e.g. the non-self-managed not yet reported in are
exactly the `reporting.pending` findings (plan 三 党员报到), members owing a post and not
holding it exactly the post findings (plan 五 明岗定责). Nothing here writes.
"""

from __future__ import annotations

from collections import Counter

import pytest
from org_api import query

from services.common.auth import Identity, Role
from services.org.community_counts import MAX_COMMUNITIES
from stack import Running

AS_OF = "2020-04-30"
DISTRICT = "410104"
COUNTS = """query ($codes: [String!]!, $asOf: Date) {
  communityCounts(communityCodes: $codes, asOf: $asOf) {
    code community { code }
    committee { kind size minSize maxSize secretaries fulltimeDeputies parttimeDeputies seats
                inAgeBand associateOrHigher parttimeMembers parttimeMembersFromUnits }
    reportingDue reportedIn postDuties { duty owed held }
    specialCategoryMembers helpedMembers functionalUnits
    volunteerTeams { name selfManaged nonSelfManaged jointlyManaged }
    findings { rule message } } }"""
FINDINGS = """query ($region: String!, $asOf: Date!, $after: String) {
  findings(regionCode: $region, asOf: $asOf, first: 200, after: $after) {
    pageInfo { hasNextPage endCursor } nodes { rule message community { code } } } }"""
POST_RULES = ("post.held", "post.grid_management", "post.volunteer")


def _codes(running: Running) -> list[str]:
    found = query(
        running, "query ($r: String!) { communities(regionCode: $r) { code } }", {"r": DISTRICT}
    )
    return sorted(c["code"] for c in found["communities"])


def _findings(running: Running) -> list[dict]:
    nodes, after = [], None
    while True:
        page = query(running, FINDINGS, {"region": DISTRICT, "asOf": AS_OF, "after": after})
        nodes += page["findings"]["nodes"]
        if not page["findings"]["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["findings"]["pageInfo"]["endCursor"]


@pytest.fixture(scope="module")
def counts(running: Running) -> list[dict]:
    return query(running, COUNTS, {"codes": _codes(running), "asOf": AS_OF})["communityCounts"]


def test_counts_agree_with_the_findings(running: Running, counts: list[dict]) -> None:
    codes = _codes(running)
    assert [c["code"] for c in counts] == codes  # every community, ordered by code
    by_community: dict[str, list[dict]] = {code: [] for code in codes}
    for f in _findings(running):
        by_community[f["community"]["code"]].append(f)
    for c in counts:
        found = by_community[c["code"]]
        # The same findings as `findings`, placement (grid's) apart, in the checker's order.
        expected = [
            {"rule": f["rule"], "message": f["message"]}
            for f in found
            if not f["rule"].startswith("placement.")
        ]
        assert c["findings"] == expected, c["code"]
        rules = Counter(f["rule"] for f in found)
        assert c["reportingDue"] - c["reportedIn"] == rules["reporting.pending"]
        unmet = sum(d["owed"] - d["held"] for d in c["postDuties"])
        assert unmet == sum(rules[r] for r in POST_RULES)
        assert c["specialCategoryMembers"] - c["helpedMembers"] == rules["category.helper"]
        assert (len(c["functionalUnits"]) < 3) == bool(rules["functional.units"])
        assert (c["committee"] is None) == bool(rules["organization.community"])
        committee = c["committee"]
        if committee is not None:
            within = committee["minSize"] <= committee["size"] <= committee["maxSize"]
            assert within != bool(rules["committee.size"])
            assert (committee["parttimeMembers"] == 0) == bool(rules["big_committee.members"])
            assert committee["parttimeMembersFromUnits"] <= committee["parttimeMembers"]
            assert committee["seats"] >= committee["size"]
        joint = any(
            t["selfManaged"] and t["nonSelfManaged"] and t["jointlyManaged"]
            for t in c["volunteerTeams"]
        )
        assert joint != bool(rules["volunteer_team.joint"])


def test_the_demo_has_something_to_count(counts: list[dict]) -> None:
    """Not all zeros: the demo's members report in, hold posts and need help (plan 三、五)."""
    assert all(c["reportingDue"] > c["reportedIn"] > 0 for c in counts)
    assert all(sum(d["owed"] for d in c["postDuties"]) > 0 for c in counts)
    assert any(c["committee"]["parttimeMembersFromUnits"] for c in counts if c["committee"])


def test_counts_are_scoped_to_the_caller(running: Running) -> None:
    codes = _codes(running)
    mine = codes[0]
    secretary = Identity("test-secretary", Role.SECRETARY, mine)
    body = running.post(
        running.subgraphs["org"], COUNTS, {"codes": codes, "asOf": AS_OF}, identity=secretary
    )
    assert "errors" not in body, body
    assert [c["code"] for c in body["data"]["communityCounts"]] == [mine]


def test_unknown_codes_are_left_out(running: Running) -> None:
    codes = _codes(running)
    got = query(running, COUNTS, {"codes": [f"{DISTRICT}999999", codes[0], codes[0]]})
    assert [c["code"] for c in got["communityCounts"]] == [codes[0]]


@pytest.mark.parametrize(
    "codes",
    [
        ["410104"],  # a district, not a community
        ["41010400100X"],
        [" 410104001001"],
        [f"{410104000000 + n}" for n in range(MAX_COMMUNITIES + 1)],
    ],
    ids=["district", "letter", "blank", "too-many"],
)
def test_bad_codes_are_a_typed_error(running: Running, codes: list[str]) -> None:
    body = running.post(running.subgraphs["org"], COUNTS, {"codes": codes})
    assert body["data"] is None
    (error,) = body["errors"]
    # A malformed code is refused at the edge (INVALID, services/common/auth_codes.py).
    too_many = len(codes) > MAX_COMMUNITIES
    assert error["extensions"]["code"] == ("BAD_USER_INPUT" if too_many else "INVALID")
    # Chinese in the message, English in messageEn (issue 15, 10.: not both in one message).
    assert error["message"].startswith(("一次最多", "区划代码")), error
    assert error["extensions"]["messageEn"].isascii() and error["extensions"]["messageEn"]
