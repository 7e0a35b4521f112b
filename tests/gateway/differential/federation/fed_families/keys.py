"""@key: simple, compound, several keys, an unresolvable key; entities in lists and nulls."""

from __future__ import annotations

from functools import partial

from fed_model import Family, FixtureSubgraph
from fed_model import case as _case

case = partial(_case, "keys")

PRODUCTS = [
    {"__typename": "KeysProduct", "id": "p1", "sku": "S1", "name": "Pen"},
    {"__typename": "KeysProduct", "id": "p2", "sku": "S2", "name": "Ink"},
    {"__typename": "KeysProduct", "id": "p3", "sku": "S3", "name": None},
]

FAMILY = Family(
    "keys",
    (
        FixtureSubgraph(
            "keys_a",
            """
            type Query { keysProducts: [KeysProduct!]! keysProduct(id: ID!): KeysProduct }
            type KeysProduct @key(fields: "id") @key(fields: "sku") {
              id: ID! sku: String! name: String
            }
            """,
            roots={
                "keysProducts": PRODUCTS,
                "keysProduct": lambda _p, id: next((p for p in PRODUCTS if p["id"] == id), None),
            },
            entities={"KeysProduct": PRODUCTS},
        ),
        FixtureSubgraph(
            "keys_b",
            """
            type KeysProduct @key(fields: "sku") { sku: String! price: Int }
            """,
            entities={
                "KeysProduct": [
                    {"sku": "S1", "price": 3},
                    {"sku": "S2", "price": 7},
                ]
            },
        ),
    ),
    (
        case("list across keys", "{ keysProducts { id name price } }"),
        case("one by id", '{ keysProduct(id: "p2") { sku price } }'),
        case("missing", '{ keysProduct(id: "nope") { sku price } }'),
        case("typename", "{ keysProducts { __typename price } }"),
    ),
)
