"""What clients may see and which subgraph answers: progressive override labels,
`@join__directive` and `@tag` in the API schema, and values the API schema cannot represent
(plain Python, on a hand-written supergraph)."""

from __future__ import annotations

import pytest
from graphql import get_operation_ast, parse, print_schema, validate

from gateway.api_schema import build_api_schema
from gateway.keys import field_set
from gateway.override import label_enabled
from gateway.planner import Planner, provided_for, provides_map
from gateway.shape import Shaper, build_shape
from gateway.supergraph import parse_supergraph

JOIN = """
directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet,
  type: String, external: Boolean, override: String, usedOverridden: Boolean,
  overrideLabel: String) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false,
  resolvable: Boolean! = true, isInterfaceObject: Boolean! = false)
  repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
directive @join__directive(graphs: [join__Graph!], name: String!, args: join__DirectiveArguments)
  repeatable on SCHEMA | OBJECT | INTERFACE | FIELD_DEFINITION
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import])
  repeatable on SCHEMA
directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION
  | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
  | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
scalar join__FieldSet
scalar join__DirectiveArguments
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
enum join__Graph {
  A @join__graph(name: "a", url: "http://a")
  B @join__graph(name: "b", url: "http://b")
}
"""

SUPERGRAPH = (
    """
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)
  @link(url: "https://specs.apollo.dev/tag/v0.3")
  @join__directive(graphs: [A], name: "link", args: {url: "https://example.test/x/v1.0"})
{ query: Query }
"""
    + JOIN
    + """
type Query @join__type(graph: A) @join__type(graph: B) {
  items: [Item!]! @join__field(graph: A)
  ramp: String @join__field(graph: A) @join__field(graph: B, override: "a", overrideLabel: "percent(100)")
  search: [Result] @join__field(graph: A)
}
type Item @join__type(graph: A, key: "id") @join__type(graph: B, key: "id")
  @join__directive(graphs: [B], name: "x__cache", args: {seconds: 5}) @tag(name: "item") {
  id: ID!
  color: Color @join__field(graph: A)
  strict: Color! @join__field(graph: A)
  early: String @join__field(graph: A, overrideLabel: "percent(0)")
    @join__field(graph: B, override: "a", overrideLabel: "percent(0)")
  done: String @join__field(graph: A, overrideLabel: "percent(100)")
    @join__field(graph: B, override: "a", overrideLabel: "percent(100)")
  half: String @join__field(graph: A, overrideLabel: "percent(50)")
    @join__field(graph: B, override: "a", overrideLabel: "percent(50)")
  beta: String @join__field(graph: A, overrideLabel: "beta")
    @join__field(graph: B, override: "a", overrideLabel: "beta")
  moved: String @join__field(graph: B, override: "a")
  keyish: String @join__field(graph: A, usedOverridden: true) @join__field(graph: B, override: "a")
  note: String @join__field(graph: B) @join__directive(graphs: [B], name: "x__cache", args: {})
}
type Hidden @join__type(graph: A) @inaccessible { id: ID! }
union Result @join__type(graph: A) @join__unionMember(graph: A, member: "Item")
  @join__unionMember(graph: A, member: "Hidden") = Item | Hidden
enum Color @join__type(graph: A) {
  RED @join__enumValue(graph: A)
  SECRET @join__enumValue(graph: A) @inaccessible
}
"""
)


@pytest.fixture(scope="module")
def supergraph():
    return parse_supergraph(SUPERGRAPH)


@pytest.mark.parametrize(
    ("label", "enabled"),
    [("percent(100)", True), ("percent(100.0)", True), ("percent(0)", False),
     ("percent(50)", False), ("percent(99.9)", False), ("beta", False), ("", False)],
)  # fmt: skip
def test_which_labels_are_enabled(label, enabled):
    assert label_enabled(label) is enabled


def test_override_labels_choose_the_resolving_subgraph(supergraph):
    resolving = supergraph.resolving_graphs
    assert resolving("Item", "early") == {"a"}  # percent(0): not moved yet
    assert resolving("Item", "done") == {"b"}  # percent(100): moved
    assert resolving("Item", "half") == {"a"}  # between: the original unless a request draws it
    assert resolving("Item", "beta") == {"a"}  # a label nobody enabled
    assert resolving("Item", "moved") == {"b"}
    assert resolving("Item", "keyish") == {"b"}  # usedOverridden: only feeds keys
    # The `from` subgraph's join carries no label (the composer writes it so on root fields).
    assert resolving("Query", "ramp") == {"b"}
    assert supergraph.field("Item", "done").join_for("b").override_label == "percent(100)"


def test_join_directive_and_tag_stay_out_of_the_api_schema(supergraph):
    printed = print_schema(build_api_schema(supergraph))
    for hidden in ("join__", "@link", "@tag", "link__", "Hidden", "SECRET", "@inaccessible"):
        assert hidden not in printed, hidden
    assert "note: String" in printed


def test_planner_serves_a_supergraph_with_join_directives(supergraph):
    schema = build_api_schema(supergraph)
    text = "{ items { id note done early } ramp }"
    document = parse(text)
    assert not validate(schema, document)
    operation = get_operation_ast(document)
    assert operation is not None
    query_plan = Planner(supergraph, schema).plan(text, document, operation, {})
    graphs = {f.graph for f in query_plan.fetches}
    assert graphs == {"a", "b"}
    root_a = next(f for f in query_plan.fetches if f.graph == "a" and not f.is_entity_fetch)
    assert "early" in root_a.document and "done" not in root_a.document


def _shape(supergraph, text):
    schema = build_api_schema(supergraph)
    operation = get_operation_ast(parse(text))
    assert operation is not None
    assert schema.query_type is not None
    return build_shape(schema, {}, {}, schema.query_type, [operation.selection_set])


def test_enum_value_the_api_schema_lacks_is_a_field_error(supergraph):
    errors: list[dict] = []
    shaper = Shaper(typename_key="_t", errors=errors, covered=set())
    shape = _shape(supergraph, "{ items { id color } }")
    data = shaper.root({"items": [{"id": "1", "color": "SECRET"}, {"id": "2", "color": "RED"}]},
                       shape, "Query")  # fmt: skip
    assert data == {"items": [{"id": "1", "color": None}, {"id": "2", "color": "RED"}]}
    assert errors == [
        {
            "message": 'Enum "Color" cannot represent the value the subgraph returned.',
            "path": ["items", 0, "color"],
        }
    ]


@pytest.mark.parametrize("returned", [["RED"], {"RED": 1}, 1, True])
def test_enum_field_given_no_string_is_a_field_error(supergraph, returned):
    errors: list[dict] = []
    shaper = Shaper(typename_key="_t", errors=errors, covered=set())
    shape = _shape(supergraph, "{ items { id color } }")
    data = shaper.root({"items": [{"id": "1", "color": returned}]}, shape, "Query")
    assert data == {"items": [{"id": "1", "color": None}]}
    assert errors == [
        {
            "message": 'Enum "Color" cannot represent the value the subgraph returned.',
            "path": ["items", 0, "color"],
        }
    ]


def test_enum_value_in_a_non_null_field_nulls_the_parent(supergraph):
    errors: list[dict] = []
    shaper = Shaper(typename_key="_t", errors=errors, covered=set())
    shape = _shape(supergraph, "{ items { strict } }")
    assert shaper.root({"items": [{"strict": "SECRET"}]}, shape, "Query") is None
    assert [e["path"] for e in errors] == [["items", 0, "strict"]]  # one error, no second


def test_object_of_a_hidden_type_is_a_field_error(supergraph):
    errors: list[dict] = []
    shaper = Shaper(typename_key="_t", errors=errors, covered=set())
    shape = _shape(supergraph, "{ search { ... on Item { id } } }")
    raw = {"search": [{"_t": "Item", "id": "1"}, {"_t": "Hidden", "id": "2"}, {"id": "3"}]}
    assert shaper.root(raw, shape, "Query") == {"search": [{"id": "1"}, None, None]}
    assert [e["path"] for e in errors] == [["search", 1], ["search", 2]]
    assert "Hidden" not in errors[0]["message"]


def test_provides_on_a_union_member_is_for_that_member_only():
    provided = provides_map(field_set("id ... on Book { title } ... on Film { cast { name } }"))
    assert provided_for(provided, "Book") == {"id": None, "title": None}
    assert provided_for(provided, "Film") == {"id": None, "cast": {"name": None}}
    assert provided_for(provided, "Song") == {"id": None}
    assert provided_for(None, "Book") is None
