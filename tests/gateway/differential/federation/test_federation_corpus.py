"""The federation corpus: for every family of supergraphs (one per join directive and the
combinations that broke the gateway), our gateway's answers equal Hive Gateway's.

Same `data`; errors equivalent (see `harness.differences`); where Hive is not spec-correct the
case says so and our errors are checked against what the case documents.
"""

from __future__ import annotations

from collections import Counter

import pytest
from fed_families import FAMILIES
from graphql import parse
from graphql.language import (
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
)
from harness import ask, differences

pytestmark = pytest.mark.slow  # starts the fixture subgraphs and both gateways

CASES = [c for family in FAMILIES for c in family.cases]


def _names(sdl: str) -> tuple[set[str], set[str]]:
    """Type names and root field names one subgraph's SDL defines."""
    types: set[str] = set()
    roots: set[str] = set()
    for node in parse(sdl).definitions:
        if not isinstance(node, TypeDefinitionNode | TypeExtensionNode):
            continue
        name = node.name.value
        if name in {"Query", "Mutation"} and isinstance(
            node, ObjectTypeDefinitionNode | ObjectTypeExtensionNode
        ):
            roots.update(f"{name}.{f.name.value}" for f in node.fields or ())
        else:
            types.add(name)
    return types, roots


def test_families_share_no_names_and_corpus_is_large_enough():
    """Composing the families together must not merge one family's types into another's."""
    owners: dict[str, set[str]] = {}
    for family in FAMILIES:
        for subgraph in family.subgraphs:
            types, roots = _names(subgraph.sdl)
            for name in types | roots:
                owners.setdefault(name, set()).add(family.name)
    assert {n: f for n, f in owners.items() if len(f) > 1} == {}
    names = Counter(c.name for c in CASES)
    assert [n for n, count in names.items() if count > 1] == []


def test_families_compose(fed_composition):
    assert "join__Graph" in fed_composition.supergraph_sdl


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_federation_case(fed_pair, fed_client, case):
    ours = ask(fed_client, fed_pair.ours.base, case)
    hive = ask(fed_client, fed_pair.hive.base, case)
    assert differences(case, ours, hive) == []
