"""Planning over a hand-written supergraph in-process, for the planner's plan-level tests."""

from __future__ import annotations

from graphql import get_operation_ast, parse, validate

from gateway.api_schema import build_api_schema
from gateway.plan import QueryPlan
from gateway.planner import Planner
from gateway.supergraph import parse_supergraph


def planner_for(sdl: str) -> Planner:
    """A planner over the supergraph `sdl` and its API schema."""
    supergraph = parse_supergraph(sdl)
    return Planner(supergraph, build_api_schema(supergraph))


def plan(planner: Planner, text: str) -> QueryPlan:
    """The plan of `text`, which must be valid against the API schema."""
    document = parse(text)
    assert not validate(planner.schema, document)
    operation = get_operation_ast(document)
    assert operation is not None
    return planner.plan(text, document, operation, {})
