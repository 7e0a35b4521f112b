"""Value types (no key, `@shareable`) whose fields live in different subgraphs: at the root,
under entities, under other value types, in lists, with nulls, aliases and fragments.

value_a and value_b both resolve the root fields and `ValueItem.info`, but each knows only some
fields of `ValueInfo`, `ValueDeep` and `ValueTag`: a selection that needs both halves is split
between them and merged. value_c shares `ValueItem.meta` (a `ValueMeta`) with value_b.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from corpus import HIVE_DROPS_INDICES
from fed_model import Family, FixtureSubgraph
from fed_model import case as _case
from graphql import GraphQLError

case = partial(_case, "value")

HIVE_THIRD_VALUE_PART = (
    "Hive Gateway 2.15.1 loses the part of a value type that a third subgraph resolves: "
    "ValueItem.meta is resolved by value_b (ValueMeta.p) and value_c (ValueMeta.q); Hive never "
    "asks value_c and answers `meta { q }` as null, or q as null beside p, with no error, "
    "though value_c has q for every item."
)
HIVE_MASKS_SPLIT_ERROR = (
    "Hive Gateway 2.15.1, merging a root list split between value_a and value_b where "
    "value_b's half nulled the list (a non-null ValueInfo.strict failed), replaces value_b's "
    "error ('strict failed' at valueInfos.0.strict) by a masked 'Unexpected error.' at "
    "valueInfos.0.id: the client never sees the subgraph's error."
)
HIVE_SPLIT_ROOT_ALIASES = (
    "Hive Gateway 2.15.1 answers the aliases l: label(prefix: $p) and m: label(prefix: $q) "
    "with the value of the unaliased `label` ('#i1') when it splits the root field valueInfos "
    "between value_a and value_b, though value_b answered l 'p-i1' and m 'null:i1' (Hive sent "
    "it the right query and variables)."
)
HIVE_SPLIT_LIST_ENTITIES = (
    "Hive Gateway 2.15.1 loses the fields of entities inside a shared root list it splits "
    "between two subgraphs (valueInfos from value_a and value_b): the owner's ValueItem.name "
    "and its info's ValueInfo.a, both value_a's, come back null with no error (Hive does not "
    "fetch them at all), though value_a has them."
)

# The full objects; each subgraph serves the fields its SDL declares.
INFOS: list[dict[str, Any]] = [
    {
        "id": "i1", "a": "alpha", "b": 1,
        "deep": {"x": 10, "y": "ten"},
        "tags": [{"label": "red", "weight": 3}, {"label": "blue", "weight": 4}],
    },
    {"id": "i2", "a": None, "b": 2, "deep": None, "tags": []},
    {"id": "i3", "a": "gamma", "b": None, "deep": {"x": None, "y": "none"}, "tags": None},
]  # fmt: skip
ITEMS: list[dict[str, Any]] = [
    {"id": "v1", "name": "Cup", "price": 5, "info": INFOS[0], "meta": {"p": "P1", "q": 11}},
    {"id": "v2", "name": "Mug", "price": None, "info": None, "meta": None},
    {"id": "v3", "name": None, "price": 9, "info": INFOS[2], "meta": {"p": None, "q": 33}},
]


def _b(parent: dict[str, Any]) -> int | None:
    # value_b fails on one object: the error's path goes through the split.
    if parent["id"] == "i3":
        raise GraphQLError("b unavailable", extensions={"code": "VALUE_B"})
    return next(i["b"] for i in INFOS if i["id"] == parent["id"])


def _strict(parent: dict[str, Any]) -> int:
    # A non-null field failing in value_b's half nulls the object in value_b's answer.
    if parent["id"] == "i1":
        raise GraphQLError("strict failed", extensions={"code": "VALUE_STRICT"})
    return len(parent["id"])


def _label(parent: dict[str, Any], prefix: str | None) -> str:
    return f"{'null:' if prefix is None else prefix}{parent['id']}"


def _only(objects: Any, fields: dict[str, Any]) -> Any:
    """`objects` cut to `fields` (name -> None for a leaf, or nested fields)."""
    if isinstance(objects, list):
        return [_only(o, fields) for o in objects]
    if objects is None:
        return None
    return {
        name: objects[name] if inner is None else _only(objects[name], inner)
        for name, inner in fields.items()
    }


A_INFO = {"id": None, "a": None, "deep": {"x": None}, "tags": {"label": None}}
B_INFO = {"id": None, "b": None, "deep": {"y": None}, "tags": {"label": None, "weight": None}}
# ValueInfo.owner (value_b only): an entity under a value type, reached by key from there.
OWNERS = {"i1": "v1", "i2": None, "i3": "v3"}
B_INFOS = [
    {
        **_only(i, B_INFO),
        "b": _b,
        "strict": _strict,
        "label": _label,
        "owner": lambda p: B_ITEMS.get(OWNERS[p["id"]] or ""),
    }
    for i in INFOS
]
B_BY_ID = {i["id"]: i for i in B_INFOS}
B_ITEMS = {
    i["id"]: {
        "id": i["id"],
        "price": i["price"],
        "info": B_BY_ID[i["info"]["id"]] if i["info"] else None,
        "meta": _only(i["meta"], {"p": None}),
    }
    for i in ITEMS
}

FAMILY = Family(
    "value",
    (
        FixtureSubgraph(
            "value_a",
            """
            type Query {
              valueInfo: ValueInfo @shareable
              valueInfos: [ValueInfo!] @shareable
              valueNone: ValueInfo @shareable
              valueItems: [ValueItem!]!
              valueItem(id: ID!): ValueItem
            }
            type ValueInfo @shareable { id: ID! a: String deep: ValueDeep tags: [ValueTag!] }
            type ValueDeep @shareable { x: Int }
            type ValueTag @shareable { label: String }
            type ValueItem @key(fields: "id") { id: ID! name: String info: ValueInfo @shareable }
            """,
            roots={
                "valueInfo": _only(INFOS[0], A_INFO),
                "valueInfos": _only(INFOS, A_INFO),
                "valueNone": None,
                "valueItems": _only(ITEMS, {"id": None, "name": None, "info": A_INFO}),
                "valueItem": lambda _p, id: next(
                    (
                        _only(i, {"id": None, "name": None, "info": A_INFO})
                        for i in ITEMS
                        if i["id"] == id
                    ),
                    None,
                ),
            },
            entities={"ValueItem": _only(ITEMS, {"id": None, "name": None, "info": A_INFO})},
        ),
        FixtureSubgraph(
            "value_b",
            """
            type Query {
              valueInfo: ValueInfo @shareable
              valueInfos: [ValueInfo!] @shareable
              valueNone: ValueInfo @shareable
            }
            type ValueInfo @shareable {
              id: ID! b: Int deep: ValueDeep tags: [ValueTag!] owner: ValueItem strict: Int!
              label(prefix: String = "#"): String
            }
            type ValueDeep @shareable { y: String }
            type ValueTag @shareable { label: String weight: Int }
            type ValueMeta @shareable { p: String }
            type ValueItem @key(fields: "id") {
              id: ID! price: Int info: ValueInfo @shareable meta: ValueMeta @shareable
            }
            """,
            roots={"valueInfo": B_INFOS[0], "valueInfos": B_INFOS, "valueNone": None},
            entities={"ValueItem": list(B_ITEMS.values())},
        ),
        FixtureSubgraph(
            "value_c",
            """
            type ValueMeta @shareable { q: Int }
            type ValueItem @key(fields: "id") { id: ID! meta: ValueMeta @shareable }
            """,
            entities={
                "ValueItem": [{"id": i["id"], "meta": _only(i["meta"], {"q": None})} for i in ITEMS]
            },
        ),
    ),
    (
        case("root one side", "{ valueInfo { id a } }"),
        case("root other side", "{ valueInfo { id b } }"),
        case("root split", "{ valueInfo { id a b } }"),
        case("root split typename", "{ valueInfo { __typename a b } }"),
        case("root split nested", "{ valueInfo { a deep { x y } } }"),
        case("root nested other side only", "{ valueInfo { a deep { y } } }"),
        case(
            "root typename everywhere",
            "{ __typename valueInfo { __typename b deep { __typename x y } } }",
        ),
        case("root list split", "{ valueInfos { a b deep { x } } }"),
        case("root list nested split", "{ valueInfos { a deep { x y } } }"),
        case("root list of lists split", "{ valueInfos { tags { label weight } a } }"),
        case("root list tags one side", "{ valueInfos { tags { label weight } } }"),
        case("root list tag labels", "{ valueInfos { id tags { label } } }"),
        case("null root", "{ valueNone { a b deep { x y } } }"),
        case("null root and split", "{ valueNone { a b } valueInfo { a b } }"),
        case("aliases", "{ one: valueInfo { aa: a bb: b } two: valueInfo { b } }"),
        case("same key twice", "{ valueInfo { a } valueInfo { b } }"),
        case("alias on nested", "{ valueInfo { d: deep { xx: x yy: y } } }"),
        case(
            "named fragment",
            "{ valueInfo { ...Both } } fragment Both on ValueInfo { a b deep { x } }",
        ),
        case(
            "inline fragments",
            "{ valueInfos { ... on ValueInfo { a } ... { b deep { ... on ValueDeep { y } } } } }",
        ),
        case(
            "include true",
            "query($on: Boolean!) { valueInfo { a b @include(if: $on) } }",
            variables={"on": True},
        ),
        case(
            "include false",
            "query($on: Boolean!) { valueInfo { a b @include(if: $on) } }",
            variables={"on": False},
        ),
        case(
            "skip nested",
            "query($s: Boolean!) { valueInfo { a deep @skip(if: $s) { y } } }",
            variables={"s": True},
        ),
        case("subgraph error in split", "{ valueInfos { id a b } }"),
        case("subgraph error other half", "{ valueInfos { a deep { y } } }"),
        case("entity value one side", "{ valueItems { id name info { a } } }"),
        case(
            "entity value other side",
            "{ valueItems { id info { b } } }",
            hive_wrong=HIVE_DROPS_INDICES,
            errors=(("b unavailable", ("valueItems", 2, "info", "b")),),
        ),
        case(
            "entity value split",
            "{ valueItems { id name info { a b } } }",
            hive_wrong=HIVE_DROPS_INDICES,
            errors=(("b unavailable", ("valueItems", 2, "info", "b")),),
        ),
        case("entity value split nested", "{ valueItems { info { deep { x y } } } }"),
        case(
            "entity value split lists",
            "{ valueItems { info { a tags { label weight } } } }",
        ),
        case(
            "entity value typename",
            "{ valueItems { __typename info { __typename a b deep { __typename x y } } } }",
            hive_wrong=HIVE_DROPS_INDICES,
            errors=(("b unavailable", ("valueItems", 2, "info", "b")),),
        ),
        case("entity by id split", '{ valueItem(id: "v1") { name info { a b } price } }'),
        case("entity by id null info", '{ valueItem(id: "v2") { name info { a b } } }'),
        case("entity missing", '{ valueItem(id: "nope") { info { a b } } }'),
        case(
            "entity variables",
            "query($id: ID!) { valueItem(id: $id) { info { a deep { x y } } } }",
            variables={"id": "v3"},
        ),
        case("meta from two other subgraphs", "{ valueItems { id meta { p q } } }"),
        case(
            "meta one side",
            "{ valueItems { meta { q } } }",
            hive_wrong=HIVE_THIRD_VALUE_PART,
            errors=(),
            data={"valueItems": [{"meta": {"q": 11}}, {"meta": None}, {"meta": {"q": 33}}]},
        ),
        case(
            "meta and info together",
            "{ valueItems { name info { b } meta { p q } price } }",
            hive_wrong=HIVE_DROPS_INDICES + " " + HIVE_THIRD_VALUE_PART,
            errors=(("b unavailable", ("valueItems", 2, "info", "b")),),
            data={
                "valueItems": [
                    {"name": "Cup", "info": {"b": 1}, "meta": {"p": "P1", "q": 11}, "price": 5},
                    {"name": "Mug", "info": None, "meta": None, "price": None},
                    {"name": None, "info": {"b": None}, "meta": {"p": None, "q": 33}, "price": 9},
                ]
            },
        ),
        case(
            "entity aliases split",
            "{ valueItems { i: info { a } j: info { b } m: meta { p } n: meta { q } } }",
            hive_wrong=HIVE_DROPS_INDICES + " " + HIVE_THIRD_VALUE_PART,
            errors=(("b unavailable", ("valueItems", 2, "j", "b")),),
            data={
                "valueItems": [
                    {"i": {"a": "alpha"}, "j": {"b": 1}, "m": {"p": "P1"}, "n": {"q": 11}},
                    {"i": None, "j": None, "m": None, "n": None},
                    {"i": {"a": "gamma"}, "j": {"b": None}, "m": {"p": None}, "n": {"q": 33}},
                ]
            },
        ),
        case(
            "entity fragments",
            "{ valueItems { ...Parts } } fragment Parts on ValueItem { info { ... on ValueInfo"
            " { a } b } meta { ...Q } } fragment Q on ValueMeta { q p }",
            hive_wrong=HIVE_DROPS_INDICES + " " + HIVE_THIRD_VALUE_PART,
            errors=(("b unavailable", ("valueItems", 2, "info", "b")),),
            data={
                "valueItems": [
                    {"info": {"a": "alpha", "b": 1}, "meta": {"q": 11, "p": "P1"}},
                    {"info": None, "meta": None},
                    {"info": {"a": "gamma", "b": None}, "meta": {"q": 33, "p": None}},
                ]
            },
        ),
        case(
            "entity error in split",
            "{ valueItems { info { id b a } } }",
            hive_wrong=HIVE_DROPS_INDICES,
            errors=(("b unavailable", ("valueItems", 2, "info", "b")),),
        ),
        case(
            "entity include false",
            "query($on: Boolean!) { valueItems { info { a b @include(if: $on) } } }",
            variables={"on": False},
        ),
        case(
            "entity skip false",
            "query($s: Boolean!) { valueItems { meta { p q @skip(if: $s) } } }",
            variables={"s": False},
        ),
        case("entity under value one side", "{ valueInfo { owner { id price } } }"),
        case("entity under value split root", "{ valueInfo { a owner { name price } } }"),
        case(
            "entity under value in list",
            "{ valueInfos { a b owner { __typename id name info { a b } } } }",
            hive_wrong=HIVE_SPLIT_LIST_ENTITIES,
            errors=(
                ("b unavailable", ("valueInfos", 2, "b")),
                ("b unavailable", ("valueInfos", 2, "owner", "info", "b")),
            ),
            data={
                "valueInfos": [
                    {
                        "a": "alpha",
                        "b": 1,
                        "owner": {
                            "__typename": "ValueItem",
                            "id": "v1",
                            "name": "Cup",
                            "info": {"a": "alpha", "b": 1},
                        },
                    },
                    {"a": None, "b": 2, "owner": None},
                    {
                        "a": "gamma",
                        "b": None,
                        "owner": {
                            "__typename": "ValueItem",
                            "id": "v3",
                            "name": None,
                            "info": {"a": "gamma", "b": None},
                        },
                    },
                ]
            },
        ),
        case(
            "entity under value under entity",
            "{ valueItems { id info { a owner { name meta { p q } } } } }",
        ),
        case(
            "entity under value fragments",
            "{ valueInfos { ...O } } fragment O on ValueInfo { owner { ... on ValueItem"
            " { name } price } a }",
            hive_wrong=HIVE_SPLIT_LIST_ENTITIES,
            errors=(),
            data={
                "valueInfos": [
                    {"owner": {"name": "Cup", "price": 5}, "a": "alpha"},
                    {"owner": None, "a": None},
                    {"owner": {"name": None, "price": 9}, "a": "gamma"},
                ]
            },
        ),
        case(
            "entity under value skipped",
            "query($s: Boolean!) { valueInfos { a owner @skip(if: $s) { name } } }",
            variables={"s": True},
        ),
        case("non-null error in one half", "{ valueInfo { a strict } }"),
        case(
            "non-null error in a list half",
            "{ valueInfos { id a strict } }",
            hive_wrong=HIVE_MASKS_SPLIT_ERROR,
            errors=(("strict failed", ("valueInfos", 0, "strict")),),
        ),
        case("non-null error under entity", "{ valueItems { id info { a strict } } }"),
        case("argument in split", '{ valueInfo { a label(prefix: "@") } }'),
        case(
            "variables in both halves",
            "query($p: String, $q: String) { valueInfos { a l: label(prefix: $p)"
            " m: label(prefix: $q) label } }",
            variables={"p": "p-", "q": None},
            hive_wrong=HIVE_SPLIT_ROOT_ALIASES,
            errors=(),
            data={
                "valueInfos": [
                    {"a": "alpha", "l": "p-i1", "m": "null:i1", "label": "#i1"},
                    {"a": None, "l": "p-i2", "m": "null:i2", "label": "#i2"},
                    {"a": "gamma", "l": "p-i3", "m": "null:i3", "label": "#i3"},
                ]
            },
        ),
        case(
            "variable under entity split",
            "query($p: String!) { valueItems { info { a label(prefix: $p) } } }",
            variables={"p": ">"},
        ),
        case(
            "root and entity split together",
            "{ valueInfo { a b } valueItems { info { a b } meta { p q } } }",
            hive_wrong=HIVE_DROPS_INDICES + " " + HIVE_THIRD_VALUE_PART,
            errors=(("b unavailable", ("valueItems", 2, "info", "b")),),
            data={
                "valueInfo": {"a": "alpha", "b": 1},
                "valueItems": [
                    {"info": {"a": "alpha", "b": 1}, "meta": {"p": "P1", "q": 11}},
                    {"info": None, "meta": None},
                    {"info": {"a": "gamma", "b": None}, "meta": {"p": None, "q": 33}},
                ],
            },
        ),
    ),
)
