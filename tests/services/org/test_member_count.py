"""PartyOrganization.memberCount: the members whose membership an organization holds, for
every organization of a community, as the members query counts them (both leave out those
who left). The graph is the measure, not the demo model: other tests add members."""

from __future__ import annotations

from org_api import query

from infra.demo.model import Demo
from stack import Running

ORGANIZATIONS = """query ($c: String!) { organizations(regionCode: $c, first: 200) {
  totalCount nodes { id memberCount } } }"""
MEMBERS = """query ($o: ID!) { members(filter: { organizationId: $o }, first: 0) { totalCount } }"""


def test_each_organization_counts_its_own_members(running: Running, demo: Demo) -> None:
    community = demo.communities[0].code
    found = query(running, ORGANIZATIONS, {"c": community})["organizations"]
    assert found["totalCount"] == len(found["nodes"])  # every organization on the one page
    for org in found["nodes"]:
        counts = query(running, MEMBERS, {"o": org["id"]})
        assert org["memberCount"] == counts["members"]["totalCount"], org
    assert sum(o["memberCount"] for o in found["nodes"]) > 0
