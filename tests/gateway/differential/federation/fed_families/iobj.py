"""@interfaceObject: subgraphs that add fields to an entity interface without knowing its
implementations.

`iobj_a` defines the entity interface `IobjNode` (key `id`) and its implementations;
`iobj_b` and `iobj_c` each declare `IobjNode` as an interface object adding fields. Fields of
`b` and `c` are asked on the implementations (the composer writes a bare `@join__field` on
their copies) and through `b`'s root fields, which return the interface although `b` cannot
say which implementation an object is: `a` must tell the real `__typename`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from fed_model import Family, FixtureSubgraph
from fed_model import case as _case
from graphql import GraphQLError

case = partial(_case, "iobj")

NODES: list[dict[str, Any]] = [
    {"__typename": "IobjBook", "id": "n1", "title": "Dune", "pages": 412},
    {"__typename": "IobjFilm", "id": "n2", "title": "Alien", "minutes": 117},
    {"__typename": "IobjBook", "id": "n3", "title": None, "pages": None},
    {"__typename": "IobjSong", "id": "n4", "title": "Hey", "seconds": 181},
    {"__typename": "IobjFilm", "id": "n5", "title": "Heat", "minutes": None},
]
SHELVES = [
    {"__typename": "IobjShelf", "id": "s1", "label": "Front", "items": ["n1", "n2"]},
    {"__typename": "IobjShelf", "id": "s2", "label": "Back", "items": ["n4"]},
]


def _node(id: str) -> dict[str, Any] | None:
    return next((n for n in NODES if n["id"] == id), None)


def _typed(type_name: str) -> list[dict[str, Any]]:
    return [n for n in NODES if n["__typename"] == type_name]


# What `b` and `c` store per node id (they know no implementations: `__typename` is the
# interface object's own name).
STOCK = {
    "n1": {"stock": 3, "tags": ["new", "sf"], "related": "n2"},
    "n2": {"stock": 0, "tags": [], "related": None},
    "n3": {"stock": None, "tags": None, "related": "n1"},
    "n4": {"stock": 12, "tags": ["live"], "related": "n4"},
    "n5": {"stock": 5, "tags": ["crime"], "related": "n9"},
    "n9": {"stock": 1, "tags": ["ghost"], "related": None},  # unknown to `a`
}
RATINGS = {"n1": 4.5, "n2": 3.0, "n4": None, "n5": 4.0}


def _b_object(id: str | None) -> dict[str, Any] | None:
    stored = STOCK.get(id or "")
    if stored is None:
        return None
    return {
        "__typename": "IobjNode",
        "id": id,
        "stock": stored["stock"],
        "tags": stored["tags"],
        "related": lambda _p: _b_object(stored["related"]),
        "audit": lambda _p: _audit(id),
    }


def _audit(id: str | None) -> str:
    if id in {"n2", "n9"}:
        raise GraphQLError(f"audit of {id} is sealed", extensions={"code": "IOBJ_SEALED"})
    return f"audited {id}"


def _c_object(representation: dict[str, Any]) -> dict[str, Any] | None:
    id = representation.get("id")
    if id not in RATINGS:
        return None
    return {"__typename": "IobjNode", "id": id, "rating": RATINGS[id], "votes": len(id or "")}


A = FixtureSubgraph(
    "iobj_a",
    """
    type Query {
      iobjNodes: [IobjNode!]!
      iobjNode(id: ID!): IobjNode
      iobjBook(id: ID!): IobjBook
      iobjFilms: [IobjFilm]
      iobjShelves: [IobjShelf!]!
    }
    interface IobjNode @key(fields: "id") { id: ID! title: String }
    type IobjBook implements IobjNode @key(fields: "id") { id: ID! title: String pages: Int }
    type IobjFilm implements IobjNode @key(fields: "id") { id: ID! title: String minutes: Int }
    type IobjSong implements IobjNode @key(fields: "id") { id: ID! title: String seconds: Int }
    type IobjShelf @key(fields: "id") { id: ID! label: String items: [IobjNode!]! }
    """,
    roots={
        "iobjNodes": NODES,
        "iobjNode": lambda _p, id: _node(id),
        "iobjBook": lambda _p, id: next((n for n in _typed("IobjBook") if n["id"] == id), None),
        "iobjFilms": [*_typed("IobjFilm"), None],
        "iobjShelves": [
            {**s, "items": [_node(i) for i in s["items"]]} for s in SHELVES
        ],
    },
    entities={
        "IobjNode": NODES,
        "IobjBook": _typed("IobjBook"),
        "IobjFilm": _typed("IobjFilm"),
        "IobjSong": _typed("IobjSong"),
    },
)

B = FixtureSubgraph(
    "iobj_b",
    """
    type Query {
      iobjTop: IobjNode
      iobjTops: [IobjNode]
      iobjPick(id: ID!): IobjNode!
    }
    type IobjNode @key(fields: "id") @interfaceObject {
      id: ID!
      stock: Int
      tags: [String!]
      related: IobjNode
      audit: String
    }
    """,
    roots={
        "iobjTop": lambda _p: _b_object("n1"),
        "iobjTops": lambda _p: [_b_object(i) for i in ("n2", "n4", "n3")] + [None],
        "iobjPick": lambda _p, id: _b_object(id),
    },
    entities={"IobjNode": lambda r: _b_object(r.get("id"))},
)

C = FixtureSubgraph(
    "iobj_c",
    """
    type IobjNode @key(fields: "id") @interfaceObject { id: ID! rating: Float votes: Int! }
    """,
    entities={"IobjNode": _c_object},
)

FAMILY = Family(
    "iobj",
    (A, B, C),
    (
        case("b field on a concrete root", '{ iobjBook(id: "n1") { id stock } }'),
        case("b field on interface list", "{ iobjNodes { id stock } }"),
        case(
            "b root returns interface",
            "{ iobjTop { id stock ... on IobjBook { pages } __typename } }",
        ),
        case("b root only b fields", "{ iobjTop { id stock tags } }"),
        case("b root typename only", "{ iobjTops { __typename } }"),
    ),
)
