"""Interfaces and unions whose implementations and members differ per subgraph.

`abstract_a` knows squares and circles (and a value type `AbstractNote` in the union),
`abstract_b` squares and triangles, `abstract_c` triangles and tools; the supergraph's
`@join__implements` / `@join__unionMember` say who knows which. Also: an entity interface
(`AbstractThing`), `@provides` on fields returning a union and an interface (type conditions in
the field set), a `@shareable` abstract root field answered by subgraphs knowing different
member sets, fragments on types a subgraph does not know, abstract values inside abstract ones.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from fed_model import Family, FixtureSubgraph
from fed_model import case as _case
from graphql import GraphQLError

case = partial(_case, "abstract")


def _sq(id: str, area: float, side: int | None) -> dict[str, Any]:
    return {"__typename": "AbstractSquare", "id": id, "area": area, "side": side}


A_SQUARES = [_sq("q1", 4.0, 2), _sq("q2", 9.0, 3), _sq("q3", 1.0, None)]
A_CIRCLES = [
    {"__typename": "AbstractCircle", "id": "c1", "area": 3.5, "radius": 1},
    {"__typename": "AbstractCircle", "id": "c2", "area": None, "radius": 7},
]
NOTE = {"__typename": "AbstractNote", "text": "hello"}
TOOLS = [
    {"__typename": "AbstractTool", "id": "t-1", "name": "Saw", "weight": 3},
    {"__typename": "AbstractTool", "id": "t-2", "name": None, "weight": None},
]
KITS = [{"__typename": "AbstractKit", "id": "k-1", "name": "Starter", "parts": 12}]
THINGS = TOOLS + KITS


def _a(id: str) -> dict[str, Any] | None:
    return next((o for o in A_SQUARES + A_CIRCLES + THINGS if o["id"] == id), None)


A = FixtureSubgraph(
    "abstract_a",
    """
    type Query {
      abstractShapes: [AbstractShape!]!
      abstractFeed: [AbstractItem]
      abstractThing(id: ID!): AbstractThing
      abstractThings: [AbstractThing!]!
      abstractBoxes: [AbstractBox!]!
      abstractShared: [AbstractShape] @shareable
    }
    interface AbstractShape { id: ID! area: Float }
    type AbstractSquare implements AbstractShape @key(fields: "id") {
      id: ID! area: Float @shareable side: Int
    }
    type AbstractCircle implements AbstractShape @key(fields: "id") {
      id: ID! area: Float radius: Int
    }
    type AbstractNote { text: String }
    union AbstractItem = AbstractSquare | AbstractCircle | AbstractNote
    interface AbstractThing @key(fields: "id") { id: ID! name: String }
    type AbstractTool implements AbstractThing @key(fields: "id") {
      id: ID! name: String weight: Int
    }
    type AbstractKit implements AbstractThing @key(fields: "id") {
      id: ID! name: String parts: Int
    }
    type AbstractBox @key(fields: "id") { id: ID! content: AbstractItem owner: AbstractThing }
    """,
    roots={
        "abstractShapes": [A_SQUARES[0], A_CIRCLES[0], A_SQUARES[1], A_CIRCLES[1]],
        "abstractFeed": [A_SQUARES[0], NOTE, A_CIRCLES[0], None, A_SQUARES[2]],
        "abstractThing": lambda _p, id: next((t for t in THINGS if t["id"] == id), None),
        "abstractThings": THINGS,
        "abstractBoxes": [
            {"__typename": "AbstractBox", "id": "x1", "content": A_SQUARES[1], "owner": TOOLS[0]},
            {"__typename": "AbstractBox", "id": "x2", "content": NOTE, "owner": None},
            {"__typename": "AbstractBox", "id": "x3", "content": A_CIRCLES[1], "owner": KITS[0]},
        ],
        "abstractShared": [A_SQUARES[1], A_SQUARES[0]],
    },
    entities={
        "AbstractSquare": A_SQUARES,
        "AbstractCircle": A_CIRCLES,
        "AbstractThing": THINGS,
        "AbstractTool": TOOLS,
        "AbstractKit": KITS,
        "AbstractBox": lambda r: None,
    },
)


def _flaw(parent: dict[str, Any]) -> str:
    if parent["id"] == "tr1":
        raise GraphQLError("flawed triangle tr1", extensions={"code": "ABSTRACT_FLAW"})
    return f"fine {parent['id']}"


B_SQUARES: list[dict[str, Any]] = [
    {"__typename": "AbstractSquare", "id": "q1", "area": 4.0, "color": "red"},
    {"__typename": "AbstractSquare", "id": "q2", "area": 9.0, "color": None},
    {"__typename": "AbstractSquare", "id": "q3", "area": 1.0, "color": "blue"},
]
TRIANGLES: list[dict[str, Any]] = [
    {
        "__typename": "AbstractTriangle",
        "id": "tr1",
        "area": 6.0,
        "base": 4,
        "flaw": _flaw,
        "hypotenuse": 5.0,
    },
    {
        "__typename": "AbstractTriangle",
        "id": "tr2",
        "area": 0.5,
        "base": None,
        "flaw": _flaw,
        "hypotenuse": 1.5,
    },
]
NEIGHBOURS = {"q1": ["tr1", "q2"], "q2": [], "q3": ["tr2"]}


def _b(id: str) -> dict[str, Any] | None:
    found = next((o for o in B_SQUARES + TRIANGLES if o["id"] == id), None)
    if found is None:
        return None
    if found["__typename"] == "AbstractSquare":
        return {**found, "neighbours": [_b(n) for n in NEIGHBOURS[id]]}
    return found


B = FixtureSubgraph(
    "abstract_b",
    """
    type Query {
      abstractBShapes: [AbstractShape]
      abstractBItems: [AbstractItem!]!
      abstractShared: [AbstractShape] @shareable
      abstractPicks: [AbstractItem] @provides(fields: "... on AbstractSquare { side }")
      abstractFavourite: AbstractShape @provides(fields: "... on AbstractSquare { side }")
    }
    interface AbstractShape { id: ID! area: Float }
    type AbstractSquare implements AbstractShape @key(fields: "id") {
      id: ID!
      area: Float @shareable
      side: Int @external
      color: String
      neighbours: [AbstractShape!] @provides(fields: "... on AbstractTriangle { hypotenuse }")
    }
    type AbstractTriangle implements AbstractShape @key(fields: "id") {
      id: ID! area: Float base: Int flaw: String hypotenuse: Float @external
    }
    union AbstractItem = AbstractSquare | AbstractTriangle
    """,
    roots={
        "abstractBShapes": lambda _p: [_b("tr1"), _b("q1"), None, _b("tr2")],
        "abstractBItems": lambda _p: [_b("q3"), _b("tr2")],
        "abstractShared": lambda _p: [_b("q2"), _b("q1")],
        "abstractPicks": lambda _p: [
            {**_b("q1"), "side": 2},
            _b("tr1"),
            {**_b("q3"), "side": None},
        ],
        "abstractFavourite": lambda _p: {**_b("q2"), "side": 3},
    },
    entities={
        "AbstractSquare": lambda r: _b(r["id"]) if r["id"] in NEIGHBOURS else None,
        "AbstractTriangle": lambda r: _b(r["id"]),
    },
)

C = FixtureSubgraph(
    "abstract_c",
    """
    type Query { abstractCShape: AbstractShape abstractCTools: [AbstractTool] }
    interface AbstractShape { id: ID! }
    type AbstractTriangle implements AbstractShape @key(fields: "id") {
      id: ID! hypotenuse: Float
    }
    type AbstractTool @key(fields: "id") { id: ID! price: Int }
    """,
    roots={
        "abstractCShape": {"__typename": "AbstractTriangle", "id": "tr2", "hypotenuse": 1.5},
        "abstractCTools": [{"id": "t-2", "price": 40}, None, {"id": "t-1", "price": 15}],
    },
    entities={
        "AbstractTriangle": [{"id": "tr1", "hypotenuse": 5.0}, {"id": "tr2", "hypotenuse": 1.5}],
        "AbstractTool": [{"id": "t-1", "price": 15}, {"id": "t-2", "price": None}],
    },
)

FAMILY = Family(
    "abstract",
    (A, B, C),
    (
        case("interface list", "{ abstractShapes { __typename id area } }"),
        case(
            "interface list implementation fields",
            "{ abstractShapes { id ... on AbstractSquare { side color } ... on AbstractCircle { radius } } }",
        ),
        case(
            "fragment on a type a does not know",
            "{ abstractShapes { id ... on AbstractTriangle { base hypotenuse } } }",
        ),
        case(
            "fragment only on unknown type",
            "{ abstractShapes { ... on AbstractTriangle { base } } }",
        ),
        case(
            "interface from b with members across subgraphs",
            "{ abstractBShapes { __typename id area ... on AbstractSquare { side color } "
            "... on AbstractTriangle { base hypotenuse } } }",
        ),
        case("b error on member", "{ abstractBShapes { id ... on AbstractTriangle { flaw } } }"),
        case(
            "union from a with value member",
            "{ abstractFeed { __typename ... on AbstractNote { text } ... on AbstractSquare { id side color } } }",
        ),
        case("union from a typename only", "{ abstractFeed { __typename } }"),
        case(
            "union fragment on interface",
            "{ abstractFeed { ... on AbstractShape { id area } ... on AbstractNote { text } } }",
        ),
        case(
            "union fragment on unknown member",
            "{ abstractFeed { ... on AbstractTriangle { id base } } }",
        ),
        case(
            "union from b",
            "{ abstractBItems { __typename ... on AbstractSquare { id color side } "
            "... on AbstractTriangle { id base hypotenuse } ... on AbstractCircle { radius } } }",
        ),
        case(
            "union from b named fragments",
            "query Q { abstractBItems { ...S ...T } } fragment S on AbstractSquare { id area neighbours { id } } "
            "fragment T on AbstractTriangle { id flaw }",
        ),
        case(
            "entity interface by id",
            '{ abstractThing(id: "t-1") { __typename id name ... on AbstractTool { weight price } } }',
        ),
        case(
            "entity interface kit",
            '{ abstractThing(id: "k-1") { id name ... on AbstractKit { parts } ... on AbstractTool { price } } }',
        ),
        case("entity interface missing", '{ abstractThing(id: "nope") { id name } }'),
        case(
            "entity interface list c fields",
            "{ abstractThings { id ... on AbstractTool { name price } } }",
        ),
        case("c tools to a fields", "{ abstractCTools { id price name weight __typename } }"),
        case(
            "nested abstract in object",
            "{ abstractBoxes { id content { __typename ... on AbstractSquare { side color } ... on AbstractNote { text } } "
            "owner { __typename name ... on AbstractTool { price } } } }",
        ),
        case(
            "nested abstract in abstract",
            "{ abstractBShapes { ... on AbstractSquare { id neighbours { __typename id area "
            "... on AbstractTriangle { hypotenuse } ... on AbstractSquare { side } } } } }",
        ),
        case(
            "nested abstract from a to b",
            "{ abstractShapes { ... on AbstractSquare { neighbours { id ... on AbstractTriangle { base } } } } }",
        ),
        case(
            "provides on union",
            "{ abstractPicks { __typename ... on AbstractSquare { id side } ... on AbstractTriangle { base } } }",
        ),
        case(
            "provides on union plus owner field",
            "{ abstractPicks { ... on AbstractSquare { id side color } } }",
        ),
        case(
            "provides on interface",
            "{ abstractFavourite { id area ... on AbstractSquare { side } } }",
        ),
        case(
            "provides on interface typename",
            "{ abstractFavourite { __typename ... on AbstractSquare { side } } }",
        ),
        case("shareable abstract field", "{ abstractShared { __typename id area } }"),
        case(
            "shareable abstract field members",
            "{ abstractShared { id ... on AbstractSquare { side color } ... on AbstractTriangle { base } "
            "... on AbstractCircle { radius } } }",
        ),
        case("shareable with a roots", "{ abstractShared { id } abstractShapes { id } }"),
        case("shareable with b roots", "{ abstractShared { id } abstractBItems { __typename } }"),
        case(
            "c interface knows one implementation",
            "{ abstractCShape { __typename id area ... on AbstractTriangle { hypotenuse base } } }",
        ),
        case(
            "aliases on abstract",
            "{ s: abstractShapes { i: id ... on AbstractSquare { x: side y: color } } t: abstractShapes { i: area } }",
        ),
        case(
            "same key across members",
            "{ abstractBShapes { id ... on AbstractSquare { v: color } ... on AbstractTriangle { v: flaw } } }",
        ),
        case(
            "skip inside fragment",
            "query Q($s: Boolean!) { abstractBShapes { id ... on AbstractSquare @skip(if: $s) { color } ... on AbstractTriangle { base @include(if: $s) } } }",
            variables={"s": True},
        ),
        case(
            "skip inside fragment off",
            "query Q($s: Boolean!) { abstractBShapes { id ... on AbstractSquare @skip(if: $s) { color } ... on AbstractTriangle { base @include(if: $s) } } }",
            variables={"s": False},
        ),
        case(
            "provides nested under an entity",
            "{ abstractShapes { ... on AbstractSquare { id neighbours { id ... on AbstractTriangle "
            "{ hypotenuse base } } } } }",
        ),
        case(
            "external field outside provides",
            "{ abstractBShapes { ... on AbstractTriangle { id hypotenuse } } }",
        ),
        case(
            "entity interface by variable",
            "query Q($id: ID!) { abstractThing(id: $id) { __typename ... on AbstractTool { price weight } } }",
            variables={"id": "t-2"},
        ),
        case(
            "entity interface fragments both levels",
            "query Q { abstractThings { ...T ... on AbstractKit { parts ...T } } } "
            "fragment T on AbstractThing { id name ... on AbstractTool { price } }",
        ),
        case(
            "union and interface from three subgraphs",
            "{ abstractFeed { __typename } abstractBItems { __typename } abstractCShape { __typename } }",
        ),
        case(
            "interface list non-null member error",
            "{ abstractBItems { ... on AbstractTriangle { id flaw } ... on AbstractSquare { id } } }",
        ),
        case(
            "typename at every level",
            "{ __typename abstractBoxes { __typename content { __typename } owner { __typename } } "
            "abstractBShapes { __typename ... on AbstractSquare { neighbours { __typename } } } }",
        ),
        case(
            "non-null list of interface with null area",
            "{ abstractShapes { id area ... on AbstractCircle { radius } } }",
        ),
        case(
            "inline fragment without type",
            "{ abstractShapes { ... { id } ... @include(if: true) { __typename } } }",
        ),
    ),
)
