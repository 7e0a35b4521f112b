"""Differential tests: our gateway and Hive Gateway give the same answers to the corpus.

Same `data`; errors equivalent (same paths, same messages and subgraph codes where both come
from subgraphs; Hive masks its own non-null errors, so only their paths are compared). Where
Hive is not spec-correct, the case documents it and our errors are checked against it.
"""

from __future__ import annotations

import pytest
from corpus import FEATURES, HAND_WRITTEN
from generated import generated_cases
from graphql import build_schema
from harness import ask, differences

pytestmark = pytest.mark.slow  # starts subgraph and gateway processes


@pytest.fixture(scope="module")
def generated(stack):
    return generated_cases(build_schema(stack.composition.public_sdl))


def test_corpus_covers_every_feature_and_is_large_enough(generated):
    covered = set().union(*(c.features for c in HAND_WRITTEN))
    assert covered == FEATURES
    names = [c.name for c in HAND_WRITTEN + generated]
    assert len(names) == len(set(names)) >= 100


@pytest.mark.parametrize("case", HAND_WRITTEN, ids=lambda c: c.name)
def test_hand_written_case(pair, client, case):
    ours = ask(client, pair.ours.base, case)
    hive = ask(client, pair.hive.base, case)
    assert differences(case, ours, hive) == []


def test_generated_cases(pair, client, generated):
    """Every reachable field, and every root field two levels wide."""
    found = {}
    for case in generated:
        problems = differences(
            case, ask(client, pair.ours.base, case), ask(client, pair.hive.base, case)
        )
        if problems:
            found[case.name] = problems
    assert found == {}
