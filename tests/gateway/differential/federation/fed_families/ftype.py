"""`@join__field(type:)`: a field whose type differs per subgraph (nullability; an interface
in the supergraph but an implementing object type in one subgraph; a union there but one
member here). The pinned composer writes `type:` only on fields of object types, not on root
fields (`Query.ftypeFeatured` is FtypeBook in ftype_b but the supergraph does not say so, so
no gateway can know: root cases here select what both subgraphs' types hold). The fixture's second subgraph knows the interface, the union and every member
(Hive Gateway cannot start when it does not), so a fragment on another member is valid in
the supergraph yet not inside that subgraph's object-typed field. Each subgraph must be sent a selection valid for its own field type."""

from __future__ import annotations

from functools import partial
from typing import Any

from fed_model import Family, FixtureSubgraph
from fed_model import case as _case

case = partial(_case, "ftype")

HIVE_NO_TYPENAME = (
    "Hive Gateway 2.15.1 does not ask ftype_b for __typename of a field that is abstract in "
    "the supergraph but an object type in ftype_b (@join__field(type:)), then cannot resolve "
    "the abstract type: an 'Abstract type must resolve' error and null for every object."
)

BOOKS: list[dict[str, Any]] = [
    {"__typename": "FtypeBook", "id": "b1", "title": "Dune", "pages": 412},
    {"__typename": "FtypeBook", "id": "b2", "title": None, "pages": 90},
]
MOVIES: list[dict[str, Any]] = [
    {"__typename": "FtypeMovie", "id": "m1", "minutes": 155},
]
SHELVES: list[dict[str, Any]] = [
    {"id": "s1", "top": "b1", "size": 3, "pick": "b2"},
    {"id": "s2", "top": "b2", "size": 5, "pick": "b1"},
]


def _book(id: str, fields: tuple[str, ...]) -> dict[str, Any]:
    book = next(b for b in BOOKS if b["id"] == id)
    return {"__typename": "FtypeBook", **{f: book[f] for f in fields}}


A_BOOK = ("id", "title")
B_BOOK = ("id", "pages")

FAMILY = Family(
    "ftype",
    (
        FixtureSubgraph(
            "ftype_a",
            """
            interface FtypeNode { id: ID! }
            union FtypeMedia = FtypeBook | FtypeMovie
            type FtypeBook implements FtypeNode @key(fields: "id") { id: ID! title: String }
            type FtypeMovie implements FtypeNode @key(fields: "id") { id: ID! minutes: Int }
            type FtypeShelf @key(fields: "id") {
              id: ID! top: FtypeNode @shareable pick: FtypeMedia @shareable
              size: Int @shareable
            }
            type Query {
              ftypeNodes: [FtypeNode!]!
              ftypeFeatured: FtypeNode @shareable
              ftypeChoice: FtypeMedia @shareable
              ftypeCount: Int @shareable
            }
            """,
            roots={
                "ftypeNodes": [_book("b1", A_BOOK), MOVIES[0], _book("b2", A_BOOK)],
                "ftypeFeatured": _book("b1", A_BOOK),
                "ftypeChoice": _book("b2", A_BOOK),
                "ftypeCount": 3,
            },
            entities={
                "FtypeBook": [_book(b["id"], A_BOOK) for b in BOOKS],
                "FtypeMovie": MOVIES,
                "FtypeShelf": [
                    {
                        "id": s["id"],
                        "size": s["size"],
                        "top": _book(s["top"], A_BOOK),
                        "pick": _book(s["pick"], A_BOOK),
                    }
                    for s in SHELVES
                ],
            },
        ),
        FixtureSubgraph(
            "ftype_b",
            """
            interface FtypeNode { id: ID! }
            union FtypeMedia = FtypeBook | FtypeMovie
            type FtypeBook implements FtypeNode @key(fields: "id") { id: ID! pages: Int }
            type FtypeMovie implements FtypeNode @key(fields: "id") { id: ID! rated: String }
            type FtypeShelf @key(fields: "id") {
              id: ID! top: FtypeBook @shareable pick: FtypeBook @shareable size: Int! @shareable
              label: String
            }
            type Query {
              ftypeFeatured: FtypeBook @shareable
              ftypeChoice: FtypeBook @shareable
              ftypeCount: Int! @shareable
              ftypeShelves: [FtypeShelf!]!
            }
            """,
            roots={
                "ftypeFeatured": _book("b1", B_BOOK),
                "ftypeChoice": _book("b2", B_BOOK),
                "ftypeCount": 3,
                "ftypeShelves": [
                    {
                        "id": s["id"],
                        "size": s["size"],
                        "label": f"shelf {s['id']}",
                        "top": _book(s["top"], B_BOOK),
                        "pick": _book(s["pick"], B_BOOK),
                    }
                    for s in SHELVES
                ],
            },
            entities={
                "FtypeBook": [_book(b["id"], B_BOOK) for b in BOOKS],
                "FtypeMovie": [{"__typename": "FtypeMovie", "id": "m1", "rated": "PG"}],
            },
        ),
    ),
    (
        case("nullability differs", "{ ftypeCount }"),
        case("nullability differs with others", "{ ftypeCount ftypeFeatured { id } }"),
        case("nullability differs under entity", "{ ftypeShelves { id size } }"),
        case(
            "nullability differs beside type change",
            "{ ftypeShelves { size top { ... on FtypeBook { title } } } }",
            hive_wrong=HIVE_NO_TYPENAME,
            errors=(),
            data={
                "ftypeShelves": [
                    {"size": 3, "top": {"title": "Dune"}},
                    {"size": 5, "top": {"title": None}},
                ]
            },
        ),
        case("interface root from a", "{ ftypeFeatured { id ... on FtypeBook { title } } }"),
        case(
            "interface root both sides",
            "{ ftypeFeatured { __typename id ... on FtypeBook { title pages } } }",
        ),
        case("interface root typename only", "{ ftypeFeatured { __typename } }"),
        case("union root from a", "{ ftypeChoice { ... on FtypeBook { id title } } }"),
        case(
            "union root named fragments",
            "{ ftypeChoice { ...B ...M } } fragment B on FtypeBook { id pages title }"
            " fragment M on FtypeMovie { minutes }",
        ),
        case(
            "shelves interface field",
            "{ ftypeShelves { id top { id ... on FtypeBook { pages } ... on FtypeMovie"
            " { rated } } } }",
            hive_wrong=HIVE_NO_TYPENAME,
            errors=(),
            data={
                "ftypeShelves": [
                    {"id": "s1", "top": {"id": "b1", "pages": 412}},
                    {"id": "s2", "top": {"id": "b2", "pages": 90}},
                ]
            },
        ),
        case(
            "shelves interface field needs a",
            "{ ftypeShelves { label top { __typename id ... on FtypeBook { title pages } } } }",
        ),
        case(
            "shelves union field",
            "{ ftypeShelves { pick { __typename ... on FtypeBook { id pages } ... on FtypeMovie"
            " { id rated } } } }",
        ),
        case(
            "shelves union field needs a",
            "{ ftypeShelves { size pick { ... on FtypeBook { title } } } }",
            hive_wrong=HIVE_NO_TYPENAME,
            errors=(),
            data={
                "ftypeShelves": [
                    {"size": 3, "pick": {"title": None}},
                    {"size": 5, "pick": {"title": "Dune"}},
                ]
            },
        ),
        case(
            "shelves interface fragment on interface",
            "{ ftypeShelves { top { ... on FtypeNode { id } ...N } } }"
            " fragment N on FtypeNode { __typename }",
        ),
        case(
            "shelves aliases",
            "{ ftypeShelves { t: top { i: id ... on FtypeBook { p: pages } } u: pick"
            " { ... on FtypeBook { i: id } } } }",
            hive_wrong=HIVE_NO_TYPENAME,
            errors=(),
            data={
                "ftypeShelves": [
                    {"t": {"i": "b1", "p": 412}, "u": {"i": "b2"}},
                    {"t": {"i": "b2", "p": 90}, "u": {"i": "b1"}},
                ]
            },
        ),
        case(
            "include on type-changed field",
            "query($on: Boolean!) { ftypeShelves { top @include(if: $on) { id } size } }",
            variables={"on": True},
            hive_wrong=HIVE_NO_TYPENAME,
            errors=(),
            data={
                "ftypeShelves": [
                    {"top": {"id": "b1"}, "size": 3},
                    {"top": {"id": "b2"}, "size": 5},
                ]
            },
        ),
        case(
            "movie fields from both",
            "{ ftypeNodes { ... on FtypeMovie { id minutes rated } } }",
        ),
        case(
            "nodes list from a",
            "{ ftypeNodes { __typename id ... on FtypeBook { title pages } ... on FtypeMovie"
            " { minutes } } }",
        ),
    ),
)
