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

HIVE_SKIPS_SHARED_TYPE = (
    "Hive answers null without an error for fields interface objects add on an implementation "
    "that another subgraph (iobj_d) also defines as an entity: it never asks for them"
)
# Hive asks `a` only, never the interface object's subgraph, for a field that an interface
# object adds when it is asked on a root field typed as an implementation: null, no error.
HIVE_SKIPS_ADDED = (
    "Hive returns null without an error for a field an @interfaceObject adds when asked on an "
    "implementation whose root field returns that implementation (it never asks the "
    "interface object's subgraph)"
)

HIVE_MERGES_IMPLEMENTATIONS = (
    "Hive sends fields an @interfaceObject adds, asked on different implementations under "
    "one response key (... on IobjBook { x: audit } ... on IobjFilm { x: blurb }), in one "
    "`... on IobjNode` selection: iobj_b rejects the conflict ('Fields 'x' conflict') and "
    "every x is null"
)

NODES: list[dict[str, Any]] = [
    {"__typename": "IobjBook", "id": "n1", "title": "Dune", "pages": 412},
    {"__typename": "IobjFilm", "id": "n2", "title": "Alien", "minutes": 117},
    {"__typename": "IobjBook", "id": "n3", "title": None, "pages": None},
    {"__typename": "IobjSong", "id": "n4", "title": "Hey", "seconds": 181},
    {"__typename": "IobjFilm", "id": "n5", "title": "Heat", "minutes": None},
]
# Games are kept out of the lists above: `iobj_d` also defines IobjGame, which trips Hive.
GAMES: list[dict[str, Any]] = [
    {"__typename": "IobjGame", "id": "g1", "title": "Go", "players": 2},
    {"__typename": "IobjGame", "id": "g2", "title": None, "players": None},
]
SHELVES = [
    {"__typename": "IobjShelf", "id": "s1", "label": "Front", "items": ["n1", "n2"]},
    {"__typename": "IobjShelf", "id": "s2", "label": "Back", "items": ["n4"]},
]


def _node(id: str) -> dict[str, Any] | None:
    return next((n for n in NODES if n["id"] == id), None)


def _a_entity(representation: dict[str, Any]) -> dict[str, Any] | None:
    if representation.get("id") == "n8":
        raise GraphQLError("n8 is locked in a", extensions={"code": "IOBJ_LOCKED"})
    return next((n for n in NODES + GAMES if n["id"] == representation.get("id")), None)


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
    "n8": {"stock": 2, "tags": None, "related": "n8"},  # `a` fails on it
    "n9": {"stock": 1, "tags": ["ghost"], "related": None},  # unknown to `a`
    "g1": {"stock": 7, "tags": ["board"], "related": "n1"},
    "g2": {"stock": None, "tags": [], "related": "g1"},
}
RATINGS = {"n1": 4.5, "n2": 3.0, "n4": None, "n5": 4.0, "g1": 2.5}


def _b_object(id: str | None) -> dict[str, Any] | None:
    stored = STOCK.get(id or "")
    if stored is None:
        return None
    return {
        "__typename": "IobjNode",
        "id": id,
        "stock": stored["stock"],
        "tags": stored["tags"],
        "firstTags": lambda _p, n: None if stored["tags"] is None else stored["tags"][:n],
        "related": lambda _p: _b_object(stored["related"]),
        "audit": lambda _p: _audit(id),
        # `title` comes from `a` in the representation (@requires).
        "blurb": lambda p: f"{p.get('title') or 'untitled'}: {stored['stock']} left",
    }


def _b_entity(representation: dict[str, Any]) -> dict[str, Any] | None:
    found = _b_object(representation.get("id"))
    return None if found is None else {**representation, **found}


def _restocked(id: str, by: int) -> dict[str, Any] | None:
    found = _b_object(id)
    if found is None:
        return None
    return {**found, "stock": (found["stock"] or 0) + by}


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
      iobjGames: [IobjGame!]!
    }
    interface IobjNode @key(fields: "id") { id: ID! title: String }
    type IobjBook implements IobjNode @key(fields: "id") { id: ID! title: String pages: Int }
    type IobjFilm implements IobjNode @key(fields: "id") { id: ID! title: String minutes: Int }
    type IobjSong implements IobjNode @key(fields: "id") { id: ID! title: String seconds: Int }
    type IobjGame implements IobjNode @key(fields: "id") { id: ID! title: String players: Int }
    type IobjShelf @key(fields: "id") { id: ID! label: String items: [IobjNode!]! }
    """,
    roots={
        "iobjNodes": NODES,
        "iobjNode": lambda _p, id: _node(id),
        "iobjBook": lambda _p, id: next((n for n in _typed("IobjBook") if n["id"] == id), None),
        "iobjFilms": [*_typed("IobjFilm"), None],
        "iobjGames": GAMES,
        "iobjShelves": [{**s, "items": [_node(i) for i in s["items"]]} for s in SHELVES],
    },
    entities={
        "IobjNode": _a_entity,
        "IobjGame": GAMES,
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
      iobjLocked: IobjNode
    }
    type Mutation { iobjRestock(id: ID!, by: Int!): IobjNode }
    type IobjNode @key(fields: "id") @interfaceObject {
      id: ID!
      stock: Int
      tags: [String!]
      firstTags(n: Int!): [String!]
      related: IobjNode
      audit: String
      title: String @external
      blurb: String @requires(fields: "title")
    }
    """,
    roots={
        "iobjTop": lambda _p: _b_object("n1"),
        "iobjTops": lambda _p: [_b_object(i) for i in ("n2", "n4", "n3")] + [None],
        "iobjPick": lambda _p, id: _b_object(id),
        "iobjLocked": lambda _p: _b_object("n8"),
        # Answers what the stock would be: fixture data stays the same for every case.
        "iobjRestock": lambda _p, id, by: _restocked(id, by),
    },
    entities={"IobjNode": _b_entity},
)

C = FixtureSubgraph(
    "iobj_c",
    """
    type IobjNode @key(fields: "id") @interfaceObject { id: ID! rating: Float votes: Int! }
    """,
    entities={"IobjNode": _c_object},
)

# An implementation that another subgraph also resolves (by its own key, as an entity).
D = FixtureSubgraph(
    "iobj_d",
    """
    type IobjGame @key(fields: "id") { id: ID! studio: String }
    """,
    entities={"IobjGame": [{"id": "g1", "studio": "Ion"}, {"id": "g2", "studio": None}]},
)

FAMILY = Family(
    "iobj",
    (A, B, C, D),
    (
        case(
            "b field on a concrete root",
            '{ iobjBook(id: "n1") { id stock } }',
            hive_wrong=HIVE_SKIPS_ADDED,
            data={"iobjBook": {"id": "n1", "stock": 3}},
        ),
        case(
            "b and c fields on a concrete root",
            '{ iobjBook(id: "n1") { title stock rating votes } }',
            hive_wrong=HIVE_SKIPS_ADDED,
            data={"iobjBook": {"title": "Dune", "stock": 3, "rating": 4.5, "votes": 2}},
        ),
        case("concrete root missing", '{ iobjBook(id: "n2") { id stock } }'),
        case(
            "concrete list with null",
            "{ iobjFilms { id minutes stock __typename } }",
            hive_wrong=HIVE_SKIPS_ADDED,
            data={
                "iobjFilms": [
                    {"id": "n2", "minutes": 117, "stock": 0, "__typename": "IobjFilm"},
                    {"id": "n5", "minutes": None, "stock": 5, "__typename": "IobjFilm"},
                    None,
                ]
            },
        ),
        case("b field on interface list", "{ iobjNodes { id stock } }"),
        case("b and c fields on interface list", "{ iobjNodes { id stock rating votes } }"),
        case("b fields only", "{ iobjNodes { tags } }"),
        case("b field on one implementation", "{ iobjNodes { id ... on IobjBook { stock } } }"),
        case(
            "b field on two implementations",
            "{ iobjNodes { ... on IobjFilm { minutes stock } ... on IobjSong { seconds rating } } }",
        ),
        case("interface fragment with b field", "{ iobjNodes { ... on IobjNode { id stock } } }"),
        case(
            "named fragment on interface",
            "query Q { iobjNodes { ...N } } fragment N on IobjNode { id tags __typename }",
        ),
        case(
            "named fragment on implementation",
            "query Q { iobjNodes { id ...B } } fragment B on IobjBook { pages stock rating }",
        ),
        case("aliases on b fields", "{ iobjNodes { i: id s: stock t: stock r: rating } }"),
        case(
            "typename everywhere",
            "{ __typename iobjNodes { __typename id stock related { __typename id } } }",
        ),
        case("single interface", '{ iobjNode(id: "n4") { __typename id title stock rating } }'),
        case("single interface missing", '{ iobjNode(id: "zz") { id stock } }'),
        case(
            "nested under entity",
            "{ iobjShelves { label items { id stock ... on IobjFilm { minutes } } } }",
        ),
        case(
            "b error on implementation",
            "{ iobjNodes { id audit } }",
            hive_wrong="Hive drops the list index from the path of an error an interface "
            "object's subgraph raises for an implementation in a list (['iobjNodes', 'audit'])",
            errors=(("audit of n2 is sealed", ("iobjNodes", 1, "audit")),),
        ),
        case("b error on b root", "{ iobjTops { id audit } }"),
        case("non-null c field", "{ iobjNodes { id votes } }"),
        case(
            "skip b field",
            "query Q($s: Boolean!) { iobjNodes { id stock @skip(if: $s) rating } }",
            variables={"s": True},
        ),
        case(
            "include b field",
            "query Q($s: Boolean!) { iobjNodes { id stock @include(if: $s) } }",
            variables={"s": True},
        ),
        case(
            "include b field off",
            "query Q($s: Boolean!) { iobjNodes { id stock @include(if: $s) } }",
            variables={"s": False},
        ),
        case(
            "b root returns interface",
            "{ iobjTop { id stock ... on IobjBook { pages } __typename } }",
        ),
        case("b root only b fields", "{ iobjTop { id stock tags } }"),
        case("b root typename only", "{ iobjTops { __typename } }"),
        case(
            "b root list implementation fields",
            "{ iobjTops { id ... on IobjBook { pages title } ... on IobjFilm { minutes } ... on IobjSong { seconds } } }",
        ),
        case("b root interface field of a", "{ iobjTops { id title } }"),
        case("b root c field", "{ iobjTop { id rating votes } }"),
        case(
            "b root b field under type condition",
            "{ iobjTops { id ... on IobjSong { stock tags } } }",
        ),
        case(
            "b root c field under type condition",
            "{ iobjTops { ... on IobjFilm { rating } __typename } }",
        ),
        case("b root interface fragment", "{ iobjTops { ... on IobjNode { id stock } } }"),
        case(
            "b root argument variable",
            "query Q($id: ID!) { iobjPick(id: $id) { __typename id title stock } }",
            variables={"id": "n5"},
        ),
        case("b root unknown to a", '{ iobjPick(id: "n9") { id stock __typename } }'),
        case("b root unknown to a nullable", '{ iobjTop { id } x: iobjPick(id: "n9") { id } }'),
        case("b root missing in b", '{ iobjPick(id: "n7") { id } }'),
        case("b related", "{ iobjTop { id related { id __typename title stock } } }"),
        case("b related two levels", "{ iobjTops { id related { id related { id title } } } }"),
        case("b related unknown to a", "{ iobjNodes { id related { id __typename } } }"),
        case(
            "b related on implementation",
            '{ iobjBook(id: "n3") { related { ... on IobjBook { pages } id } } }',
            hive_wrong=HIVE_SKIPS_ADDED,
            data={"iobjBook": {"related": {"pages": 412, "id": "n1"}}},
        ),
        case(
            "b related fragments",
            "query Q { iobjTop { ...R } } fragment R on IobjNode { related { ...T } } "
            "fragment T on IobjFilm { minutes rating }",
            hive_wrong="Hive never asks iobj_a for the __typename of an interface object whose "
            "only selection is a nested fragment spread, then fails with 'Abstract type "
            '"IobjNode" was resolved to a non-object type\' and nulls the field',
            data={"iobjTop": {"related": {"minutes": 117, "rating": 3.0}}},
        ),
        case(
            "c implementation field from b root",
            '{ iobjPick(id: "g2") { id ... on IobjGame { studio players related { id } } } }',
        ),
        case(
            "b root every subgraph",
            '{ iobjPick(id: "g1") { __typename id title stock rating '
            "... on IobjGame { players studio } } }",
            hive_wrong="Hive never asks iobj_d for IobjGame.studio when the game comes from an "
            "interface object's root field (iobj_b): null, no error",
            data={
                "iobjPick": {
                    "__typename": "IobjGame",
                    "id": "g1",
                    "title": "Go",
                    "stock": 7,
                    "rating": 2.5,
                    "players": 2,
                    "studio": "Ion",
                }
            },
        ),
        case(
            "implementation known to d",
            "{ iobjGames { id studio stock rating } }",
            hive_wrong=HIVE_SKIPS_SHARED_TYPE,
            data={
                "iobjGames": [
                    {"id": "g1", "studio": "Ion", "stock": 7, "rating": 2.5},
                    {"id": "g2", "studio": None, "stock": None, "rating": None},
                ]
            },
        ),
        case("b requires a field on implementations", "{ iobjNodes { id blurb } }"),
        case(
            "b requires on a concrete root",
            '{ iobjBook(id: "n3") { blurb title } }',
            hive_wrong=HIVE_SKIPS_ADDED,
            data={"iobjBook": {"blurb": "untitled: None left", "title": None}},
        ),
        case("b requires from b root", "{ iobjTops { id blurb } }"),
        case("b requires with type condition", "{ iobjTop { ... on IobjBook { blurb stock } } }"),
        case("b requires nested", "{ iobjTop { related { blurb } } }"),
        case("a fails to tell the type", '{ iobjTops { id } a: iobjPick(id: "n8") { id stock } }'),
        case(
            "a fails to tell the type nullable",
            "{ iobjLocked { id stock } }",
            hive_wrong="Hive drops the error iobj_a returns while telling an interface object's "
            "type: iobjLocked is null with no error at all",
            errors=(("n8 is locked in a", ("iobjLocked",)),),
        ),
        case(
            "mutation returns interface object",
            'mutation { iobjRestock(id: "n1", by: 2) { __typename id stock title '
            "... on IobjBook { pages } } }",
        ),
        case(
            "mutations in order",
            'mutation M($by: Int!) { a: iobjRestock(id: "n5", by: $by) { id stock rating } '
            'b: iobjRestock(id: "zz", by: 1) { id } }',
            variables={"by": 4},
        ),
        # One response key, other fields or arguments per implementation: one entity fetch
        # each (a shared one would send the first implementation's selection for all).
        case(
            "one key other b fields per implementation",
            "{ iobjNodes { id ... on IobjBook { x: audit } ... on IobjFilm { x: blurb } } }",
            hive_wrong=HIVE_MERGES_IMPLEMENTATIONS,
            data={
                "iobjNodes": [
                    {"id": "n1", "x": "audited n1"},
                    {"id": "n2", "x": "Alien: 0 left"},
                    {"id": "n3", "x": "audited n3"},
                    {"id": "n4"},
                    {"id": "n5", "x": "Heat: 5 left"},
                ]
            },
        ),
        case(
            "one key other b and c fields per implementation",
            "{ iobjNodes { ... on IobjBook { x: tags } ... on IobjSong { x: tags } "
            "... on IobjFilm { s: stock r: rating } } }",
        ),
        case(
            "one key other arguments per implementation",
            "query Q($n: Int!) { iobjNodes { id ... on IobjBook { t: firstTags(n: 1) } "
            "... on IobjSong { t: firstTags(n: $n) } ... on IobjFilm { t: firstTags(n: 0) } } }",
            variables={"n": 2},
            hive_wrong="Hive sends one argument set to an interface object's subgraph for a "
            "field asked with other arguments per implementation under one response key: "
            "IobjFilm n5 gets firstTags(n: 1), ['crime'], instead of firstTags(n: 0), []",
            data={
                "iobjNodes": [
                    {"id": "n1", "t": ["new"]},
                    {"id": "n2", "t": []},
                    {"id": "n3", "t": None},
                    {"id": "n4", "t": ["live"]},
                    {"id": "n5", "t": []},
                ]
            },
        ),
        case(
            "one key other fields per implementation from b root",
            "{ iobjTops { id ... on IobjSong { x: audit } ... on IobjBook { x: blurb } "
            "... on IobjFilm { y: stock } } }",
            hive_wrong=HIVE_MERGES_IMPLEMENTATIONS,
            data={
                "iobjTops": [
                    {"id": "n2", "y": 0},
                    {"id": "n4", "x": "audited n4"},
                    {"id": "n3", "x": "untitled: None left"},
                    None,
                ]
            },
        ),
        case(
            "one key other arguments per implementation from b root",
            "{ iobjTop { ... on IobjBook { t: firstTags(n: 1) } ... on IobjFilm { t: firstTags(n: 2) } "
            "related { ... on IobjFilm { t: firstTags(n: 1) } ... on IobjBook { t: firstTags(n: 2) } } } }",
        ),
        case("b root alias twice", "{ a: iobjTop { id s: stock } b: iobjTop { id t: title } }"),
        case("b and a roots together", '{ iobjTop { id title } iobjNode(id: "n2") { id stock } }'),
        case(
            "b root skip typename",
            "query Q($s: Boolean!) { iobjTops { __typename @skip(if: $s) id } }",
            variables={"s": False},
        ),
    ),
)
