"""A community's organization tree with each rule finding beside what it is about.

Pure: it takes what the graph answered (organizations with their parents, the committee of
the community organization, member counts, findings) and builds what the page shows. A
finding's *subject* is the most specific thing it names:

- a member seated on the community organization's committee, for a committee rule: the seat;
- any other member: that member, inside the organization the finding names (the member's
  own), or the community block when it names none (a non-self-managed member);
- the committee, for a committee rule naming the community organization;
- an organization of the tree;
- else the community as a whole.

Findings name no building or zone (a placement finding names the zone's grid branch and puts
the building in its message), so those sit in that organization's block.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# Rule ids about the community organization's committee and its leadership (rules.checker's
# plan 二 committee checks and the plan 三 big committee): their findings sit by the committee.
COMMITTEE_RULES = ("committee.", "deputy.", "leadership.", "secretary.", "big_committee.")


# Siblings by level (the plan's order: branches, grid branches, groups, then the functional
# and special ones), then by name with its numbers in order (第二片区 before 第十片区).
KIND_ORDER = (
    "COMMUNITY_COMMITTEE",
    "GENERAL_BRANCH",
    "BRANCH",
    "GRID_BRANCH",
    "PARTY_GROUP",
    "FUNCTIONAL_BRANCH",
    "FUNCTIONAL_GROUP",
    "SPECIAL_BRANCH",
    "SPECIAL_GROUP",
)
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
_NUMBER = re.compile(r"[0-9]+|[零一二三四五六七八九十百]+")


def is_committee_rule(rule: str) -> bool:
    return rule.startswith(COMMITTEE_RULES)


def _number(run: str) -> int:
    """12 or 十二 -> 12 (Chinese numerals up to the hundreds, as names of zones use them)."""
    if run.isascii():
        return int(run)
    total, digit = 0, 0
    for char in run:
        if char in _DIGITS:
            digit = _DIGITS[char]
        else:  # 十 or 百: the digit before it (none: one) times ten or a hundred
            total += (digit or 1) * (10 if char == "十" else 100)
            digit = 0
    return total + digit


def name_key(name: str) -> tuple[tuple[int, str], ...]:
    """A name's sort key with every number in it compared by value."""
    parts: list[tuple[int, str]] = []
    at = 0
    for found in _NUMBER.finditer(name):
        parts.append((-1, name[at : found.start()]))
        parts.append((_number(found.group()), ""))
        at = found.end()
    parts.append((-1, name[at:]))
    return tuple(parts)


def _sibling_key(node: Node) -> tuple[int, tuple[tuple[int, str], ...]]:
    kind = str(node.org.get("kind", ""))
    level = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    return level, name_key(str(node.org.get("name", "")))


@dataclass
class MemberBlock:
    """A member some findings are about, and those findings."""

    id: str
    name: str
    findings: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Node:
    """An organization of the tree with what sits beside it."""

    org: dict[str, Any]
    children: list[Node] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    members: dict[str, MemberBlock] = field(default_factory=dict)
    member_count: int = 0
    subtree_count: int = 0

    @property
    def id(self) -> str:
        return str(self.org["id"])

    @property
    def subtree_findings(self) -> int:
        own = len(self.findings) + sum(len(m.findings) for m in self.members.values())
        return own + sum(child.subtree_findings for child in self.children)


@dataclass
class Seat:
    """A committee seat and the findings about its holder."""

    seat: dict[str, Any]
    findings: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CommunityTree:
    roots: list[Node]
    committee: list[Seat]
    committee_findings: list[dict[str, Any]]
    community_findings: list[dict[str, Any]]
    community_members: dict[str, MemberBlock]
    top_id: str | None


def build(
    organizations: Sequence[dict[str, Any]],
    top: dict[str, Any] | None,
    findings: Iterable[dict[str, Any]],
) -> CommunityTree:
    """The tree of `organizations` (each with `parent {id}` and `memberCount`), `top` the
    community organization (with its `committee`), and every finding placed by its subject."""
    nodes = {str(o["id"]): Node(o) for o in organizations}
    top_id = str(top["id"]) if top else None
    if top is not None and str(top["id"]) not in nodes:
        nodes[str(top["id"])] = Node(top)
    roots: list[Node] = []
    for node in nodes.values():
        parent = (node.org.get("parent") or {}).get("id")
        if parent is not None and str(parent) in nodes and str(parent) != node.id:
            nodes[str(parent)].children.append(node)
        else:
            roots.append(node)
    for node in nodes.values():
        node.children.sort(key=_sibling_key)
    # The community organization first, then any organization whose parent is not live.
    roots.sort(key=lambda n: (n.id != top_id, _sibling_key(n)))
    for node in nodes.values():
        node.member_count = int(node.org.get("memberCount") or 0)
    for root in roots:
        _sum_members(root)

    seats = [Seat(s) for s in (top or {}).get("committee") or []]
    seat_of: dict[str, Seat] = {}
    for seat in seats:
        seat_of.setdefault(str(seat.seat["member"]["id"]), seat)
    tree = CommunityTree(roots, seats, [], [], {}, top_id)
    for finding in findings:
        _place(tree, nodes, seat_of, finding)
    return tree


def _sum_members(node: Node) -> int:
    node.subtree_count = node.member_count + sum(_sum_members(c) for c in node.children)
    return node.subtree_count


def _place(
    tree: CommunityTree,
    nodes: dict[str, Node],
    seat_of: dict[str, Seat],
    finding: dict[str, Any],
) -> None:
    member = finding.get("member")
    org_id = str((finding.get("organization") or {}).get("id") or "") or None
    committee_rule = is_committee_rule(str(finding.get("rule", "")))
    if member is not None:
        member_id = str(member["id"])
        if committee_rule and member_id in seat_of:
            seat_of[member_id].findings.append(finding)
            return
        node = nodes.get(org_id) if org_id else None
        blocks = node.members if node is not None else tree.community_members
        block = blocks.setdefault(member_id, MemberBlock(member_id, str(member.get("name", ""))))
        block.findings.append(finding)
    elif committee_rule and org_id is not None and org_id == tree.top_id:
        tree.committee_findings.append(finding)
    elif org_id is not None and org_id in nodes:
        nodes[org_id].findings.append(finding)
    else:
        tree.community_findings.append(finding)


@dataclass
class RuleCount:
    rule: dict[str, Any]
    count: int


def summary(
    rules: Sequence[dict[str, Any]], findings: Sequence[dict[str, Any]]
) -> tuple[Counter[str], list[RuleCount]]:
    """Findings by severity, and by rule in the plan's order (rules with none left out; a
    finding of a rule the list does not know is counted under its own id)."""
    by_severity = Counter(str(f["severity"]) for f in findings)
    by_rule = Counter(str(f["rule"]) for f in findings)
    known = {str(r["id"]) for r in rules}
    rows = [RuleCount(r, by_rule[str(r["id"])]) for r in rules if by_rule[str(r["id"])]]
    for rule_id, n in by_rule.items():
        if rule_id not in known:
            rows.append(RuleCount({"id": rule_id, "title": rule_id, "titleEn": rule_id}, n))
    return by_severity, rows
