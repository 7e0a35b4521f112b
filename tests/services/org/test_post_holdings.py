"""Query.postHoldings: per organization, the able members under a region and those holding a
post, in one answer; it must equal what paging `members(filter: {regionCode})` counts (the
read star ratings made before). The graph is the measure, not the demo model."""

from __future__ import annotations

from collections import Counter

from org_api import query

from infra.demo.model import Demo
from stack import Running

HOLDINGS = """query ($r: String!) {
  postHoldings(regionCode: $r) { organizationId ableMembers withPosts } }"""
MEMBERS = """query ($r: String!, $after: String) {
  members(filter: {regionCode: $r}, first: 200, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { organization { id } isAble posts { kind } } } }"""


def _paged(running: Running, region: str) -> dict[str, tuple[int, int]]:
    able: Counter[str] = Counter()
    posted: Counter[str] = Counter()
    after = None
    while True:
        page = query(running, MEMBERS, {"r": region, "after": after})["members"]
        for m in page["nodes"]:
            if m["isAble"] and m["organization"]:
                able[m["organization"]["id"]] += 1
                posted[m["organization"]["id"]] += bool(m["posts"])
        if not page["pageInfo"]["hasNextPage"]:
            return {o: (able[o], posted[o]) for o in able}
        after = page["pageInfo"]["endCursor"]


def test_post_holdings_equal_the_member_pages(running: Running, demo: Demo) -> None:
    community = demo.communities[0]
    street = community.code[:9]
    for region in (community.code, street):
        found = query(running, HOLDINGS, {"r": region})["postHoldings"]
        batched = {h["organizationId"]: (h["ableMembers"], h["withPosts"]) for h in found}
        assert batched == _paged(running, region), region
        assert sum(posted for _, posted in batched.values()) > 0  # not a vacuous equality
