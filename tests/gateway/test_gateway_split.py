"""Value types split between subgraphs, and what cannot be planned, on a hand-written
supergraph (plain Python: no processes)."""

from __future__ import annotations

import pytest
from hand_planning import plan, planner_for

from gateway.planner import Planner, PlanningError

# Hand-written, so it can hold what composition would reject as unsatisfiable: Info.b and
# Info.c are resolved where no path to them exists (Query.info is A's alone; Item.info is
# A's and B's, and C resolves Info.c without resolving Item.info).
SUPERGRAPH = """
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)
{ query: Query mutation: Mutation }

directive @join__field(graph: join__Graph, requires: join__FieldSet,
  provides: join__FieldSet, type: String, external: Boolean, override: String,
  usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false,
  resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable
  on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__implements(graph: join__Graph!, interface: String!) repeatable
  on OBJECT | INTERFACE
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import])
  repeatable on SCHEMA
scalar join__FieldSet
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }

enum join__Graph {
  A @join__graph(name: "a", url: "http://a/graphql")
  B @join__graph(name: "b", url: "http://b/graphql")
  C @join__graph(name: "c", url: "http://c/graphql")
}

type Query @join__type(graph: A) @join__type(graph: B) @join__type(graph: C) {
  info: Info @join__field(graph: A)
  shared: Info @join__field(graph: A) @join__field(graph: B)
  item: Item @join__field(graph: A)
  onlyB: Int @join__field(graph: B)
  thing: Thing @join__field(graph: A)
  featured: Node @join__field(graph: A, type: "Node") @join__field(graph: B, type: "Book")
}

type Mutation @join__type(graph: A) @join__type(graph: B) {
  save: Info @join__field(graph: A) @join__field(graph: B)
  setA: Int @join__field(graph: A)
  setB: Int @join__field(graph: B)
}

union Thing @join__type(graph: A) @join__unionMember(graph: A, member: "Info") = Info

interface Node @join__type(graph: A) @join__type(graph: B) { id: ID! }

type Book implements Node @join__type(graph: A, key: "id") @join__type(graph: B, key: "id")
  @join__implements(graph: A, interface: "Node") @join__implements(graph: B, interface: "Node") {
  id: ID!
  title: String @join__field(graph: A)
  pages: Int @join__field(graph: B)
}

type Movie implements Node @join__type(graph: A, key: "id") @join__type(graph: B, key: "id")
  @join__implements(graph: A, interface: "Node") @join__implements(graph: B, interface: "Node") {
  id: ID!
  minutes: Int @join__field(graph: B)
}

type Info @join__type(graph: A) @join__type(graph: B) @join__type(graph: C) {
  a: String @join__field(graph: A)
  b: String @join__field(graph: B)
  c: String @join__field(graph: C)
}

type Item @join__type(graph: A, key: "id") @join__type(graph: B, key: "id")
  @join__type(graph: C, key: "id") {
  id: ID!
  info: Info @join__field(graph: A) @join__field(graph: B)
  note: Info @join__field(graph: B) @join__field(graph: C)
}
"""


@pytest.fixture(scope="module")
def planner() -> Planner:
    return planner_for(SUPERGRAPH)


def test_shared_root_value_type_split_between_subgraphs(planner):
    query_plan = plan(planner, "{ shared { a b } }")
    assert sorted((f.graph, f.document) for f in query_plan.fetches) == [
        ("a", "query { shared { a } }"),
        ("b", "query { shared { b } }"),
    ]


def test_shared_root_served_whole_by_one_subgraph(planner):
    query_plan = plan(planner, "{ shared { b } }")
    assert [(f.graph, f.document) for f in query_plan.fetches] == [("b", "query { shared { b } }")]


def test_a_subgraph_already_fetched_that_serves_it_all_takes_a_shared_root(planner):
    query_plan = plan(planner, "{ onlyB shared { b } info { a } }")
    assert sorted((f.graph, f.document) for f in query_plan.fetches) == [
        ("a", "query { info { a } }"),
        ("b", "query { onlyB shared { b } }"),
    ]


def test_subgraph_object_type_of_an_abstract_field_gets_no_other_fragments(planner):
    query_plan = plan(planner, "{ featured { id ... on Book { pages } ... on Movie { minutes } } }")
    (fetch,) = query_plan.fetches
    # B types `featured` as Book: `... on Movie` would be invalid there.
    assert (fetch.graph, fetch.document) == (
        "b",
        "query { featured { _pgk___typename: __typename id pages } }",
    )


def test_entity_value_field_split_by_key_jump(planner):
    query_plan = plan(planner, "{ item { info { a b } } }")
    root, entity = query_plan.fetches
    assert (root.graph, entity.graph, entity.path) == ("a", "b", ("item",))
    assert "info { a }" in root.document
    assert "... on Item { info { b } }" in entity.document


def test_value_field_elsewhere_goes_straight_to_the_subgraph_serving_it(planner):
    # B resolves Item.note too, but none of `note { c }`: no fetch of B just for the key.
    query_plan = plan(planner, "{ item { note { c } } }")
    assert [(f.graph, f.path) for f in query_plan.fetches] == [("a", ()), ("c", ("item",))]


def test_value_field_elsewhere_split_between_two_other_subgraphs(planner):
    query_plan = plan(planner, "{ item { note { b c } } }")
    assert sorted((f.graph, f.entity_selection) for f in query_plan.fetches[1:]) == [
        ("b", "... on Item { note { b } }"),
        ("c", "... on Item { note { c } }"),
    ]


def test_unreachable_value_field_at_the_root_names_type_field_and_why(planner):
    with pytest.raises(PlanningError) as raised:
        plan(planner, "{ info { a b } }")
    assert str(raised.value) == (
        "Cannot plan Query.info: no subgraph that resolves it also resolves Info.b, and a "
        "value type has no key to fetch that by from another subgraph."
    )


def test_unreachable_value_field_under_an_entity_names_type_field_and_why(planner):
    with pytest.raises(PlanningError) as raised:
        plan(planner, "{ item { info { a c } } }")
    assert str(raised.value) == (
        "Cannot plan Item.info: no subgraph reachable from a by a key of Item resolves both "
        "Item.info and Info.c."
    )


def test_value_type_below_an_abstract_type_is_not_split_and_says_so(planner):
    with pytest.raises(PlanningError) as raised:
        plan(planner, "{ thing { ... on Info { a b } } }")
    assert str(raised.value) == (
        "Cannot plan Info.b: a does not resolve it and Info has no key to fetch it by from "
        "another subgraph (the planner splits value types below root fields and entities "
        "only, not below abstract types)."
    )


@pytest.mark.parametrize(
    ("mutation", "fetches"),
    [
        ("mutation { save { b } }", [("b", "mutation { save { b } }")]),
        ("mutation { save { a } }", [("a", "mutation { save { a } }")]),
        # The previous group's subgraph takes it when it serves the whole selection...
        ("mutation { setB save { b } }", [("b", "mutation { setB save { b } }")]),
        # ...else the first that does.
        (
            "mutation { setB save { a } setA }",
            [("b", "mutation { setB }"), ("a", "mutation { save { a } setA }")],
        ),
        (
            "mutation { setA save { b } setA2: setA }",
            [
                ("a", "mutation { setA }"),
                ("b", "mutation { save { b } }"),
                ("a", "mutation { setA2: setA }"),
            ],
        ),
    ],
)
def test_shared_mutation_field_runs_in_a_subgraph_serving_its_whole_selection(
    planner, mutation, fetches
):
    query_plan = plan(planner, mutation)
    assert [(f.graph, f.document) for f in query_plan.fetches] == fetches
    assert len(query_plan.stages) == len(fetches)


def test_shared_mutation_field_no_subgraph_serves_whole_names_type_field_and_why(planner):
    with pytest.raises(PlanningError) as raised:
        plan(planner, "mutation { save { a b } }")
    assert str(raised.value) == (
        "Cannot plan Mutation.save: no subgraph that resolves it resolves all of its selection "
        "(a does not resolve Info.b), and a mutation runs in one subgraph only."
    )
