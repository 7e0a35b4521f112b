"""Progressive override per request: `percent(P)` labels enabled for P percent of requests,
other labels only when the gateway's settings enable them, and plans routed by the labels
drawn (gateway/override.py, gateway/planner.py `Planner.with_labels`)."""

from __future__ import annotations

import random

import pytest
from graphql import get_operation_ast, parse
from test_gateway_access import SUPERGRAPH

from gateway.api_schema import build_api_schema
from gateway.override import LabelRoll
from gateway.planner import MAX_LABEL_ROUTINGS, Planner
from gateway.supergraph import parse_supergraph

LABELS = ("percent(0)", "percent(100)", "percent(50)", "beta")


def _share(roll: LabelRoll, label: str, times: int = 4000) -> float:
    return sum(label in roll.roll() for _ in range(times)) / times


def test_percent_labels_are_drawn_per_request():
    roll = LabelRoll(LABELS, rng=random.Random(17))
    assert 0.45 < _share(roll, "percent(50)") < 0.55
    assert _share(roll, "percent(100)") == 1.0
    assert _share(roll, "percent(0)") == 0.0
    assert _share(roll, "beta") == 0.0  # nobody enabled it


def test_settings_enable_custom_labels_but_not_percent_ones():
    roll = LabelRoll(LABELS, ("beta", "percent(0)"), rng=random.Random(17))
    assert _share(roll, "beta") == 1.0
    assert _share(roll, "percent(0)") == 0.0  # a ramp is the subgraph team's, not a setting


@pytest.fixture(scope="module")
def planner():
    supergraph = parse_supergraph(SUPERGRAPH)
    return Planner(supergraph, build_api_schema(supergraph))


def _graph_of(planner: Planner, field: str, labels: frozenset[str] | None) -> set[str]:
    text = f"{{ items {{ id {field} }} }}"
    document = parse(text)
    operation = get_operation_ast(document)
    assert operation is not None
    plan = planner.plan(text, document, operation, {}, labels)
    return {f.graph for f in plan.fetches if field in f.document}


def test_plans_follow_the_labels_drawn(planner):
    assert _graph_of(planner, "half", None) == {"a"}
    assert _graph_of(planner, "half", frozenset({"percent(50)", "percent(100)"})) == {"b"}
    assert _graph_of(planner, "half", frozenset({"percent(100)"})) == {"a"}
    assert _graph_of(planner, "beta", frozenset({"beta", "percent(100)"})) == {"b"}
    # percent(100) is moved whatever else is drawn; a set drawn twice reuses its planner.
    assert _graph_of(planner, "done", frozenset({"percent(50)", "percent(100)"})) == {"b"}
    assert planner.with_labels(frozenset({"beta"})) is planner.with_labels(frozenset({"beta"}))


def test_label_routings_equal_a_parse_with_those_labels_and_stay_few():
    supergraph = parse_supergraph(SUPERGRAPH)
    for labels in (frozenset(), frozenset({"percent(50)"}), frozenset(LABELS)):
        routed, parsed = supergraph.with_labels(labels), parse_supergraph(SUPERGRAPH, labels)
        for name, info in parsed.types.items():
            for field in info.fields:
                assert routed.resolving_graphs(name, field) == parsed.resolving_graphs(
                    name, field
                ), (labels, name, field)
    planner = Planner(supergraph, build_api_schema(supergraph))
    for n in range(40):  # 40 distinct sets of labels, as many ramps could draw
        planner.with_labels(frozenset({f"percent({n + 1})"}))
    assert len(planner._by_labels) == MAX_LABEL_ROUTINGS
