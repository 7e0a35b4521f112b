"""@provides: nested (into a value type and into another entity), on lists, partial (some fields
provided, others only the owner resolves), provided fields asked beside owner-only ones.

The subgraph that provides answers with its own values ("a:" prefix) where the owner answers
without: a case shows whether the provided copy was used. Cities inside the provided value
type `address` are the owner's: where the client asks more of `address` than provides_a
provides, our gateway asks the owner for the whole field (a value type has no key to come back
by), Hive takes `city` from the provided copy and `street` from the owner.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from fed_model import Family, FixtureSubgraph
from fed_model import case as _case

case = partial(_case, "provides")

HIVE_NESTED = (
    "Hive answers an owner-only field of an entity nested in a @provides (maker { country }, "
    "maker provided by provides_a, country only in provides_c) with null and no error: it "
    "never fetches it from the owner"
)


def _user(ident: str, name: str | None, city: str | None) -> dict[str, Any]:
    return {
        "__typename": "ProvidesUser",
        "id": ident,
        "name": None if name is None else f"a:{name}",
        # The same city as the owner: a selection under `address` that the provided copy does
        # not cover goes whole to the owner (the gateway's choice; Hive mixes both copies).
        "address": None if city is None else {"city": city},
    }


def _product(upc: str, name: str, maker: str | None) -> dict[str, Any]:
    return {
        "__typename": "ProvidesProduct",
        "upc": upc,
        "name": f"a:{name}",
        "maker": None if maker is None else {"__typename": "ProvidesMaker", "id": maker,
                                             "name": f"a:maker {maker}"},
    }  # fmt: skip


REVIEWS: list[dict[str, Any]] = [
    {
        "__typename": "ProvidesReview",
        "id": "r1",
        "body": "good",
        "author": _user("u1", "Ann", "Oslo"),
        "mentions": [_user("u2", "Bo", None), _user("u3", None, "Rome")],
        "editor": {"__typename": "ProvidesUser", "id": "u2"},
        "product": _product("p1", "Pen", "m1"),
    },
    {
        "__typename": "ProvidesReview",
        "id": "r2",
        "body": None,
        "author": None,
        "mentions": [],
        "editor": None,
        "product": _product("p2", "Ink", None),
    },
    {
        "__typename": "ProvidesReview",
        "id": "r3",
        "body": "bad",
        "author": _user("u3", None, "Rome"),
        "mentions": [_user("u1", "Ann", "Oslo")],
        "editor": {"__typename": "ProvidesUser", "id": "u1"},
        "product": None,
    },
]

USERS = [
    {"id": "u1", "name": "Ann", "email": "ann@x", "address": {"city": "Oslo", "street": "S1"}},
    {"id": "u2", "name": "Bo", "email": None, "address": None},
    {"id": "u3", "name": None, "email": "c@x", "address": {"city": "Rome", "street": None}},
]
PRODUCTS = [
    {"upc": "p1", "name": "Pen", "price": 3, "maker": {"__typename": "ProvidesMaker", "id": "m1"}},
    {"upc": "p2", "name": "Ink", "price": None, "maker": None},
]
FEED: list[dict[str, Any] | None] = [
    {"__typename": "ProvidesBook", "id": "b1", "title": "a:Dune"},
    {"__typename": "ProvidesFilm", "id": "f1", "title": "a:Heat"},
    None,
    {"__typename": "ProvidesBook", "id": "b2", "title": None},
]
BOOKS = [{"id": "b1", "title": "Dune", "pages": 412}, {"id": "b2", "title": "Emma", "pages": None}]
FILMS = [{"id": "f1", "title": "Heat", "minutes": 170}]
MAKERS = [{"id": "m1", "name": "maker m1", "country": "NO"}]

FAMILY = Family(
    "provides",
    (
        FixtureSubgraph(
            "provides_a",
            """
            type Query {
              providesReviews: [ProvidesReview!]!
              providesTop: ProvidesReview
              providesAuthors: [ProvidesUser] @provides(fields: "name")
              providesFeed: [ProvidesMedia]
                @provides(fields: "... on ProvidesBook { title } ... on ProvidesFilm { title }")
              providesBooks: [ProvidesMedia!]! @provides(fields: "... on ProvidesBook { title }")
            }
            union ProvidesMedia = ProvidesBook | ProvidesFilm
            type ProvidesBook @key(fields: "id") { id: ID! title: String @external }
            type ProvidesFilm @key(fields: "id") { id: ID! title: String @external }
            type ProvidesReview @key(fields: "id") {
              id: ID!
              body: String
              author: ProvidesUser @provides(fields: "name address { city }")
              mentions: [ProvidesUser!]! @provides(fields: "name")
              editor: ProvidesUser
              product: ProvidesProduct @provides(fields: "name maker { name }")
            }
            type ProvidesUser @key(fields: "id") {
              id: ID!
              name: String @external
              address: ProvidesAddress @external
            }
            type ProvidesAddress { city: String @external }
            type ProvidesProduct @key(fields: "upc") {
              upc: ID!
              name: String @external
              maker: ProvidesMaker @external
            }
            type ProvidesMaker @key(fields: "id") { id: ID! name: String @external }
            """,
            roots={
                "providesReviews": REVIEWS,
                "providesTop": REVIEWS[0],
                "providesAuthors": [_user("u3", None, None), None, _user("u1", "Ann", None)],
                "providesFeed": FEED,
                "providesBooks": [FEED[0], FEED[1]],
            },
            entities={"ProvidesReview": REVIEWS},
        ),
        FixtureSubgraph(
            "provides_b",
            """
            type ProvidesUser @key(fields: "id") {
              id: ID!
              name: String @shareable
              email: String
              address: ProvidesAddress @shareable
            }
            type ProvidesAddress @shareable { city: String street: String }
            type ProvidesBook @key(fields: "id") { id: ID! title: String @shareable pages: Int }
            type ProvidesFilm @key(fields: "id") { id: ID! title: String @shareable minutes: Int }
            """,
            entities={"ProvidesUser": USERS, "ProvidesBook": BOOKS, "ProvidesFilm": FILMS},
        ),
        FixtureSubgraph(
            "provides_c",
            """
            type ProvidesProduct @key(fields: "upc") {
              upc: ID!
              name: String @shareable
              price: Int
              maker: ProvidesMaker @shareable
            }
            type ProvidesMaker @key(fields: "id") {
              id: ID!
              name: String @shareable
              country: String
            }
            """,
            entities={"ProvidesProduct": PRODUCTS, "ProvidesMaker": MAKERS},
        ),
    ),
    (
        case("provided field only", "{ providesReviews { id author { name } } }"),
        case("provided nested value", "{ providesReviews { author { address { city } } } }"),
        case(
            "provided name and nested value",
            "{ providesReviews { author { id name address { city } } } }",
        ),
        case(
            "partial: provided beside owner-only", "{ providesReviews { author { name email } } }"
        ),
        case(
            "partial inside the nested value",
            "{ providesReviews { author { address { city street } } } }",
        ),
        case(
            "partial inside the nested value, provided name beside",
            "{ providesReviews { author { name address { street city } } } }",
        ),
        case("owner-only only", "{ providesReviews { author { email } } }"),
        case("provides on a list", "{ providesReviews { mentions { id name } } }"),
        case(
            "provides on a list, owner-only beside",
            "{ providesReviews { mentions { name email } } }",
        ),
        case(
            "list: not provided nested value",
            "{ providesReviews { mentions { address { city } } } }",
        ),
        case("no provides on the field", "{ providesReviews { editor { name email } } }"),
        case(
            "same type with and without provides",
            "{ providesReviews { author { name } editor { name } } }",
        ),
        case(
            "provides into another entity",
            "{ providesReviews { product { name maker { name } } } }",
        ),
        case(
            "provides into another entity, owner-only beside",
            "{ providesReviews { product { name price maker { name country } } } }",
            hive_wrong=HIVE_NESTED,
            errors=(),
            data={
                "providesReviews": [
                    {
                        "product": {
                            "name": "a:Pen",
                            "price": 3,
                            "maker": {"name": "a:maker m1", "country": "NO"},
                        }
                    },
                    {"product": {"name": "a:Ink", "price": None, "maker": None}},
                    {"product": None},
                ]
            },
        ),
        case(
            "not provided on the nested entity",
            "{ providesReviews { product { maker { country } } } }",
            hive_wrong=HIVE_NESTED,
            errors=(),
            data={
                "providesReviews": [
                    {"product": {"maker": {"country": "NO"}}},
                    {"product": {"maker": None}},
                    {"product": None},
                ]
            },
        ),
        case("root field provides", "{ providesAuthors { id name } }"),
        case("root field provides, owner-only", "{ providesAuthors { name email } }"),
        case(
            "provides on a union",
            "{ providesFeed { __typename ... on ProvidesBook { title } "
            "... on ProvidesFilm { title } } }",
        ),
        case(
            "provides on a union, owner-only beside",
            "{ providesFeed { ... on ProvidesBook { id title pages } "
            "... on ProvidesFilm { title minutes } } }",
        ),
        case(
            "provides on a union, one member provided",
            "{ providesBooks { __typename ... on ProvidesBook { title } "
            "... on ProvidesFilm { title } } }",
        ),
        case(
            "provides on a union, fragment spread",
            "{ providesFeed { ...M } } fragment M on ProvidesMedia { "
            "... on ProvidesBook { t: title } ... on ProvidesFilm { m: minutes } }",
        ),
        case("nullable root", "{ providesTop { author { name email address { street } } } }"),
        case(
            "aliases",
            "{ providesReviews { a: author { n: name e: email } m: mentions { n: name } } }",
        ),
        case(
            "fragments and typename",
            "{ providesReviews { __typename author { __typename ...U } "
            "product { __typename ... on ProvidesProduct { name } } } } "
            "fragment U on ProvidesUser { name address { __typename city } }",
        ),
        case(
            "skip and include",
            "query($y: Boolean!) { providesReviews { author { name @skip(if: $y) "
            "email @include(if: $y) } } }",
            variables={"y": True},
            hive_wrong=(
                "Hive sends a provided field's @skip(if: $y) to the subgraph without declaring "
                "$y: the subgraph rejects the document and Hive answers data null"
            ),
            errors=(),
            data={
                "providesReviews": [
                    {"author": {"email": "ann@x"}},
                    {"author": None},
                    {"author": {"email": "c@x"}},
                ]
            },
        ),
        case(
            "skip the owner-only field",
            "query($y: Boolean!) { providesReviews { author { name email @skip(if: $y) } } }",
            variables={"y": True},
        ),
        case(
            "everything",
            "{ providesReviews { id body author { id name email address { city street } } "
            "mentions { name } editor { name } product { upc name price maker { id name } } } }",
        ),
    ),
)
