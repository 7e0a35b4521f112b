"""@inaccessible: enum values, object types (union members, interface implementations), fields
used by keys and @requires, arguments and input fields; introspection hides all of them.

A value the API schema cannot represent (an inaccessible enum value, an object of an
inaccessible type) is a field error: null and an error, propagated to the nearest nullable
parent (GraphQL spec, "Value Completion": a leaf that cannot be serialized and an abstract type
that does not resolve to one of its possible types are field errors).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from fed_model import Family, FixtureSubgraph
from fed_model import case as _case

from gateway.shape import unrepresentable_enum, unresolved_abstract

case = partial(_case, "inacc")

# Hive nulls what the API schema cannot represent only where the position is nullable and
# then says nothing: the spec makes it a field error (null AND an error at its path).
HIVE_SILENT_ENUM = (
    "Hive nulls an @inaccessible enum value in a nullable field without an error; a value "
    "the API schema cannot serialize is a field error (null + error, spec Value Completion)"
)
HIVE_SILENT_TYPE = (
    "Hive nulls an object of an @inaccessible type in a nullable abstract position without "
    "an error; an abstract value that resolves to no possible type is a field error"
)
COLOR = unrepresentable_enum("InaccColor")
SEARCH_ERR = unresolved_abstract("InaccResult", "Query", "inaccSearch")
NODES_ERR = unresolved_abstract("InaccNode", "Query", "inaccNodes")


def _label(parent: dict[str, Any], upper: bool | None = None, raw: bool | None = None) -> Any:
    text = "raw" if raw else f"item {parent['id']}"
    return text.upper() if upper else text


ITEMS: list[dict[str, Any]] = [
    {"__typename": "InaccItem", "id": "i1", "name": "Pen", "color": "RED", "strict": "RED",
     "colors": ["RED", "GREEN"], "internal": "x1", "weight": 2, "label": _label},
    {"__typename": "InaccItem", "id": "i2", "name": "Ink", "color": "SECRET", "strict": "GREEN",
     "colors": ["GREEN"], "internal": "x2", "weight": 5, "label": _label},
    {"__typename": "InaccItem", "id": "i3", "name": None, "color": None, "strict": "SECRET",
     "colors": ["RED", "SECRET"], "internal": "x3", "weight": None, "label": _label},
]  # fmt: skip

SEARCH: list[dict[str, Any]] = [
    ITEMS[0],
    {"__typename": "InaccHidden", "id": "h1", "note": "never"},
    ITEMS[1],
    None,
]

NODES: list[dict[str, Any]] = [
    {"__typename": "InaccPublic", "id": "n1", "label": "one", "hint": "h", "raw": "r"},
    {"__typename": "InaccGhost", "id": "n2", "label": "ghost"},
    {"__typename": "InaccPublic", "id": "n3", "label": None},
]

ACCOUNTS = [
    {"__typename": "InaccAccount", "code": "c1", "owner": "Ann"},
    {"__typename": "InaccAccount", "code": "c2", "owner": "Bo"},
]


def _by_color(_parent: Any, color: str) -> list[dict[str, Any]]:
    return [i for i in ITEMS if i["color"] == color]


def _filter(_parent: Any, filter: dict[str, Any]) -> list[dict[str, Any]]:
    name = filter.get("name")
    hidden = filter.get("hidden")
    return [i for i in ITEMS if (name is None or i["name"] == name) and hidden in (None, "?")]


def _find(_parent: Any, id: str, debug: bool | None = None) -> dict[str, Any] | None:
    found = next((i for i in ITEMS if i["id"] == id), None)
    if found is not None and debug:
        return {**found, "name": "debug"}
    return found


FAMILY = Family(
    "inacc",
    (
        FixtureSubgraph(
            "inacc_a",
            """
            type Query {
              inaccItems: [InaccItem!]!
              inaccItem(id: ID!): InaccItem
              inaccFind(id: ID!, debug: Boolean @inaccessible): InaccItem
              inaccByColor(color: InaccColor!): [InaccItem!]!
              inaccFilter(filter: InaccFilter!): [InaccItem!]!
              inaccSearch: [InaccResult]
              inaccSearchStrict: [InaccResult!]
              inaccNodes: [InaccNode]
              inaccFirstNode: InaccNode!
              inaccSecret: String @inaccessible
              inaccAccounts: [InaccAccount!]!
            }
            enum InaccColor { RED GREEN SECRET @inaccessible }
            input InaccFilter { name: String hidden: String @inaccessible }
            type InaccItem @key(fields: "id") {
              id: ID!
              name: String
              color: InaccColor
              strict: InaccColor!
              colors: [InaccColor!]
              internal: String @inaccessible
              weight: Int @inaccessible
              label(upper: Boolean, raw: Boolean @inaccessible): String
            }
            type InaccHidden @inaccessible { id: ID! note: String }
            union InaccResult = InaccItem | InaccHidden
            interface InaccNode { id: ID! label: String hint: String @inaccessible }
            type InaccPublic implements InaccNode {
              id: ID! label: String hint: String @inaccessible raw: InaccCode @inaccessible
            }
            type InaccGhost implements InaccNode @inaccessible {
              id: ID! label: String hint: String
            }
            scalar InaccCode @inaccessible
            type InaccAccount @key(fields: "code") { code: String! @inaccessible owner: String }
            """,
            roots={
                "inaccItems": ITEMS,
                "inaccItem": lambda _p, id: next((i for i in ITEMS if i["id"] == id), None),
                "inaccFind": _find,
                "inaccByColor": _by_color,
                "inaccFilter": _filter,
                "inaccSearch": SEARCH,
                "inaccSearchStrict": [s for s in SEARCH if s is not None],
                "inaccNodes": NODES,
                "inaccFirstNode": NODES[1],
                "inaccSecret": "hidden",
                "inaccAccounts": ACCOUNTS,
            },
            entities={"InaccItem": ITEMS, "InaccAccount": ACCOUNTS},
        ),
        FixtureSubgraph(
            "inacc_b",
            """
            type InaccItem @key(fields: "id") {
              id: ID!
              weight: Int @external
              shipping: Int @requires(fields: "weight")
              # Needs the color even where the client may not see it (SECRET).
              color: InaccColor @external
              tint: String @requires(fields: "color")
              shade: InaccColor
            }
            enum InaccColor { RED GREEN SECRET @inaccessible }
            type InaccAccount @key(fields: "code") { code: String! @inaccessible balance: Int }
            """,
            entities={
                "InaccItem": [
                    {
                        "id": "i1",
                        "shade": "SECRET",
                        "shipping": lambda p: None if p["weight"] is None else p["weight"] * 10,
                        "tint": lambda p: f"tint of {p['color']}",
                    },
                    {
                        "id": "i2",
                        "shade": "GREEN",
                        "shipping": lambda p: None if p["weight"] is None else p["weight"] * 10,
                        "tint": lambda p: f"tint of {p['color']}",
                    },
                    {
                        "id": "i3",
                        "shade": None,
                        "shipping": lambda p: None if p["weight"] is None else p["weight"] * 10,
                        "tint": lambda p: f"tint of {p['color']}",
                    },
                ],
                "InaccAccount": [{"code": "c1", "balance": 10}, {"code": "c2", "balance": -4}],
            },
        ),
    ),
    (
        case(
            "enum values, one inaccessible",
            "{ inaccItems { id color } }",
            hive_wrong=HIVE_SILENT_ENUM,
            errors=((COLOR, ("inaccItems", 1, "color")),),
        ),
        case("enum inaccessible in a non-null field", "{ inaccItems { id strict } }"),
        case("enum inaccessible, nullable parent", '{ inaccItem(id: "i3") { id strict } }'),
        case("enum inaccessible in a list", "{ inaccItems { id colors } }"),
        case(
            "enum inaccessible, aliased",
            "{ inaccItems { i: id c: color n: name } }",
            hive_wrong=HIVE_SILENT_ENUM,
            errors=((COLOR, ("inaccItems", 1, "c")),),
        ),
        case("enum accessible only", '{ inaccItem(id: "i1") { color strict colors } }'),
        case(
            "enum inaccessible from an entity fetch",
            "{ inaccItems { id shade } }",
            hive_wrong=HIVE_SILENT_ENUM,
            errors=((COLOR, ("inaccItems", 0, "shade")),),
        ),
        case(
            "enum from entity, typename",
            "{ inaccItems { __typename shade name } }",
            hive_wrong=HIVE_SILENT_ENUM,
            errors=((COLOR, ("inaccItems", 0, "shade")),),
        ),
        case(
            "enum inaccessible under a fragment",
            "{ inaccItems { ...F } } fragment F on InaccItem { id color shade }",
            hive_wrong=HIVE_SILENT_ENUM,
            errors=((COLOR, ("inaccItems", 0, "shade")), (COLOR, ("inaccItems", 1, "color"))),
        ),
        case(
            "enum inaccessible skipped",
            "query($s: Boolean!) { inaccItems { id color @skip(if: $s) } }",
            variables={"s": True},
        ),
        case(
            "enum inaccessible included",
            "query($s: Boolean!) { inaccItems { id color @include(if: $s) } }",
            variables={"s": True},
            hive_wrong=HIVE_SILENT_ENUM,
            errors=((COLOR, ("inaccItems", 1, "color")),),
        ),
        case("enum argument literal", "{ inaccByColor(color: GREEN) { id color } }"),
        case(
            "enum argument variable",
            "query($c: InaccColor!) { inaccByColor(color: $c) { id name } }",
            variables={"c": "RED"},
        ),
        case("enum argument inaccessible literal", "{ inaccByColor(color: SECRET) { id } }"),
        case(
            "enum argument inaccessible variable",
            "query($c: InaccColor!) { inaccByColor(color: $c) { id } }",
            variables={"c": "SECRET"},
        ),
        case(
            "union with an inaccessible member",
            "{ inaccSearch { __typename } }",
            hive_wrong=HIVE_SILENT_TYPE,
            errors=((SEARCH_ERR, ("inaccSearch", 1)),),
        ),
        case(
            "union inaccessible member, fragments",
            "{ inaccSearch { __typename ... on InaccItem { id name } } }",
            hive_wrong=HIVE_SILENT_TYPE,
            errors=((SEARCH_ERR, ("inaccSearch", 1)),),
        ),
        case(
            "union inaccessible member, non-null items",
            "{ inaccSearchStrict { ... on InaccItem { id } } }",
        ),
        case(
            "union inaccessible member, entity field",
            "{ inaccSearch { ... on InaccItem { id shipping } } }",
            hive_wrong=HIVE_SILENT_TYPE,
            errors=((SEARCH_ERR, ("inaccSearch", 1)),),
        ),
        case("union fragment on the hidden type", "{ inaccSearch { ... on InaccHidden { id } } }"),
        case(
            "interface with an inaccessible implementation",
            "{ inaccNodes { id label } }",
            hive_wrong=HIVE_SILENT_TYPE,
            errors=((NODES_ERR, ("inaccNodes", 1)),),
        ),
        case(
            "interface inaccessible implementation, typename",
            "{ inaccNodes { __typename ... on InaccPublic { label } } }",
            hive_wrong=HIVE_SILENT_TYPE,
            errors=((NODES_ERR, ("inaccNodes", 1)),),
        ),
        case("interface inaccessible, non-null root", "{ inaccFirstNode { id } }"),
        case(
            "interface inaccessible, non-null root beside another",
            '{ inaccFirstNode { id } inaccItem(id: "i1") { id } }',
        ),
        case("requires an inaccessible field", "{ inaccItems { id shipping } }"),
        case("requires an inaccessible field, alias", "{ inaccItems { s: shipping name } }"),
        case("requires an enum field, inaccessible value", "{ inaccItems { id tint } }"),
        case(
            "requires an enum field beside it",
            "{ inaccItems { tint color } }",
            hive_wrong=HIVE_SILENT_ENUM,
            errors=((COLOR, ("inaccItems", 1, "color")),),
        ),
        case("inaccessible interface field", "{ inaccNodes { id hint } }"),
        case(
            "inaccessible field of an implementation",
            "{ inaccNodes { ... on InaccPublic { raw } } }",
        ),
        case("introspection: hidden scalar", '{ __type(name: "InaccCode") { name } }'),
        case(
            "introspection: interface fields",
            '{ __type(name: "InaccNode") { fields { name } } '
            'p: __type(name: "InaccPublic") { fields { name } interfaces { name } } }',
        ),
        case("inaccessible field asked", "{ inaccItems { id weight } }"),
        case(
            "inaccessible field asked by fragment",
            "{ inaccItems { ...on InaccItem { internal } } }",
        ),
        case("inaccessible root field", "{ inaccSecret }"),
        case("inaccessible key field, entity jump", "{ inaccAccounts { owner balance } }"),
        case("inaccessible key field, typename", "{ inaccAccounts { __typename balance } }"),
        case("inaccessible key field asked", "{ inaccAccounts { code } }"),
        case("inaccessible argument omitted", '{ inaccFind(id: "i2") { id name } }'),
        case("inaccessible argument given", '{ inaccFind(id: "i2", debug: true) { id } }'),
        case("input object", '{ inaccFilter(filter: {name: "Ink"}) { id name } }'),
        case(
            "input object by variable",
            "query($f: InaccFilter!) { inaccFilter(filter: $f) { id } }",
            variables={"f": {"name": "Pen"}},
        ),
        case("inaccessible input field given", '{ inaccFilter(filter: {hidden: "?"}) { id } }'),
        case(
            "inaccessible input field by variable",
            "query($f: InaccFilter!) { inaccFilter(filter: $f) { id } }",
            variables={"f": {"hidden": "?"}},
        ),
        case(
            "introspection: enum values",
            '{ __type(name: "InaccColor") { enumValues(includeDeprecated: true) { name } } }',
        ),
        case("introspection: hidden type", '{ __type(name: "InaccHidden") { name } }'),
        case("introspection: hidden implementation", '{ __type(name: "InaccGhost") { name } }'),
        case(
            "introspection: union members",
            '{ __type(name: "InaccResult") { possibleTypes { name } } }',
        ),
        case(
            "introspection: interface implementations",
            '{ __type(name: "InaccNode") { possibleTypes { name } } }',
        ),
        case(
            "introspection: object fields",
            '{ __type(name: "InaccItem") { fields { name type { name kind } } } }',
        ),
        case(
            "introspection: key type fields",
            '{ __type(name: "InaccAccount") { fields { name } } }',
        ),
        case(
            "introspection: input fields",
            '{ __type(name: "InaccFilter") { inputFields { name } } }',
        ),
        case(
            "introspection: field arguments",
            '{ __type(name: "InaccItem") { fields { name args { name } } } }',
        ),
        case("argument of an entity field", "{ inaccItems { id label(upper: true) } }"),
        case("inaccessible argument of an entity field", "{ inaccItems { label(raw: true) } }"),
    ),
)
