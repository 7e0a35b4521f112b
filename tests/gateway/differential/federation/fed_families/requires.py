"""@requires: chains across subgraphs, field arguments, nested object fields, fields of a third
subgraph, several requires on one type, nulls, required fields the client selects too
(aliased, under @skip/@include), in lists and under abstract types.

requires_a owns the items (a, name, weight(unit), dims, tags); requires_b computes b from a,
heavy from weight(unit: G), area from dims { w h }, ...; requires_c computes c from b (a
chain: c <- b <- a); requires_d computes d from x (requires_c) and a, and e from c (c <- b <- a).
A resolver whose required field did not arrive raises, so a missing requirement is an error,
never a silent null.

Left out: `{ requiresItems { maker { __typename } origin } }` and `{ requiresItems { origin
maker { country } origins } }` stop Hive Gateway 2.15.1's process (TypeError:
Object.defineProperties called on non-object, in @graphql-tools/delegate's
annotateExternalObject), which would fail every later case of the corpus.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from fed_model import Family, FixtureSubgraph
from fed_model import case as _case
from graphql import GraphQLError

case = partial(_case, "requires")


def need(parent: dict[str, Any], *names: str) -> list[Any]:
    """The required fields of `parent`; an error when the gateway did not send one."""
    missing = [n for n in names if n not in parent]
    if missing:
        raise GraphQLError(f"required field(s) not sent: {', '.join(missing)}")
    return [parent[n] for n in names]


def _weight(parent: dict[str, Any], unit: str) -> float | None:
    base = parent["w"]
    return None if base is None else base * (1000 if unit == "G" else 1)


def _risky(p: dict) -> int:
    if p["id"] == "i2":
        raise GraphQLError("risky failed", extensions={"code": "RISKY"})
    return len(p["id"]) * 7


def _item(ident: str, name: str | None, a: int | None, w: float | None, **rest: Any) -> dict:
    makers = {"i1": "m1", "i2": None, "i3": "m2", "i4": "m3"}
    parts = {"i1": ["m3", "m1"], "i2": [], "i3": None, "i4": ["m2"]}
    return {
        "parts": None
        if parts[ident] is None
        else [{"__typename": "RequiresMaker", "id": m} for m in parts[ident]],
        "__typename": "RequiresItem",
        "id": ident,
        "maker": makers[ident] and {"__typename": "RequiresMaker", "id": makers[ident]},
        "name": name,
        "a": a,
        "w": w,
        "weight": _weight,
        "risky": _risky,
        **rest,
    }


ITEMS = [
    _item("i1", "One", 1, 2.5, dims={"w": 2, "h": 3}, tags=["x", "y"], rel=["i2", "i3"]),
    _item("i2", "Two", None, 0.5, dims=None, tags=None, rel=[]),
    _item("i3", None, 5, None, dims={"w": 4, "h": None}, tags=[], rel=["i1"]),
    _item("i4", "Four", 2, 7.25, dims={"w": 1, "h": 1}, tags=["z"], rel=["i4"]),
]
BY_ID = {i["id"]: i for i in ITEMS}
for _stored in ITEMS:
    _stored["related"] = lambda p: [BY_ID[i] for i in p["rel"]]

THINGS = [
    {"__typename": "RequiresBook", "id": "b1", "title": "Dune", "pages": 412},
    {"__typename": "RequiresFilm", "id": "f1", "title": "Heat", "minutes": 90},
    {"__typename": "RequiresBook", "id": "b2", "title": "Zine", "pages": None},
    {"__typename": "RequiresFilm", "id": "f2", "title": "Ran", "minutes": 162},
]


def _b(p: dict) -> int | None:
    (a,) = need(p, "a")
    return None if a is None else a * 10


def _heavy(p: dict) -> bool | None:
    (weight,) = need(p, "weight")
    return None if weight is None else weight > 1000


def _area(p: dict) -> int | None:
    (dims,) = need(p, "dims")
    if dims is None or dims.get("w") is None or dims.get("h") is None:
        return None
    return dims["w"] * dims["h"]


def _tag_count(p: dict) -> int | None:
    (tags,) = need(p, "tags")
    return None if tags is None else len(tags)


def _label(p: dict) -> str:
    name, a = need(p, "name", "a")
    return f"{name}#{a}"


def _c(p: dict) -> int | None:
    (b,) = need(p, "b")
    return None if b is None else b + 1


def _bx(p: dict) -> str:
    (x,) = need(p, "x")
    return f"b({x})"


def _cy(p: dict) -> str:
    (bx,) = need(p, "bx")
    return f"c({bx})"


def _d(p: dict) -> str:
    x, a = need(p, "x", "a")
    return f"{x}/{a}"


def _e(p: dict) -> int | None:
    (c,) = need(p, "c")
    return None if c is None else c * 2


def _origin(p: dict) -> str:
    (maker,) = need(p, "maker")
    return "unknown" if maker is None else f"made in {maker['country']}"


def _origins(p: dict) -> list[str] | None:
    (parts,) = need(p, "parts")
    if parts is None:
        return None
    return [f"{m['__typename']}:{m['id']}:{m['country']}" for m in parts]


def _safe(p: dict) -> int | None:
    (risky,) = need(p, "risky")
    return None if risky is None else risky + 1


def _shaky(p: dict) -> int:
    (a,) = need(p, "a")
    if a == 5:
        raise GraphQLError("shaky failed", extensions={"code": "SHAKY"})
    return -1 if a is None else a


def _kilos(p: dict) -> str:
    (weight,) = need(p, "weight")
    return f"{weight} kg"


def _long(field: str, over: int) -> Any:
    def resolve(p: dict) -> bool | None:
        (value,) = need(p, field)
        return None if value is None else value > over

    return resolve


def _framed(p: dict) -> str:
    name, a = need(p, "name", "a")
    return f"[{name}|{a}]"


def _typed(p: dict) -> str:
    typename, a = need(p, "__typename", "a")
    return f"{typename}:{a}"


def _sum(p: dict) -> int | None:
    c, b, a = need(p, "c", "b", "a")
    return None if None in (c, b, a) else c + b + a


IDS = [i["id"] for i in ITEMS]
C_ITEMS = [{"__typename": "RequiresItem", "id": i, "c": _c, "x": f"x-{i}", "cy": _cy} for i in IDS]
MAKERS = [{"__typename": "RequiresMaker", "id": m} for m in ("m1", "m2", "m3")]
COUNTRIES = [
    {"__typename": "RequiresMaker", "id": "m1", "country": "CN"},
    {"__typename": "RequiresMaker", "id": "m2", "country": None},
    {"__typename": "RequiresMaker", "id": "m3", "country": "NZ"},
]

SILENT_NULLS = "Hive answers null, with no error, for requiring fields whose subgraphs answer"
FAILED_REQUIREMENT = (
    "when requires_a fails i2's risky (which safe requires), Hive sends requires_b an object "
    "in place of risky's null, and adds the error requires_b then raises"
)

FAMILY = Family(
    "requires",
    (
        FixtureSubgraph(
            "requires_a",
            """
            type Query {
              requiresItems: [RequiresItem!]!
              requiresItem(id: ID!): RequiresItem
              requiresThings: [RequiresThing!]!
              requiresBox: RequiresBox
            }
            enum RequiresUnit { KG G }
            type RequiresDims @shareable { w: Int h: Int }
            type RequiresItem @key(fields: "id") {
              id: ID!
              name: String
              a: Int
              weight(unit: RequiresUnit! = KG): Float
              dims: RequiresDims
              tags: [String!]
              related: [RequiresItem!]!
              maker: RequiresMaker
              parts: [RequiresMaker!]
              risky: Int
            }
            type RequiresMaker @key(fields: "id") { id: ID! }
            interface RequiresThing { id: ID! title: String }
            type RequiresBook implements RequiresThing @key(fields: "id") {
              id: ID! title: String pages: Int
            }
            type RequiresFilm implements RequiresThing @key(fields: "id") {
              id: ID! title: String minutes: Int
            }
            type RequiresBox { label: String items: [RequiresItem] }
            """,
            roots={
                "requiresItems": ITEMS,
                "requiresItem": lambda _p, id: BY_ID.get(id),
                "requiresThings": THINGS,
                "requiresBox": {"label": "box", "items": [BY_ID["i3"], None, BY_ID["i1"]]},
            },
            entities={
                "RequiresItem": ITEMS,
                "RequiresBook": THINGS,
                "RequiresFilm": THINGS,
                "RequiresMaker": MAKERS,
            },
        ),
        FixtureSubgraph(
            "requires_b",
            """
            enum RequiresUnit { KG G }
            type RequiresDims @shareable { w: Int h: Int }
            type RequiresItem @key(fields: "id") {
              id: ID!
              a: Int @external
              b: Int @requires(fields: "a")
              name: String @external
              label: String @requires(fields: "name a")
              weight(unit: RequiresUnit! = KG): Float @external
              heavy: Boolean @requires(fields: "weight(unit: G)")
              dims: RequiresDims @external
              area: Int @requires(fields: "dims { w h }")
              tags: [String!] @external
              tagCount: Int @requires(fields: "tags")
              maker: RequiresMaker @external
              origin: String @requires(fields: "maker { country }")
              parts: [RequiresMaker!] @external
              origins: [String] @requires(fields: "parts { __typename id country }")
              risky: Int @external
              safe: Int @requires(fields: "risky")
              shaky: Int @requires(fields: "a")
              x: String @external
              bx: String @requires(fields: "x")
            }
            type RequiresMaker @key(fields: "id") { id: ID! country: String @external }
            type RequiresBook @key(fields: "id") {
              id: ID! pages: Int @external long: Boolean @requires(fields: "pages")
            }
            type RequiresFilm @key(fields: "id") {
              id: ID! minutes: Int @external long: Boolean @requires(fields: "minutes")
            }
            """,
            entities={
                "RequiresItem": [
                    {
                        "id": i,
                        "b": _b,
                        "label": _label,
                        "heavy": _heavy,
                        "area": _area,
                        "tagCount": _tag_count,
                        "origin": _origin,
                        "origins": _origins,
                        "safe": _safe,
                        "shaky": _shaky,
                        "bx": _bx,
                    }
                    for i in IDS
                ],
                "RequiresBook": [
                    {"id": t["id"], "long": _long("pages", 300)}
                    for t in THINGS
                    if t["__typename"] == "RequiresBook"
                ],
                "RequiresFilm": [
                    {"id": t["id"], "long": _long("minutes", 100)}
                    for t in THINGS
                    if t["__typename"] == "RequiresFilm"
                ],
            },
        ),
        FixtureSubgraph(
            "requires_c",
            """
            type Query { requiresFromC: [RequiresItem!]! }
            type RequiresItem @key(fields: "id") {
              id: ID!
              b: Int @external
              c: Int @requires(fields: "b")
              x: String
              bx: String @external
              cy: String @requires(fields: "bx")
            }
            type RequiresMaker @key(fields: "id") { id: ID! country: String }
            """,
            roots={"requiresFromC": [C_ITEMS[2], C_ITEMS[0]]},
            entities={"RequiresItem": C_ITEMS, "RequiresMaker": COUNTRIES},
        ),
        FixtureSubgraph(
            "requires_d",
            """
            type RequiresItem @key(fields: "id") {
              id: ID!
              x: String @external
              a: Int @external
              d: String @requires(fields: "x a")
              c: Int @external
              e: Int @requires(fields: "c")
              weight(unit: RequiresUnit! = KG): Float @external
              kilos: String @requires(fields: "weight(unit: KG)")
              name: String @external
              b: Int @external
              framed: String @requires(fields: "... on RequiresItem { name a }")
              typed: String @requires(fields: "__typename a")
              sum: Int @requires(fields: "c b a")
            }
            enum RequiresUnit { KG G }
            """,
            entities={
                "RequiresItem": [
                    {
                        "id": i,
                        "d": _d,
                        "e": _e,
                        "kilos": _kilos,
                        "framed": _framed,
                        "typed": _typed,
                        "sum": _sum,
                    }
                    for i in IDS
                ]
            },
        ),
    ),
    (
        case("one level", "{ requiresItems { id b } }"),
        case("one level, required selected too", "{ requiresItems { id a b } }"),
        case("required aliased by the client", "{ requiresItems { id first: a b } }"),
        case("required under another alias twice", "{ requiresItems { a1: a b a2: a } }"),
        case("requiring field aliased", "{ requiresItems { id bee: b } }"),
        case("chain of two", "{ requiresItems { id c } }"),
        case("chain of two with the middle", "{ requiresItems { id b c } }"),
        case("chain of three", "{ requiresItems { id e } }"),
        case("chain of three with all", "{ requiresItems { id a b c e } }"),
        case("chain by id", '{ requiresItem(id: "i3") { c e } }'),
        case("chain on a missing item", '{ requiresItem(id: "nope") { c e } }'),
        case("field arguments", "{ requiresItems { id heavy } }"),
        case(
            "field arguments, client asks grams", "{ requiresItems { id heavy weight(unit: G) } }"
        ),
        case("field arguments, client asks kg", "{ requiresItems { heavy kg: weight(unit: KG) } }"),
        case(
            "field arguments from a variable",
            "query($u: RequiresUnit!) { requiresItems { heavy weight(unit: $u) } }",
            variables={"u": "G"},
        ),
        case("nested object fields", "{ requiresItems { id area } }"),
        case("nested object fields, client asks part", "{ requiresItems { id area dims { h } } }"),
        case(
            "nested object fields, client aliases",
            "{ requiresItems { area size: dims { width: w w } } }",
        ),
        case("list field required", "{ requiresItems { tags tagCount } }"),
        case("several fields required", "{ requiresItems { id label } }"),
        case(
            "several requires on one type", "{ requiresItems { id b label heavy area tagCount } }"
        ),
        case("from a third subgraph", "{ requiresItems { id d } }"),
        case("from a third subgraph and a chain", "{ requiresItems { d e x } }"),
        case(
            "every requiring field", "{ requiresItems { id a b c d e heavy area label tagCount } }"
        ),
        case("in nested lists", "{ requiresItems { id related { id c e } } }"),
        case("in nested lists, two levels", "{ requiresItems { related { related { id b d } } } }"),
        case("under a value type", "{ requiresBox { label items { id c heavy } } }"),
        case(
            "under an abstract type",
            "{ requiresThings { id ... on RequiresBook { long } ... on RequiresFilm { long } } }",
        ),
        case(
            "under an abstract type, required selected",
            "{ requiresThings { __typename ... on RequiresBook { pages long } "
            "... on RequiresFilm { long minutes } } }",
        ),
        case(
            "under an abstract type, named fragment",
            "fragment L on RequiresFilm { long } { requiresThings { title ...L } }",
        ),
        case(
            "required field included",
            "query($on: Boolean!) { requiresItems { id a @include(if: $on) b } }",
            variables={"on": True},
        ),
        case(
            "required field not included",
            "query($on: Boolean!) { requiresItems { id a @include(if: $on) b } }",
            variables={"on": False},
            hive_wrong="Hive applies the client's @include(if: false) on `a` to the `a` that "
            "b's @requires needs: the representations lack it (the subgraph says so)",
            data={
                "requiresItems": [
                    {"id": "i1", "b": 10},
                    {"id": "i2", "b": None},
                    {"id": "i3", "b": 50},
                    {"id": "i4", "b": 20},
                ]
            },
        ),
        case(
            "required field skipped",
            "query($off: Boolean!) { requiresItems { id a @skip(if: $off) c } }",
            variables={"off": True},
            hive_wrong="with the client's `a @skip(if: true)` and the chain c <- b <- a, Hive "
            "sends requires_c an object in place of b's value in the representations",
            data={
                "requiresItems": [
                    {"id": "i1", "c": 11},
                    {"id": "i2", "c": None},
                    {"id": "i3", "c": 51},
                    {"id": "i4", "c": 21},
                ]
            },
        ),
        case(
            "requiring field skipped",
            "query($off: Boolean!) { requiresItems { id a b @skip(if: $off) } }",
            variables={"off": True},
        ),
        case(
            "requiring field included, required skipped",
            "query($x: Boolean!) { requiresItems { id b @include(if: $x) a @skip(if: $x) } }",
            variables={"x": True},
        ),
        case(
            "nested required skipped in a fragment",
            "query($x: Boolean!) { requiresItems { ...D @skip(if: $x) area } } "
            "fragment D on RequiresItem { dims { w h } }",
            variables={"x": True},
        ),
        case(
            "requiring field in an included fragment",
            "query($x: Boolean!) { requiresItems { id ... @include(if: $x) { c heavy } } }",
            variables={"x": True},
        ),
        case("typename beside requires", "{ requiresItems { __typename c t: __typename } }"),
        case("only the required field", "{ requiresItems { a } }"),
        case("nested field from a third subgraph", "{ requiresItems { id origin } }"),
        case(
            "nested field from a third subgraph, client asks it",
            "{ requiresItems { origin maker { id country } } }",
        ),
        case(
            "nested field from a third subgraph, chains too",
            "{ requiresItems { origin e } }",
            hive_wrong="Hive answers e (c <- b <- a) null for every item, with no error, when "
            "origin (which requires maker { country } from requires_c) is asked beside it",
            data={
                "requiresItems": [
                    {"origin": "made in CN", "e": 22},
                    {"origin": "unknown", "e": None},
                    {"origin": "made in None", "e": 102},
                    {"origin": "made in NZ", "e": 42},
                ]
            },
        ),
        case(
            "list of objects from a third subgraph",
            "{ requiresItems { id origins } }",
            hive_wrong="Hive answers origins (requires parts { __typename id country }, country "
            "from requires_c) null for every item with no error, unless the client selects "
            "parts { country } itself",
            data={
                "requiresItems": [
                    {"id": "i1", "origins": ["RequiresMaker:m3:NZ", "RequiresMaker:m1:CN"]},
                    {"id": "i2", "origins": []},
                    {"id": "i3", "origins": None},
                    {"id": "i4", "origins": ["RequiresMaker:m2:None"]},
                ]
            },
        ),
        case(
            "list of objects from a third subgraph, client asks them",
            "{ requiresItems { origins parts { country t: __typename } origin } }",
        ),
        case(
            "required field errs for one item",
            "{ requiresItems { id safe } }",
            hive_wrong=FAILED_REQUIREMENT,
            errors=(("risky failed", ("requiresItems", 1)),),
            data={"requiresItems": [{"id": i, "safe": None if i == "i2" else 15} for i in IDS]},
        ),
        case(
            "required field errs, client asks it",
            "{ requiresItems { id risky safe } }",
            hive_wrong=FAILED_REQUIREMENT,
            errors=(("risky failed", ("requiresItems", 1, "risky")),),
            data={
                "requiresItems": [
                    {"id": i, "risky": None if i == "i2" else 14, "safe": None if i == "i2" else 15}
                    for i in IDS
                ]
            },
        ),
        case(
            "requiring field errs for one item",
            "{ requiresItems { id shaky b } }",
            hive_wrong="Hive gives the error requires_b raises for the third item's shaky at "
            "path [requiresItems, shaky], without the list index",
            errors=(("shaky failed", ("requiresItems", 2, "shaky")),),
            data={
                "requiresItems": [
                    {"id": "i1", "shaky": 1, "b": 10},
                    {"id": "i2", "shaky": -1, "b": None},
                    {"id": "i3", "shaky": None, "b": 50},
                    {"id": "i4", "shaky": 2, "b": 20},
                ]
            },
        ),
        case("requiring field errs, in a chain", '{ requiresItem(id: "i3") { shaky c e } }'),
        case(
            "by a variable id, every kind",
            "query($id: ID!) { requiresItem(id: $id) { e origin origins heavy area label } }",
            variables={"id": "i1"},
            hive_wrong=SILENT_NULLS + ": origin, origins, heavy and label of i1, asked together",
            data={
                "requiresItem": {
                    "e": 22,
                    "origin": "made in CN",
                    "origins": ["RequiresMaker:m3:NZ", "RequiresMaker:m1:CN"],
                    "heavy": True,
                    "area": 6,
                    "label": "One#1",
                }
            },
        ),
        case(
            "under a value type, nested requires",
            "{ requiresBox { items { origins related { c origin } } } }",
            hive_wrong=SILENT_NULLS + ": origin of the related items under the box's items",
            data={
                "requiresBox": {
                    "items": [
                        {"origins": None, "related": [{"c": 11, "origin": "made in CN"}]},
                        None,
                        {
                            "origins": ["RequiresMaker:m3:NZ", "RequiresMaker:m1:CN"],
                            "related": [
                                {"c": None, "origin": "unknown"},
                                {"c": 51, "origin": "made in None"},
                            ],
                        },
                    ]
                }
            },
        ),
        case(
            "skipped fragment of nested requires",
            "query($x: Boolean!) { requiresItems { a ... on RequiresItem @skip(if: $x) "
            "{ origin origins } } }",
            variables={"x": True},
        ),
        case(
            "aliased requiring fields in nested lists",
            "{ requiresItems { r: related { o: origin cc: c h: heavy } } }",
            hive_wrong=SILENT_NULLS + ": c and heavy (aliased) beside origin, in nested lists",
            data={
                "requiresItems": [
                    {
                        "r": [
                            {"o": "unknown", "cc": None, "h": False},
                            {"o": "made in None", "cc": 51, "h": None},
                        ]
                    },
                    {"r": []},
                    {"r": [{"o": "made in CN", "cc": 11, "h": True}]},
                    {"r": [{"o": "made in NZ", "cc": 21, "h": True}]},
                ]
            },
        ),
        case(
            "under an abstract type, title and long",
            "{ requiresThings { ... on RequiresBook { long title } ... on RequiresFilm { title } } }",
        ),
        case("back to the first subgraph", "{ requiresItems { id cy } }"),
        case("back to the first subgraph, with c", "{ requiresItems { c cy x bx } }"),
        case("back to the first subgraph, from its root", "{ requiresFromC { cy } }"),
        case("same field, two argument sets", "{ requiresItems { id heavy kilos } }"),
        case(
            "same field, two argument sets and the client's",
            "{ requiresItems { kilos heavy w: weight(unit: G) weight } }",
        ),
        case("from another subgraph's root", "{ requiresFromC { id c x } }"),
        case("inline fragment on the type", "{ requiresItems { id framed } }"),
        case(
            "inline fragment on the type, required selected",
            "{ requiresItems { framed nm: name a __typename } }",
        ),
        case("typename and a field", "{ requiresItems { typed t: __typename } }"),
        case("chain sharing its inputs", "{ requiresItems { id sum } }"),
        case("chain sharing its inputs, with the links", "{ requiresItems { sum c e b } }"),
        case(
            "chain sharing its inputs, nested",
            '{ requiresItem(id: "i1") { sum related { sum typed framed } } }',
            hive_wrong="in i1's related items Hive answers typed (requires __typename a) and "
            "framed (requires ... on RequiresItem { name a }) null, with no error, beside sum; "
            "i2 is Two with a null a, i3 has no name and a 5",
            data={
                "requiresItem": {
                    "sum": 22,
                    "related": [
                        {"sum": None, "typed": "RequiresItem:None", "framed": "[Two|None]"},
                        {"sum": 106, "typed": "RequiresItem:5", "framed": "[None|5]"},
                    ],
                }
            },
        ),
        case(
            "typename and a fragment, nested",
            '{ requiresItem(id: "i3") { related { typed framed } } }',
        ),
        case("from another subgraph's root, chain of three", "{ requiresFromC { e b } }"),
        case(
            "from another subgraph's root, nested",
            "{ requiresFromC { origin area heavy } }",
            hive_wrong="for items from requires_c's root, Hive answers area and heavy null, with "
            "no error, for i1, whose dims { w: 2 h: 3 } and weight 2.5 kg make them 6 and true",
            data={
                "requiresFromC": [
                    {"origin": "made in None", "area": None, "heavy": None},
                    {"origin": "made in CN", "area": 6, "heavy": True},
                ]
            },
        ),
        case(
            "self-related",
            '{ requiresItem(id: "i4") { related { related { e origin } } } }',
            hive_wrong="two levels down a list, Hive answers origin (requires maker { country }, "
            "country from requires_c) null with no error; i4's maker m3 is in NZ",
            data={"requiresItem": {"related": [{"related": [{"e": 42, "origin": "made in NZ"}]}]}},
        ),
    ),
)
