"""Plans for @requires chains, arguments and nested field sets, and for key fields a subgraph
gives although they are @external there, over a hand-written supergraph (no processes)."""

from __future__ import annotations

import pytest
from graphql import get_operation_ast, parse, validate

from gateway.api_schema import build_api_schema
from gateway.plan import QueryPlan
from gateway.planner import Planner, PlanningError
from gateway.supergraph import parse_supergraph

HEADER = """
schema @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION) { query: Query }
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet,
  type: String, external: Boolean, override: String, usedOverridden: Boolean)
  repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!)
  repeatable on OBJECT | INTERFACE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false,
  resolvable: Boolean! = true, isInterfaceObject: Boolean! = false)
  repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import])
  repeatable on SCHEMA
scalar join__FieldSet
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
enum join__Graph {
  A @join__graph(name: "a", url: "http://a")
  B @join__graph(name: "b", url: "http://b")
  C @join__graph(name: "c", url: "http://c")
}
"""

SUPERGRAPH = (
    HEADER
    + """
type Query @join__type(graph: A) @join__type(graph: B) @join__type(graph: C) {
  items: [Item!]! @join__field(graph: A)
  reviews: [Review!]! @join__field(graph: C)
}
enum Unit @join__type(graph: A) @join__type(graph: B) { KG G }
interface Thing @join__type(graph: A) @join__type(graph: C) {
  id: ID!
  name: String @join__field(graph: C)
}
type Part implements Thing @join__implements(graph: A, interface: "Thing")
  @join__implements(graph: C, interface: "Thing")
  @join__type(graph: A, key: "id") @join__type(graph: C, key: "id") {
  id: ID!
  name: String @join__field(graph: C)
}
type Maker @join__type(graph: A, key: "id") @join__type(graph: B, key: "id")
  @join__type(graph: C, key: "id") {
  id: ID!
  country: String @join__field(graph: B, external: true) @join__field(graph: C)
}
type Item @join__type(graph: A, key: "id") @join__type(graph: B, key: "id")
  @join__type(graph: C, key: "id") {
  id: ID!
  a: Int @join__field(graph: A) @join__field(graph: B, external: true)
  b: Int @join__field(graph: B, requires: "a") @join__field(graph: C, external: true)
  c: Int @join__field(graph: C, requires: "b")
  x: String @join__field(graph: C) @join__field(graph: B, external: true)
  bx: String @join__field(graph: B, requires: "x") @join__field(graph: C, external: true)
  cy: String @join__field(graph: C, requires: "bx")
  weight(unit: Unit! = KG): Float @join__field(graph: A) @join__field(graph: B, external: true)
  heavy: Boolean @join__field(graph: B, requires: "weight(unit: G)")
  light: Boolean @join__field(graph: B, requires: "weight(unit: KG)")
  maker: Maker @join__field(graph: A) @join__field(graph: B, external: true)
  origin: String @join__field(graph: B, requires: "maker { country }")
  thing: Thing @join__field(graph: A) @join__field(graph: B, external: true)
  thingName: String @join__field(graph: B, requires: "thing { name }")
  thingId: ID @join__field(graph: B, requires: "thing { ... on Part { id } }")
}
type Review @join__type(graph: C) {
  id: ID!
  account: Account @join__field(graph: C, provides: "id")
}
type Account @join__type(graph: A, key: "id") @join__type(graph: C, key: "id", resolvable: false) {
  id: ID! @join__field(graph: A) @join__field(graph: C, external: true)
  name: String @join__field(graph: A)
}
"""
)


@pytest.fixture(scope="module")
def planner() -> Planner:
    supergraph = parse_supergraph(SUPERGRAPH)
    return Planner(supergraph, build_api_schema(supergraph), cache_size=8)


def plan(planner: Planner, text: str) -> QueryPlan:
    document = parse(text)
    assert not validate(planner.schema, document)
    operation = get_operation_ast(document)
    assert operation is not None
    return planner.plan(text, document, operation, {})


def by_graph(query_plan: QueryPlan) -> dict[str, list[tuple[str, str, list[int], str]]]:
    """Per subgraph: (id, path, dependencies, document) of its fetches."""
    found: dict[str, list[tuple[str, str, list[int], str]]] = {}
    for fetch in query_plan.fetches:
        found.setdefault(fetch.graph, []).append(
            (f"#{fetch.id}", "/".join(fetch.path), sorted(fetch.depends_on), fetch.document)
        )
    return found


def test_a_requires_chain_sends_the_inner_requirement(planner):
    """c (in c) requires b (in b), which requires a (in a): b's fetch carries a."""
    query_plan = plan(planner, "{ items { c } }")
    fetches = {f.graph: f for f in query_plan.fetches}
    assert "_pgk_a: a" in fetches["a"].document
    assert [k.name for k in fetches["b"].key_fields] == ["id", "a"]
    assert "_pgk_b: b" in fetches["b"].document
    assert [k.name for k in fetches["c"].key_fields] == ["id", "b"]
    assert fetches["b"].id in fetches["c"].depends_on
    assert fetches["a"].id in fetches["b"].depends_on


def test_requires_arguments_are_sent_under_their_own_alias(planner):
    query_plan = plan(planner, "{ items { heavy weight } }")
    root = query_plan.fetches[0]
    assert "weight" in root.document and "weight(unit: G)" in root.document
    [required] = [k for k in query_plan.fetches[1].key_fields if k.name == "weight"]
    assert required.alias.startswith("_pgk_weight_") and required.optional
    assert f"{required.alias}: weight(unit: G)" in root.document


def test_a_nested_required_field_of_a_third_subgraph_is_fetched_there(planner):
    """origin requires maker { country }: a has the maker, c its country."""
    fetches = by_graph(plan(planner, "{ items { origin } }"))
    [(c_id, c_path, _, c_document)] = fetches["c"]
    assert c_path == "items/_pgk_maker" and "country" in c_document
    [(_, _, b_after, _)] = fetches["b"]
    assert int(c_id[1:]) in b_after
    assert "_pgk_maker: maker { _pgk___typename: __typename _pgk_id: id }" in (fetches["a"][0][3])


def test_a_nested_required_field_of_an_abstract_type_elsewhere_is_refused(planner):
    with pytest.raises(PlanningError) as refused:
        plan(planner, "{ items { thingName } }")
    assert str(refused.value) == (
        "Cannot plan Item.thing: its field set needs fields of Thing that a does not resolve, "
        "and Thing is not an object type clients can query."
    )


def test_an_external_key_field_the_subgraph_provides_is_read_from_it(planner):
    """c returns the account's id (`@provides(fields: "id")`, external there): a is reached
    by it without a helper fetch."""
    fetches = by_graph(plan(planner, "{ reviews { account { name } } }"))
    [(_, _, _, c_document)] = fetches["c"]
    assert "_pgk_id: id" in c_document
    [(_, path, after, _)] = fetches["a"]
    assert path == "reviews/account" and after == [0]


def test_one_field_required_with_two_argument_sets_by_one_subgraph_is_refused(planner):
    assert plan(planner, "{ items { light } }").fetches[1].graph == "b"
    with pytest.raises(PlanningError) as refused:
        plan(planner, "{ items { heavy light } }")
    assert str(refused.value) == (
        "Cannot plan Item.weight for b: its @requires ask it with different arguments, "
        "and a representation carries one value."
    )


def test_a_required_field_the_client_selects_is_read_from_the_clients_field(planner):
    """One value and, should it fail, one error: no second copy under an internal alias."""
    query_plan = plan(planner, "{ items { first: a b } }")
    root, entity = query_plan.fetches
    assert root.document.count(" a") == 1 and "first: a" in root.document
    assert [(k.name, k.alias) for k in entity.key_fields] == [("id", "_pgk_id"), ("a", "first")]


def test_an_error_on_an_internal_copy_of_a_client_field_is_reported_once():
    """A key field the client selects too fails twice in the subgraph's answer (its internal
    copy and the client's): the client gets the one on its own field."""
    from gateway.executor import _unshadowed

    errors = [
        {"message": "locked", "path": ["_entities", 3, "_pgk_vin"]},
        {"message": "locked", "path": ["_entities", 3, "vin"]},
        {"message": "other", "path": ["_entities", 1, "_pgk_vin"]},
    ]
    assert _unshadowed(errors, "_pgk_") == errors[1:]


def test_a_nested_field_set_with_a_type_condition_the_subgraph_resolves_is_sent_as_is(planner):
    root = plan(planner, "{ items { thingId } }").fetches[0]
    assert "_pgk_thing: thing { ... on Part { id } }" in root.document


def test_a_requires_chain_back_to_the_first_subgraph_fetches_it_twice(planner):
    """cy (in c) requires bx (in b), which requires x from c: c is asked for x first, then
    for cy, never in one fetch that would wait for itself."""
    query_plan = plan(planner, "{ items { cy } }")
    c_fetches = [f for f in query_plan.fetches if f.graph == "c"]
    [b_fetch] = [f for f in query_plan.fetches if f.graph == "b"]
    first, second = sorted(c_fetches, key=lambda f: "cy" in f.document)
    assert "_pgk_x: x" in first.document and "cy" in second.document
    assert first.id in b_fetch.depends_on and b_fetch.id in second.depends_on
