"""Shared (`@shareable`) root fields: resolvable in several subgraphs, selections that need
fields only some of them have, entities returned from either side, shared and unshared root
fields together, and mutations of two subgraphs run in order (side-effect free)."""

from __future__ import annotations

from functools import partial
from typing import Any

from fed_model import Family, FixtureSubgraph
from fed_model import case as _case
from graphql import GraphQLError

case = partial(_case, "roots")

HIVE_ROOT_LIST = (
    "Hive Gateway 2.15.1 splits the shared root list rootsTop between roots_a (name) and "
    "roots_b (price, id), fetches stock from roots_c by key, then answers price and stock "
    "null with no error: it loses roots_b's and roots_c's fields of the list's entities, "
    "though both subgraphs answered them."
)

PRODUCTS: list[dict[str, Any]] = [
    {"id": "r1", "name": "Pen", "price": 3, "stock": 10},
    {"id": "r2", "name": None, "price": 8, "stock": 0},
    {"id": "r3", "name": "Ink", "price": None, "stock": None},
]
STATS = {"count": 3, "max": 8, "label": "all"}


def _pick(fields: tuple[str, ...], product: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if product is None else {f: product[f] for f in fields}


def _by_id(fields: tuple[str, ...]) -> Any:
    def find(_parent: Any, id: str) -> dict[str, Any] | None:
        if id == "boom" and "name" in fields:  # roots_a fails; roots_b finds nothing
            raise GraphQLError("no such product", extensions={"code": "ROOTS_BOOM"})
        return _pick(fields, next((p for p in PRODUCTS if p["id"] == id), None))

    return find


A_FIELDS = ("id", "name")
B_FIELDS = ("id", "price")


def _set_a(_parent: Any, value: str) -> dict[str, Any]:
    return {"ok": value != "", "echo": f"A:{value}"}


def _set_b(_parent: Any, value: int) -> dict[str, Any]:
    return {"ok": value >= 0, "echo": f"B:{value}"}


FAMILY = Family(
    "roots",
    (
        FixtureSubgraph(
            "roots_a",
            """
            type Query {
              rootsProduct(id: ID!): RootsProduct @shareable
              rootsTop: [RootsProduct!]! @shareable
              rootsVersion: String @shareable
              rootsOnlyA: String
              rootsStats: RootsStats @shareable
            }
            type Mutation {
              rootsSetA(value: String!): RootsResult
              rootsTouchA(id: ID!): RootsProduct
              rootsSave(value: Int!): RootsStats @shareable
            }
            type RootsProduct @key(fields: "id") { id: ID! name: String }
            type RootsStats @shareable { count: Int label: String }
            type RootsResult @shareable { ok: Boolean! echo: String }
            """,
            roots={
                "rootsProduct": _by_id(A_FIELDS),
                "rootsTop": [_pick(A_FIELDS, p) for p in PRODUCTS],
                "rootsVersion": "v1",
                "rootsOnlyA": "only-a",
                "rootsStats": {k: STATS[k] for k in ("count", "label")},
                "rootsSetA": _set_a,
                "rootsTouchA": _by_id(A_FIELDS),
                "rootsSave": lambda _p, value: {"count": value, "label": f"saved {value}"},
            },
            entities={"RootsProduct": [_pick(A_FIELDS, p) for p in PRODUCTS]},
        ),
        FixtureSubgraph(
            "roots_b",
            """
            type Query {
              rootsProduct(id: ID!): RootsProduct @shareable
              rootsTop: [RootsProduct!]! @shareable
              rootsVersion: String @shareable
              rootsOnlyB: Int
              rootsStats: RootsStats @shareable
            }
            type Mutation {
              rootsSetB(value: Int!): RootsResult
              rootsSave(value: Int!): RootsStats @shareable
            }
            type RootsProduct @key(fields: "id") { id: ID! price: Int }
            type RootsStats @shareable { count: Int max: Int }
            type RootsResult @shareable { ok: Boolean! echo: String }
            """,
            roots={
                "rootsProduct": _by_id(B_FIELDS),
                "rootsTop": [_pick(B_FIELDS, p) for p in PRODUCTS],
                "rootsVersion": "v1",
                "rootsOnlyB": 42,
                "rootsStats": {k: STATS[k] for k in ("count", "max")},
                "rootsSetB": _set_b,
                "rootsSave": lambda _p, value: {"count": value, "max": value * 2},
            },
            entities={"RootsProduct": [_pick(B_FIELDS, p) for p in PRODUCTS]},
        ),
        FixtureSubgraph(
            "roots_c",
            """
            type RootsProduct @key(fields: "id") { id: ID! stock: Int }
            """,
            entities={"RootsProduct": [_pick(("id", "stock"), p) for p in PRODUCTS]},
        ),
    ),
    (
        case("shared scalar", "{ rootsVersion }"),
        case("shared and only a", "{ rootsVersion rootsOnlyA }"),
        case("shared and only b", "{ rootsOnlyB rootsVersion }"),
        case("only a and only b", "{ rootsOnlyA rootsOnlyB }"),
        case("all roots", "{ rootsOnlyA rootsVersion rootsOnlyB __typename }"),
        case("aliases of shared", "{ v1: rootsVersion v2: rootsVersion b: rootsOnlyB }"),
        case("stats from a", "{ rootsStats { count label } }"),
        case("stats from b", "{ rootsStats { count max } }"),
        case("stats split", "{ rootsStats { label max } }"),
        case("stats split typename", "{ rootsStats { __typename count label max } }"),
        case("stats split with only b", "{ rootsOnlyB rootsStats { label max } }"),
        case("stats aliases", "{ s: rootsStats { l: label } t: rootsStats { m: max } }"),
        case("entity from a side", '{ rootsProduct(id: "r1") { id name } }'),
        case("entity from b side", '{ rootsProduct(id: "r1") { id price } }'),
        case("entity needs both", '{ rootsProduct(id: "r2") { name price } }'),
        case("entity needs three", '{ rootsProduct(id: "r3") { __typename name price stock } }'),
        case("entity b and c", '{ rootsProduct(id: "r1") { price stock } }'),
        case("entity missing", '{ rootsProduct(id: "none") { name price } }'),
        case("entity error", '{ rootsProduct(id: "boom") { name price } }'),
        case(
            "entity variable",
            "query($id: ID!) { rootsProduct(id: $id) { price name } }",
            variables={"id": "r2"},
        ),
        case("list from a side", "{ rootsTop { id name } }"),
        case("list from b side", "{ rootsTop { price } }"),
        case(
            "list needs both",
            "{ rootsTop { name price stock } }",
            hive_wrong=HIVE_ROOT_LIST,
            errors=(),
            data={
                "rootsTop": [
                    {"name": "Pen", "price": 3, "stock": 10},
                    {"name": None, "price": 8, "stock": 0},
                    {"name": "Ink", "price": None, "stock": None},
                ]
            },
        ),
        case(
            "list and entity aliases",
            '{ top: rootsTop { price } one: rootsProduct(id: "r3") { name } }',
        ),
        case(
            "mixed everything",
            '{ rootsOnlyA rootsStats { max } rootsTop { name } rootsProduct(id: "r1") { stock } }',
        ),
        case(
            "fragments on shared",
            "{ rootsTop { ...P } rootsStats { ... on RootsStats { max label } } }"
            " fragment P on RootsProduct { price name }",
            hive_wrong=HIVE_ROOT_LIST,
            errors=(),
            data={
                "rootsTop": [
                    {"price": 3, "name": "Pen"},
                    {"price": 8, "name": None},
                    {"price": None, "name": "Ink"},
                ],
                "rootsStats": {"max": 8, "label": "all"},
            },
        ),
        case(
            "include on shared",
            "query($on: Boolean!) { rootsVersion rootsOnlyB @include(if: $on) rootsStats"
            " { max @include(if: $on) label } }",
            variables={"on": False},
        ),
        case(
            "skip on shared",
            "query($s: Boolean!) { rootsStats { max @skip(if: $s) label } }",
            variables={"s": False},
        ),
        case("typename only on shared", "{ rootsStats { __typename } rootsTop { __typename } }"),
        case(
            "shared root skipped",
            "query($s: Boolean!) { rootsStats @skip(if: $s) { max } rootsVersion }",
            variables={"s": True},
        ),
        case(
            "same shared root two arguments",
            '{ p: rootsProduct(id: "r1") { price } q: rootsProduct(id: "r3") { name stock } }',
        ),
        case(
            "shared root entity and stats split",
            '{ rootsStats { count label max } rootsProduct(id: "r2") { id name price stock } }',
        ),
        case(
            "nested fragments on shared",
            "{ ...Q } fragment Q on Query { rootsStats { ...S } } fragment S on RootsStats"
            " { __typename max ... on RootsStats { label } }",
        ),
        case(
            "mutations in order",
            'mutation { a: rootsSetA(value: "x") { ok echo } b: rootsSetB(value: 2) { ok echo }'
            ' c: rootsSetA(value: "") { ok echo } }',
        ),
        case(
            "mutations b then a",
            'mutation { rootsSetB(value: -1) { __typename ok } rootsSetA(value: "y") { echo } }',
        ),
        case(
            "mutation returning entity",
            'mutation { rootsTouchA(id: "r2") { id name price stock } }',
        ),
        case(
            "mutations entity and b",
            'mutation { t: rootsTouchA(id: "r1") { price } s: rootsSetB(value: 5) { echo }'
            ' u: rootsTouchA(id: "nope") { name } }',
        ),
        case(
            "mutation variables",
            "mutation($v: String!, $n: Int!) { rootsSetA(value: $v) { echo }"
            " rootsSetB(value: $n) { echo } }",
            variables={"v": "vv", "n": 7},
        ),
        # A shared mutation field runs once, in a subgraph serving its whole selection.
        case("shared mutation only b serves", "mutation { rootsSave(value: 2) { max } }"),
        case(
            "shared mutation a serves",
            "mutation { rootsSave(value: 3) { __typename count label } }",
        ),
        case(
            "shared mutation after b",
            "mutation { rootsSetB(value: 1) { ok } s: rootsSave(value: 4) { count max } }",
        ),
        case(
            "shared mutation between a fields",
            'mutation M($n: Int!) { a: rootsSetA(value: "q") { echo } '
            "s: rootsSave(value: $n) { m: max __typename } "
            'z: rootsSetA(value: "z") { echo } }',
            variables={"n": 5},
        ),
    ),
)
