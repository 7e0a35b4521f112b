"""Query plans over the composed test supergraph (no network: planning only)."""

from __future__ import annotations

import pytest
from graphql import get_operation_ast, parse, validate

from gateway.api_schema import build_api_schema
from gateway.planner import Planner
from gateway.supergraph import parse_supergraph

pytestmark = pytest.mark.slow  # starts subgraph and gateway processes


@pytest.fixture(scope="module")
def planner(stack) -> Planner:
    supergraph = parse_supergraph(stack.composition.supergraph_sdl)
    return Planner(supergraph, build_api_schema(supergraph), cache_size=8)


def plan(planner: Planner, text: str, variables: dict | None = None, name: str | None = None):
    document = parse(text)
    assert not validate(planner.schema, document)
    operation = get_operation_ast(document, name)
    return planner.plan(text, document, operation, variables or {})


def summary(query_plan) -> list[list[tuple[str, str, list[int]]]]:
    """Per stage: (subgraph, path, dependencies) of each fetch."""
    return [
        [(f.graph, "/".join(f.path), f.depends_on) for f in stage] for stage in query_plan.stages
    ]


def test_issue_query_plan(planner):
    query_plan = plan(
        planner,
        '{ community(code: "C1") { name organization { name } zones { name buildings { name } } } }',
    )
    assert summary(query_plan) == [[("grid", "", []), ("org", "community", [0])]]
    root, entity = query_plan.stages[0]
    assert "_pgk___typename: __typename" in root.document and "_pgk_code: code" in root.document
    assert entity.document == (
        "query($representations: [_Any!]!) { _entities(representations: $representations) "
        "{ ... on Community { organization { name } } } }"
    )


def test_root_fields_are_grouped_per_subgraph(planner):
    query_plan = plan(
        planner, '{ organizations { id } communities { code } organization(id: "O1") { name } }'
    )
    assert summary(query_plan) == [[("org", "", []), ("grid", "", [])]]
    org = query_plan.stages[0][0]
    assert org.document == 'query { organizations { id } organization(id: "O1") { name } }'


def test_one_entity_fetch_per_subgraph_and_path(planner):
    query_plan = plan(
        planner,
        """{ communities { organization { name score secretary }
             zones { buildings { grade certificate zone { id } } } } }""",
    )
    (stage,) = query_plan.stages
    ids = {(f.graph, "/".join(f.path)): f.id for f in stage}
    assert len(ids) == len(stage) == 4
    assert {(f.graph, "/".join(f.path), tuple(f.depends_on)) for f in stage} == {
        ("grid", "", ()),
        ("org", "communities", (ids["grid", ""],)),
        ("assess", "communities/organization", (ids["org", "communities"],)),
        ("assess", "communities/zones/buildings", (ids["grid", ""],)),
    }


def test_variables_go_only_where_used(planner):
    text = """query($code: ID!, $id: ID!, $flag: Boolean!) {
        community(code: $code) { organization @skip(if: $flag) { name } }
        organization(id: $id) { id } }"""
    query_plan = plan(planner, text, {"code": "C1", "id": "O1", "flag": False})
    by_graph = {(f.graph, f.path): f for f in query_plan.fetches}
    assert by_graph[("grid", ())].variables == {"code"}
    assert by_graph[("grid", ())].document.startswith("query($code: ID!) {")
    assert by_graph[("org", ())].variables == {"id"}
    assert by_graph[("org", ("community",))].variables == set()


def test_mutations_are_staged_in_order(planner):
    query_plan = plan(
        planner,
        'mutation { a: appendLog(entry: "a") b: appendLog(entry: "b") '
        'c: appendGridLog(entry: "c") d: appendLog(entry: "d") }',
    )
    assert summary(query_plan) == [[("org", "", [])], [("grid", "", [])], [("org", "", [])]]
    assert query_plan.stages[0][0].document.startswith("mutation { a: appendLog")


def test_conditions_pick_the_plan_and_plans_are_cached(planner):
    text = 'query($x: Boolean!) { community(code: "C1") { name organization @include(if: $x) { name } } }'
    with_org = plan(planner, text, {"x": True})
    without = plan(planner, text, {"x": False})
    assert [f.graph for f in with_org.fetches] == ["grid", "org"]
    assert [f.graph for f in without.fetches] == ["grid"]
    assert plan(planner, text, {"x": True}) is with_org


def test_internal_prefix_avoids_client_aliases(planner):
    query_plan = plan(planner, '{ _pgk_a: community(code: "C1") { organization { name } } }')
    assert query_plan.prefix == "_pgk1_"
    assert "_pgk1_code: code" in query_plan.fetches[0].document


def test_representations_variable_avoids_client_variables(planner):
    text = "query($representations: ID!) { community(code: $representations) { organization { name } } }"
    query_plan = plan(planner, text, {"representations": "C1"})
    assert query_plan.representations_variable == "_pgk_reps"
    assert "$_pgk_reps: [_Any!]!" in query_plan.fetches[1].document


def test_abstract_types_are_planned_per_possible_type(planner):
    query_plan = plan(
        planner, '{ search(text: "1") { ... on Zone { name } ... on Building { grade } } }'
    )
    assert summary(query_plan) == [[("grid", "", []), ("assess", "search", [0])]]
    assert query_plan.fetches[1].entity_type == "Building"


def test_second_key_is_fetched_from_a_third_subgraph(planner):
    """grid knows residents by card, assess by id: org turns cards into ids first."""
    query_plan = plan(planner, "{ apartments { residents { score } } }")
    (stage,) = query_plan.stages
    assert [(f.graph, "/".join(f.path), f.depends_on) for f in stage] == [
        ("grid", "", []),
        ("org", "apartments/residents", [0]),
        ("assess", "apartments/residents", [0, 1]),
    ]
    org, assess = stage[1], stage[2]
    assert "_pgk_id: id" in org.document and "score" not in org.document
    assert [k.name for k in assess.key_fields] == ["id"]


def test_requires_from_a_third_subgraph(planner):
    query_plan = plan(planner, '{ resident(id: "R1") { discount bracket } }')
    (stage,) = query_plan.stages
    assert [(f.graph, f.depends_on) for f in stage] == [("org", []), ("assess", [0])]
    # The inaccessible secretLevel is still selected for assess's @requires.
    assert "_pgk_age: age" in stage[0].document
    assert "_pgk_secretLevel: secretLevel" in stage[0].document
    assert {k.name: k.optional for k in stage[1].key_fields} == {
        "id": False,
        "age": True,
        "secretLevel": True,
    }


def test_requires_of_a_field_of_the_same_subgraph(planner):
    """assess resolves discount itself, but only with org's age: root, org, then _entities."""
    query_plan = plan(planner, "{ topResidents { score discount } }")
    (stage,) = query_plan.stages
    assert [(f.graph, "/".join(f.path), f.depends_on) for f in stage] == [
        ("assess", "", []),
        ("assess", "topResidents", [0, 2]),
        ("org", "topResidents", [0]),
    ]
    assert "score" in stage[0].document and "discount" not in stage[0].document


def test_provides_saves_a_fetch(planner):
    query_plan = plan(planner, "{ topResidents { id name } }")
    assert summary(query_plan) == [[("assess", "", [])]]
    assert "name" in query_plan.fetches[0].document
    # Outside the @provides path, name comes from its owner.
    other = plan(planner, "{ cheapApartments { number } apartments { residents { name } } }")
    assert {f.graph for f in other.fetches} == {"assess", "grid", "org"}


def test_compound_nested_key(planner):
    query_plan = plan(planner, "{ cheapApartments { kind } }")
    assert summary(query_plan) == [[("assess", "", []), ("grid", "cheapApartments", [0])]]
    root = query_plan.fetches[0]
    assert "_pgk_building: building { id }" in root.document
    assert "_pgk_number: number" in root.document


def test_plans_are_cached_per_document_and_operation(planner):
    text = "query A { communities { code } } query B { organizations { id score } }"
    first_a = plan(planner, text, name="A")
    first_b = plan(planner, text, name="B")
    assert first_a is not first_b
    assert [f.graph for f in first_b.fetches] == ["org", "assess"]
    assert plan(planner, text, name="A") is first_a
    assert plan(planner, text, name="B") is first_b


def test_entity_fetches_of_one_subgraph_at_two_paths_are_batched(planner):
    """assess's buildings wait for org's organizations: same chain length, one request."""
    query_plan = plan(
        planner, "{ communities { organization { score } zones { buildings { grade } } } }"
    )
    (stage,) = query_plan.stages
    ids = {(f.graph, "/".join(f.path)): f.id for f in stage}
    (batch,) = query_plan.batches
    assert batch.graph == "assess"
    assert [f.id for f in batch.fetches] == sorted(
        [ids["assess", "communities/organization"], ids["assess", "communities/zones/buildings"]]
    )
    assert batch.depends_on() == sorted([ids["grid", ""], ids["org", "communities"]])
    assert all(query_plan.batch_of[f.id] is batch for f in batch.fetches)
    text = batch.document((0, 1))
    assert text.startswith("query($_pgk_r0: [_Any!]!, $_pgk_r1: [_Any!]!) { ")
    assert "_pgk_e0: _entities(representations: $_pgk_r0) { ... on " in text
    assert "_pgk_e1: _entities(representations: $_pgk_r1) { ... on " in text
    assert "batch to assess" in query_plan.describe()


def test_batches_never_lengthen_the_chain(planner):
    """Two org fetches where one needs the other's results cannot travel together."""
    query_plan = plan(
        planner, "{ communities { organization { communities { organization { name } } } } }"
    )
    org_fetches = [f for f in query_plan.fetches if f.graph == "org"]
    assert len(org_fetches) == 2
    assert query_plan.batches == ()


def test_batch_documents_leave_decided_conditions_out(planner):
    text = (
        "query($b: Boolean!) { communities { organization { score } "
        "zones { buildings { grade @include(if: $b) certificate @skip(if: $b) } } } }"
    )
    query_plan = plan(planner, text, {"b": True})
    (batch,) = query_plan.batches
    assert "$b" not in batch.document((0, 1))  # conditions are decided in the plan


def test_batch_variables_avoid_client_variables(planner):
    text = (
        "query($_pgk_r0: ID!) { communities { organization { score } "
        "zones { buildings { grade } } } community(code: $_pgk_r0) { code } }"
    )
    query_plan = plan(planner, text, {"_pgk_r0": "C1"})
    assert query_plan.prefix == "_pgk1_"
    (batch,) = query_plan.batches
    assert "$_pgk1_r0: [_Any!]!" in batch.document((0, 1))
