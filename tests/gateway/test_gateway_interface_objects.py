"""Interface objects (`@interfaceObject`) over a hand-written supergraph: planning only.

Apollo's composers write a bare `@join__field` (no arguments) on an implementation's copy of a
field an interface object adds; the gateway must load it and route the field to the interface
object's subgraph, and find an interface value's real type where that subgraph cannot.
"""

from __future__ import annotations

import pytest
from graphql import GraphQLInterfaceType, parse
from hand_planning import plan, planner_for

from gateway.interface_objects import plan_interface_value
from gateway.planner import PlanningError, _Builder
from gateway.supergraph import parse_supergraph

# Composed by @theguild/federation-composition from
#   a: interface Node @key(fields: "id") { id title }, Book implements Node; Query { book nodes }
#   b: type Node @key(fields: "id") @interfaceObject { id stock }; Query { top }
SUPERGRAPH = """
schema @link(url: "https://specs.apollo.dev/link/v1.0") @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION) {
  query: Query
}
directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__field(
  graph: join__Graph
  requires: join__FieldSet
  provides: join__FieldSet
  type: String
  external: Boolean
  override: String
  usedOverridden: Boolean
  overrideLabel: String
  contextArguments: [join__ContextArgument!]
) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
input join__ContextArgument {
  name: String!
  type: String!
  context: String!
  selection: join__FieldValue!
}
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
directive @join__type(
  graph: join__Graph!
  key: join__FieldSet
  extension: Boolean! = false
  resolvable: Boolean! = true
  isInterfaceObject: Boolean! = false
) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
scalar join__FieldSet
scalar join__FieldValue
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
scalar link__Import
enum link__Purpose {
  SECURITY
  EXECUTION
}
enum join__Graph {
  A @join__graph(name: "a", url: "http://a")
  B @join__graph(name: "b", url: "http://b")
}
type Query @join__type(graph: A) @join__type(graph: B) {
  book: Book @join__field(graph: A)
  nodes: [Node] @join__field(graph: A)
  top: Node @join__field(graph: B)
}
type Book implements Node @join__type(graph: A, key: "id") @join__implements(graph: A, interface: "Node") {
  id: ID!
  title: String
  pages: Int
  stock: Int @join__field
}
interface Node @join__type(graph: A, key: "id") @join__type(graph: B, key: "id", isInterfaceObject: true) {
  id: ID!
  title: String @join__field(graph: A)
  stock: Int @join__field(graph: B)
}
"""


def test_bare_join_field_loads_and_no_subgraph_resolves_it_directly():
    supergraph = parse_supergraph(SUPERGRAPH)
    stock = supergraph.field("Book", "stock")
    assert [j.graph for j in stock.joins] == [None]
    assert stock.graphs == frozenset()
    assert supergraph.field("Node", "stock").graphs == frozenset({"b"})
    assert supergraph.types["Node"].is_interface_object_in("b")
    assert not supergraph.types["Node"].is_interface_object_in("a")


def test_added_field_on_an_implementation_goes_to_the_interface_object():
    query_plan = plan(planner_for(SUPERGRAPH), "{ book { pages stock } }")
    root, added = query_plan.fetches
    assert root.graph == "a" and "_pgk_id: id" in root.document
    assert (added.graph, added.entity_type, added.accepts) == ("b", "Node", {"Book"})
    assert added.document == (
        "query($representations: [_Any!]!) { _entities(representations: $representations) "
        "{ ... on Node { stock } } }"
    )


def test_interface_value_of_an_interface_object_asks_its_type():
    query_plan = plan(planner_for(SUPERGRAPH), "{ top { id stock ... on Book { pages } } }")
    root, typer = query_plan.fetches
    assert root.document == "query { top { _pgk___typename: __typename _pgk_id: id id stock } }"
    assert (typer.graph, typer.entity_type, typer.depends_on) == ("a", "Node", [root.id])
    assert "_pgk___typename: __typename ... on Book { pages }" in typer.document


def test_no_subgraph_to_tell_the_type_is_a_planning_error():
    unresolvable = SUPERGRAPH.replace(
        'interface Node @join__type(graph: A, key: "id")',
        'interface Node @join__type(graph: A, key: "id", resolvable: false)',
    )
    assert unresolvable != SUPERGRAPH
    with pytest.raises(PlanningError, match=r"Query\.top: b returns Node as an interface object"):
        plan(planner_for(unresolvable), "{ top { id } }")


# A second implementation, and a field with an argument the interface object adds.
TWO_IMPLEMENTATIONS = SUPERGRAPH.replace(
    "  stock: Int @join__field\n}",
    "  stock: Int @join__field\n  rating(first: Int): Int @join__field\n}\n"
    'type Movie implements Node @join__type(graph: A, key: "id") '
    '@join__implements(graph: A, interface: "Node") {\n'
    "  id: ID!\n  title: String\n  minutes: Int\n  stock: Int @join__field\n"
    "  rating(first: Int): Int @join__field\n}",
).replace(
    "  stock: Int @join__field(graph: B)\n}",
    "  stock: Int @join__field(graph: B)\n  rating(first: Int): Int @join__field(graph: B)\n}",
)


@pytest.mark.parametrize(
    ("query", "books", "movies"),
    [
        (
            "{ nodes { ... on Book { x: stock } ... on Movie { x: rating } } }",
            "x: stock",
            "x: rating",
        ),
        (
            "{ nodes { ... on Book { x: rating(first: 1) } ... on Movie { x: rating(first: 2) } } }",
            "x: rating(first: 1)",
            "x: rating(first: 2)",
        ),
    ],
)
def test_implementations_asking_other_added_fields_under_one_key_get_a_fetch_each(
    query, books, movies
):
    assert TWO_IMPLEMENTATIONS.count("type Movie") == 1
    query_plan = plan(planner_for(TWO_IMPLEMENTATIONS), query)
    _root, *added = query_plan.fetches
    assert sorted((f.graph, tuple(f.accepts), f.document) for f in added) == [
        (
            "b",
            (kind,),
            "query($representations: [_Any!]!) { _entities(representations: $representations) "
            f"{{ ... on Node {{ {selection} }} }} }}",
        )
        for kind, selection in (("Book", books), ("Movie", movies))
    ]
    # Still one request to b.
    (batch,) = query_plan.batches
    assert batch.fetches == tuple(added)


def test_implementations_asking_the_same_added_fields_share_a_fetch():
    query_plan = plan(
        planner_for(TWO_IMPLEMENTATIONS),
        "{ nodes { ... on Book { stock r: rating(first: 1) } ... on Movie { stock r: rating(first: 1) } } }",
    )
    _root, added = query_plan.fetches
    assert (added.graph, added.accepts) == ("b", {"Book", "Movie"})


def test_interface_value_implementations_asking_other_added_fields_get_a_fetch_each():
    query_plan = plan(
        planner_for(TWO_IMPLEMENTATIONS),
        "{ top { ... on Book { x: stock } ... on Movie { x: rating } } }",
    )
    _root, typer, *added = query_plan.fetches
    assert typer.graph == "a"
    assert sorted((f.graph, tuple(f.accepts), f.depends_on) for f in added) == [
        ("b", ("Book",), [typer.id]),
        ("b", ("Movie",), [typer.id]),
    ]
    assert {"x: stock", "x: rating"} == {f.document.split("Node { ")[1][:-6] for f in added}


# `node` is shared: a knows Node as an interface, b as an interface object.
SHARED_ROOT = SUPERGRAPH.replace(
    "  top: Node @join__field(graph: B)\n",
    "  top: Node @join__field(graph: B)\n  node: Node @join__field(graph: A) @join__field(graph: B)\n",
)


@pytest.mark.parametrize(
    "query",
    [
        "{ node { ... on Book { stock } } }",
        "{ node { ... on Node { ... on Book { stock } } } }",
        "{ node { id stock ... on Book { pages } } }",
    ],
)
def test_shared_root_of_an_interface_starts_where_the_types_are_known(query):
    # Starting in b would need a to tell the type, then b again for stock: three fetches.
    assert SHARED_ROOT.count("node: Node") == 1
    query_plan = plan(planner_for(SHARED_ROOT), query)
    assert [(f.graph, f.entity_type) for f in query_plan.fetches] == [("a", None), ("b", "Node")]


def test_interface_value_routing_without_a_type_source_raises_a_planning_error():
    # plan_field checks first (the message above); the routing itself must not fail otherwise.
    unresolvable = SUPERGRAPH.replace(
        'interface Node @join__type(graph: A, key: "id")',
        'interface Node @join__type(graph: A, key: "id", resolvable: false)',
    )
    planner = planner_for(unresolvable)
    builder = _Builder(planner, {}, {}, "_pgk_")
    fetch = builder.new_fetch("b")
    node = planner.schema.get_type("Node")
    assert isinstance(node, GraphQLInterfaceType)
    subsets = [parse("{ id }").definitions[0].selection_set]  # type: ignore[attr-defined]
    with pytest.raises(PlanningError, match="Cannot plan Node: b returns it as an interface"):
        plan_interface_value(builder, fetch, fetch.selection, node, subsets, ("top",), None)
