"""Plans for @requires chains, arguments and nested field sets, and for key fields a subgraph
gives although they are @external there, over a hand-written supergraph (no processes)."""

from __future__ import annotations

import pytest
from hand_planning import plan

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


def _planner(body: str) -> Planner:
    supergraph = parse_supergraph(HEADER + body)
    return Planner(supergraph, build_api_schema(supergraph), cache_size=8)


def _chain(n: int) -> str:
    """Item fields f0..f(n-1) spread over a, b and c; each fi (i >= 2) requires f(i-1) and
    f(i-2), f1 requires f0: every link shares an input with the next."""
    owner = {i: "abc"[i % 3] if i > 1 else "ab"[i] for i in range(n)}
    requires = {1: "f0", **{i: f"f{i - 1} f{i - 2}" for i in range(2, n)}}
    external: dict[int, set[str]] = {i: set() for i in range(n)}
    for i, fields in requires.items():
        for name in fields.split():
            if owner[int(name[1:])] != owner[i]:
                external[int(name[1:])].add(owner[i])
    lines = []
    for i in range(n):
        joins = f"@join__field(graph: {owner[i].upper()}"
        joins += f', requires: "{requires[i]}")' if i in requires else ")"
        joins += "".join(
            f" @join__field(graph: {g.upper()}, external: true)" for g in sorted(external[i])
        )
        lines.append(f"  f{i}: Int {joins}")
    return (
        "type Query @join__type(graph: A) @join__type(graph: B) @join__type(graph: C) {\n"
        "  items: [Item!]! @join__field(graph: A)\n}\n"
        'type Item @join__type(graph: A, key: "id") @join__type(graph: B, key: "id")\n'
        '  @join__type(graph: C, key: "id") {\n  id: ID!\n' + "\n".join(lines) + "\n}\n"
    )


def test_a_requires_chain_whose_links_share_inputs_plans_each_input_once():
    """f11 needs f10 and f9, f10 needs f9 and f8, ...: planned once per field, the fetch count
    grows with the chain, not exponentially."""
    n = 12
    query_plan = plan(_planner(_chain(n)), f"{{ items {{ f{n - 1} }} }}")
    assert len(query_plan.fetches) <= 2 * n
    for fetch in query_plan.fetches[1:]:
        required = [k.name for k in fetch.key_fields if k.optional]
        # Each input a fetch reads is written by a fetch it waits for.
        for name in required:
            writers = [f for f in query_plan.fetches if f"_pgk_{name}: {name}" in f.document]
            assert writers and all(w.id in fetch.depends_on for w in writers)


MUTUAL = """
type Query @join__type(graph: A) @join__type(graph: B) { items: [Item!]! @join__field(graph: A) }
type Item @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") {
  id: ID!
  x: Int @join__field(graph: A, requires: "y") @join__field(graph: B, external: true)
  y: Int @join__field(graph: B, requires: "x") @join__field(graph: A, external: true)
}
"""


def test_mutual_requires_are_refused():
    with pytest.raises(PlanningError) as refused:
        plan(_planner(MUTUAL), "{ items { x } }")
    assert str(refused.value) == (
        "Cannot plan Item.x in a: its @requires needs, through a chain of @requires, Item.x itself."
    )


LABELS = """
type Query @join__type(graph: A) @join__type(graph: B) { items: [Item!]! @join__field(graph: A) }
type Item @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") {
  id: ID!
  maker: Maker @join__field(graph: A) @join__field(graph: B, external: true)
  en: String @join__field(graph: B, requires: "maker { label(lang: \\"en\\") }")
  fr: String @join__field(graph: B, requires: "maker { label(lang: \\"fr\\") }")
}
type Maker @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") {
  id: ID!
  label(lang: String): String @join__field(graph: A) @join__field(graph: B, external: true)
}
"""


def test_a_nested_required_field_with_two_argument_sets_in_one_object_is_refused():
    planner = _planner(LABELS)
    assert 'label(lang: "fr")' in plan(planner, "{ items { fr } }").fetches[0].document
    with pytest.raises(PlanningError) as refused:
        plan(planner, "{ items { en fr } }")
    assert str(refused.value) == (
        "Cannot plan Item.maker.label: field sets ask it with different arguments "
        '((lang: "en") and (lang: "fr")) inside one object, and a representation carries '
        "one value."
    )


FRAGMENTS = """
type Query @join__type(graph: A) @join__type(graph: B) { items: [Item!]! @join__field(graph: A) }
interface Named @join__type(graph: A) @join__type(graph: B) { id: ID! }
type Item implements Named @join__implements(graph: A, interface: "Named")
  @join__implements(graph: B, interface: "Named")
  @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") {
  id: ID!
  a: Int @join__field(graph: A) @join__field(graph: B, external: true)
  n: Int @join__field(graph: A) @join__field(graph: B, external: true)
  b: Int @join__field(graph: B, requires: "... on Item { a }")
  c: Int @join__field(graph: B, requires: "__typename a ... on Named { ... { n } }")
  d: Int @join__field(graph: B, requires: "... on Other { a }")
}
type Other @join__type(graph: A) { a: Int }
"""


@pytest.mark.parametrize(("field", "sent"), [("b", ["a"]), ("c", ["a", "n"])])
def test_a_requires_fragment_on_the_type_or_its_interface_and_typename_are_flattened(field, sent):
    root, entity = plan(_planner(FRAGMENTS), f"{{ items {{ {field} }} }}").fetches
    assert [k.name for k in entity.key_fields] == ["id", *sent]
    assert all(f"_pgk_{name}: {name}" in root.document for name in sent)


def test_a_requires_fragment_on_another_type_is_refused():
    with pytest.raises(PlanningError) as refused:
        plan(_planner(FRAGMENTS), "{ items { d } }")
    assert str(refused.value) == (
        "Cannot plan Item.d: its @requires has a fragment (on Other) that is not an "
        "unconditional inline fragment on Item or an interface it implements."
    )


def test_an_error_on_another_client_field_does_not_hide_one_on_an_internal_copy():
    """`_pgk_a` copies `a`, not `secret`: two failures, two errors."""
    from gateway.executor import _unshadowed

    errors = [
        {"message": "Forbidden", "path": ["items", 0, "_pgk_a"]},
        {"message": "Forbidden", "path": ["items", 0, "secret"]},
    ]
    assert _unshadowed(errors, "_pgk_") == errors


def test_an_entity_error_below_a_required_object_has_no_internal_alias_in_its_path(planner):
    """origin requires maker { country }; c fails country for the maker under `_pgk_maker`:
    the client's path stops at the item."""
    import asyncio

    from gateway.executor import Executor

    class Transport:
        async def fetch(self, graph: str, body: dict, shared: bool = True) -> dict:
            if graph == "a":
                maker = {"_pgk___typename": "Maker", "_pgk_id": "m1"}
                item = {"_pgk___typename": "Item", "_pgk_id": "1", "_pgk_maker": maker}
                return {"data": {"items": [item]}}
            if graph == "c":
                return {
                    "data": {"_entities": [{"country": None}]},
                    "errors": [{"message": "country down", "path": ["_entities", 0, "country"]}],
                }
            return {"data": {"_entities": [{"origin": "x"}]}}

    query_plan = plan(planner, "{ items { origin } }")
    result = asyncio.run(Executor(planner.schema, Transport()).execute(query_plan, {}))
    assert result["errors"] == [{"message": "country down", "path": ["items", 0]}]
    assert result["data"] == {"items": [{"origin": "x"}]}


def test_an_internal_copy_is_matched_to_the_client_field_by_the_fetchs_selection():
    """By the selection: `mine: vin` is the field `_pgk_vin` copies (one error); `vin: owner`
    is another field failing with the same message (two errors)."""
    from gateway.executor import _unshadowed
    from gateway.plan import Selection

    selection = Selection()
    selection.add("_pgk_vin", "vin")
    selection.on("Car").add("mine", "vin")
    selection.add("vin", "owner")
    errors = [
        {"message": "locked", "path": ["_entities", 0, "_pgk_vin"]},
        {"message": "locked", "path": ["_entities", 0, "mine"]},
    ]
    assert _unshadowed(errors, "_pgk_", lambda _: (selection, 2)) == errors[1:]
    errors[1]["path"] = ["_entities", 0, "vin"]
    assert _unshadowed(errors, "_pgk_", lambda _: (selection, 2)) == errors


def test_a_nested_required_field_of_a_third_subgraph_with_two_argument_sets_is_refused():
    """country is c's: the nested sets are planned like the client's fields, and a second
    argument set there would be merged into the first silently."""
    planner = _planner(
        LABELS.replace("label(lang", "country(lang")
        .replace("{ label(", "{ country(")
        .replace(
            "@join__field(graph: A) @join__field(graph: B, external: true)\n}",
            "@join__field(graph: C) @join__field(graph: B, external: true)\n}",
        )
        .replace(
            '@join__type(graph: B, key: "id") {\n  id: ID!\n  country',
            '@join__type(graph: B, key: "id")\n  @join__type(graph: C, key: "id") {\n'
            "  id: ID!\n  country",
        )
    )
    assert plan(planner, "{ items { fr } }").fetches[-1].graph == "c"
    with pytest.raises(PlanningError) as refused:
        plan(planner, "{ items { en fr } }")
    assert str(refused.value) == (
        "Cannot plan Item.maker.country: field sets ask it with different arguments "
        '((lang: "en") and (lang: "fr")) inside one object, and a representation carries '
        "one value."
    )
