"""The community tree's pure parts: siblings in the plan's order with numbers by value, and
each finding placed by the most specific thing it names."""

from __future__ import annotations

from gateway.console.pages.community_tree import build, name_key, summary


def org(id: str, kind: str, name: str, parent: str | None = None) -> dict:
    return {"id": id, "kind": kind, "name": name, "memberCount": 1,
            "parent": {"id": parent} if parent else None}  # fmt: skip


def finding(rule: str, org_id: str | None = None, member: str | None = None) -> dict:
    return {
        "rule": rule,
        "severity": "WARNING",
        "message": rule,
        "planClause": "",
        "organization": {"id": org_id} if org_id else None,
        "member": {"id": member, "name": member} if member else None,
    }


def test_names_sort_by_the_value_of_their_numbers() -> None:
    names = ["第十片区", "第二片区", "第一片区", "第十二片区", "12号楼", "3号楼"]
    assert sorted(names, key=name_key) == [
        "3号楼", "12号楼", "第一片区", "第二片区", "第十片区", "第十二片区",
    ]  # fmt: skip


def test_siblings_by_level_then_name_and_counts_summed_up_the_tree() -> None:
    top = org("c", "COMMUNITY_COMMITTEE", "社区党委") | {"committee": []}
    tree = build(
        [
            org("g10", "PARTY_GROUP", "第十片区党小组", "b"),
            org("f", "FUNCTIONAL_BRANCH", "综治办党支部", "c"),
            org("b", "GRID_BRANCH", "第一片区党支部", "c"),
            org("g2", "PARTY_GROUP", "第二片区党小组", "b"),
            top,
        ],
        top,
        [],
    )
    (root,) = tree.roots
    assert [n.id for n in root.children] == ["b", "f"]
    assert [n.id for n in root.children[0].children] == ["g2", "g10"]
    assert root.subtree_count == 5 and root.children[0].subtree_count == 3


def test_each_finding_sits_with_what_it_names() -> None:
    seat = {"id": "s", "role": "SECRETARY", "member": {"id": "m1", "name": "甲"}}
    top = org("c", "COMMUNITY_COMMITTEE", "社区党委") | {"committee": [seat]}
    found = [
        finding("deputy.standing", "c", "m1"),  # a committee rule about a seated member
        finding("post.held", "c", "m1"),  # another rule about the same member
        finding("reporting.pending", None, "m2"),  # a member of no organization here
        finding("committee.size", "c"),  # the committee
        finding("placement.building_group", "b"),  # an organization
        finding("organization.community"),  # the community
    ]
    tree = build([top, org("b", "GRID_BRANCH", "第一片区党支部", "c")], top, found)
    assert [f["rule"] for f in tree.committee[0].findings] == ["deputy.standing"]
    (root,) = tree.roots
    assert [f["rule"] for f in root.members["m1"].findings] == ["post.held"]
    assert [f["rule"] for f in tree.community_members["m2"].findings] == ["reporting.pending"]
    assert [f["rule"] for f in tree.committee_findings] == ["committee.size"]
    assert [f["rule"] for f in root.children[0].findings] == ["placement.building_group"]
    assert [f["rule"] for f in tree.community_findings] == ["organization.community"]
    by_severity, by_rule = summary([{"id": "committee.size", "title": "委员会人数"}], found)
    assert by_severity == {"WARNING": 6}
    assert (by_rule[0].rule["id"], by_rule[0].count) == ("committee.size", 1)
    assert len(by_rule) == 6  # rules the list does not know are counted under their id
