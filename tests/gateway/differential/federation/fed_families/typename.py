"""__typename at every level: on the root, on entity roots where only __typename or only
remote fields are asked, aliased, in fragments, on unions and interfaces (members from either
subgraph), beside entity fetches, under @skip/@include, and on nulls."""

from __future__ import annotations

from functools import partial

from fed_model import Family, FixtureSubgraph
from fed_model import case as _case

case = partial(_case, "typename")

ITEMS = [
    {"__typename": "TypenameItem", "id": "t1", "title": "Tea"},
    {"__typename": "TypenameItem", "id": "t2", "title": None},
    {"__typename": "TypenameItem", "id": "t3", "title": "Rice"},
]
SHOPS = [
    {"__typename": "TypenameShop", "id": "s1", "name": "East", "items": ITEMS[:2]},
    {"__typename": "TypenameShop", "id": "s2", "name": None, "items": []},
    {"__typename": "TypenameShop", "id": "s3", "name": "West", "items": [ITEMS[2]]},
]
SEARCH = [
    SHOPS[0],
    ITEMS[2],
    {"__typename": "TypenameError", "code": 404},
    SHOPS[1],
]
NODES = [ITEMS[0], None, SHOPS[2]]
STOCK = [
    {"__typename": "TypenameItem", "id": "t1", "stock": 0},
    {"__typename": "TypenameItem", "id": "t2", "stock": 12},
    {"__typename": "TypenameItem", "id": "t3", "stock": None},
]
_REF = {"__typename": "TypenameShop", "id": "s2"}  # a shop as typename_b refers to it
RATINGS = [
    {
        "__typename": "TypenameShop",
        "id": "s1",
        "rating": 5,
        "owner": {"name": "Li"},
        "hits": [STOCK[1], _REF],
        "pick": STOCK[0],
    },
    {
        "__typename": "TypenameShop",
        "id": "s2",
        "rating": None,
        "owner": None,
        "hits": [],
        "pick": None,
    },
    {
        "__typename": "TypenameShop",
        "id": "s3",
        "rating": 3,
        "owner": {"name": "Wu"},
        "hits": [_REF, STOCK[2]],
        "pick": _REF,
    },
]

FAMILY = Family(
    "typename",
    (
        FixtureSubgraph(
            "typename_a",
            """
            type Query {
              typenameShops: [TypenameShop!]!
              typenameShop(id: ID!): TypenameShop
              typenameSearch: [TypenameResult!]!
              typenameNodes: [TypenameNode]!
            }
            interface TypenameNode { id: ID! }
            type TypenameShop implements TypenameNode @key(fields: "id") {
              id: ID! name: String items: [TypenameItem!]!
            }
            type TypenameItem implements TypenameNode @key(fields: "id") {
              id: ID! title: String
            }
            type TypenameError { code: Int! }
            union TypenameResult = TypenameShop | TypenameItem | TypenameError
            """,
            roots={
                "typenameShops": SHOPS,
                "typenameShop": lambda _p, id: next((s for s in SHOPS if s["id"] == id), None),
                "typenameSearch": SEARCH,
                "typenameNodes": NODES,
            },
            entities={"TypenameShop": SHOPS, "TypenameItem": ITEMS},
        ),
        FixtureSubgraph(
            "typename_b",
            """
            type Query {
              typenameBest: TypenameShop
              typenameNone: TypenameShop
              typenameFeatured: [TypenameItem]
              typenamePick: TypenameNode
            }
            interface TypenameNode { id: ID! }
            type TypenameOwner { name: String }
            type TypenameShop implements TypenameNode @key(fields: "id") {
              id: ID! rating: Int owner: TypenameOwner hits: [TypenameHit!]! pick: TypenameNode
            }
            union TypenameHit = TypenameShop | TypenameItem
            type TypenameItem implements TypenameNode @key(fields: "id") { id: ID! stock: Int }
            """,
            roots={
                "typenameBest": RATINGS[2],
                "typenameNone": None,
                "typenameFeatured": [STOCK[1], None, STOCK[0]],
                "typenamePick": STOCK[2],
            },
            entities={"TypenameShop": RATINGS, "TypenameItem": STOCK},
        ),
    ),
    (
        case("root alone", "{ __typename }"),
        case("root aliased twice", "{ a: __typename b: __typename }"),
        case("root beside fields", "{ __typename typenameShops { id } }"),
        case("every level", "{ __typename typenameShops { __typename items { __typename } } }"),
        case(
            "every level with remote fields",
            "{ typenameShops { __typename rating owner { __typename name } "
            "items { __typename stock } } }",
        ),
        case("entity root, only typename", "{ typenameBest { __typename } }"),
        case("entity root, only remote", "{ typenameBest { name } }"),
        case(
            "entity root, typename and remote", "{ typenameBest { __typename name items { id } } }"
        ),
        case("entity root, aliased typename", "{ typenameBest { kind: __typename } }"),
        case("entity root, null", "{ typenameNone { __typename name } }"),
        case("entity list root, only typename", "{ typenameFeatured { __typename } }"),
        case("entity list root, only remote", "{ typenameFeatured { title } }"),
        case("entity list root, both", "{ typenameFeatured { t: __typename title id } }"),
        case("one shop, typename", '{ typenameShop(id: "s3") { __typename } }'),
        case("one shop missing", '{ typenameShop(id: "nope") { __typename } }'),
        case("aliased under remote fetch", "{ typenameShops { k: __typename rating } }"),
        case(
            "typename only inside a remote value type",
            "{ typenameShops { owner { __typename } } }",
        ),
        case(
            "in fragments",
            "{ typenameShops { ... on TypenameShop { __typename } ...F } } "
            "fragment F on TypenameShop { t: __typename rating }",
        ),
        case(
            "in a fragment on an interface",
            "{ typenameShops { ...N } } fragment N on TypenameNode { __typename id }",
        ),
        case("union, typename only", "{ typenameSearch { __typename } }"),
        case(
            "union, members",
            "{ typenameSearch { __typename ... on TypenameShop { rating } "
            "... on TypenameError { code } ... on TypenameItem { k: __typename stock } } }",
        ),
        case(
            "union, one member's remote field",
            "{ typenameSearch { ... on TypenameItem { stock } } }",
        ),
        case("interface, typename only", "{ typenameNodes { __typename } }"),
        case(
            "interface, members",
            "{ typenameNodes { __typename id ... on TypenameShop { rating name } "
            "... on TypenameItem { stock } } }",
        ),
        case(
            "interface root in the other subgraph",
            "{ typenamePick { __typename id ... on TypenameItem { title } } }",
        ),
        case("interface root, typename only", "{ typenamePick { __typename } }"),
        case("union in a remote fetch, typename only", "{ typenameShops { hits { __typename } } }"),
        case(
            "union in a remote fetch, back to the first subgraph",
            "{ typenameShops { hits { ... on TypenameItem { title } ... on TypenameShop { name } } } }",
        ),
        case(
            "union in a remote fetch, typename and both subgraphs",
            "{ typenameShops { id hits { __typename ... on TypenameItem { title stock } "
            "... on TypenameShop { t: __typename name rating } } } }",
        ),
        case(
            "interface in a remote fetch, typename only",
            "{ typenameShops { pick { __typename } } }",
        ),
        case(
            "interface in a remote fetch, remote member field",
            "{ typenameShops { pick { id ... on TypenameShop { name } "
            "... on TypenameItem { title } } } }",
        ),
        case(
            "interface fragment in a union",
            "{ typenameSearch { ... on TypenameNode { __typename id } } }",
        ),
        case(
            "union fragment in an interface",
            "{ typenameNodes { ... on TypenameResult { __typename } } }",
        ),
        case(
            "interface root, only remote fields",
            "{ typenamePick { ... on TypenameItem { title } } }",
        ),
        case(
            "skipped typename",
            "query($x: Boolean!) { typenameShops { __typename @skip(if: $x) id } }",
            variables={"x": True},
        ),
        case(
            "included typename on an entity root",
            "query($x: Boolean!) { typenameBest { __typename @include(if: $x) } }",
            variables={"x": True},
        ),
        case(
            "typename the only field left after skip",
            "query($x: Boolean!) { typenameBest { __typename rating @skip(if: $x) "
            "name @skip(if: $x) } }",
            variables={"x": True},
        ),
        case(
            "skipped fragment with typename",
            "query($x: Boolean!) { typenameNodes { ... on TypenameItem @skip(if: $x) "
            "{ __typename stock } id } }",
            variables={"x": True},
        ),
        case(
            "included fragment with typename",
            "query($x: Boolean!) { typenameNodes { ... on TypenameItem @include(if: $x) "
            "{ __typename stock } } }",
            variables={"x": True},
        ),
    ),
)
