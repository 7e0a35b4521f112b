"""@join__enumValue: enums whose values differ per subgraph.

An output-only enum takes the union of the subgraphs' values (each value names the subgraphs
that know it); an input-only enum their intersection; an enum used both ways must agree. The
API schema is what composition wrote, and every answer is checked against it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from fed_model import Family, FixtureSubgraph
from fed_model import case as _case

from gateway.shape import unrepresentable_enum

case = partial(_case, "enumv")

TASKS: list[dict[str, Any]] = [
    {"__typename": "EnumvTask", "id": "t1", "status": "OPEN", "mode": "FAST", "kind": "NEW"},
    {"__typename": "EnumvTask", "id": "t2", "status": "CLOSED", "mode": "SLOW", "kind": "NEW"},
    {"__typename": "EnumvTask", "id": "t3", "status": "OPEN", "mode": None, "kind": None},
]
REVIEWS: list[dict[str, Any]] = [
    {"id": "t1", "review": "ARCHIVED", "history": ["OPEN", "ARCHIVED"], "kind": "NEW"},
    {"id": "t2", "review": None, "history": [], "kind": "OLD"},
    {"id": "t3", "review": "OPEN", "history": ["OPEN"], "kind": "NEW"},
]


def _tasks(_parent: Any, scope: str | None = None, modes: list[str] | None = None) -> Any:
    found = TASKS if scope in (None, "ALL") else TASKS[:1]
    return [t for t in found if modes is None or t["mode"] in modes]


FAMILY = Family(
    "enumv",
    (
        FixtureSubgraph(
            "enumv_a",
            """
            type Query {
              enumvTasks(scope: EnumvScope, modes: [EnumvMode!]): [EnumvTask!]!
              enumvEcho(mode: EnumvMode!): EnumvMode!
            }
            "Output only: the union of the subgraphs' values."
            enum EnumvStatus { OPEN CLOSED }
            "Input only: the intersection."
            enum EnumvScope { ALL MINE TEAM }
            "Input and output, in one subgraph."
            enum EnumvMode { FAST SLOW }
            enum EnumvKind { NEW OLD @inaccessible }
            type EnumvTask @key(fields: "id") {
              id: ID!
              status: EnumvStatus!
              mode: EnumvMode
              kind: EnumvKind @shareable
            }
            """,
            roots={"enumvTasks": _tasks, "enumvEcho": lambda _p, mode: mode},
            entities={"EnumvTask": TASKS},
        ),
        FixtureSubgraph(
            "enumv_b",
            """
            type Query { enumvCount(scope: EnumvScope!): Int }
            enum EnumvStatus { OPEN ARCHIVED }
            enum EnumvScope { ALL MINE }
            enum EnumvKind { NEW OLD }
            type EnumvTask @key(fields: "id") {
              id: ID!
              review: EnumvStatus
              history: [EnumvStatus!]!
              kindB: EnumvKind
            }
            """,
            roots={"enumvCount": lambda _p, scope: {"ALL": 3, "MINE": 1}[scope]},
            entities={"EnumvTask": [{**r, "kindB": r["kind"]} for r in REVIEWS]},
        ),
    ),
    (
        case("output values of one subgraph", "{ enumvTasks { id status } }"),
        case("output values of the other", "{ enumvTasks { id review } }"),
        case("both subgraphs' values", "{ enumvTasks { id status review history } }"),
        case("lists of values", "{ enumvTasks { history } }"),
        case("aliases", "{ enumvTasks { s: status r: review h: history } }"),
        case(
            "fragments and typename",
            "{ enumvTasks { __typename ...S ... on EnumvTask { review } } } "
            "fragment S on EnumvTask { status }",
        ),
        case("input enum literal", "{ enumvTasks(scope: MINE) { id status } }"),
        case(
            "input enum variable",
            "query($s: EnumvScope) { enumvTasks(scope: $s) { id } }",
            variables={"s": "ALL"},
        ),
        case(
            "input enum null variable",
            "query($s: EnumvScope) { enumvTasks(scope: $s) { id } }",
            variables={"s": None},
        ),
        case("input value one subgraph lacks", "{ enumvTasks(scope: TEAM) { id } }"),
        case(
            "input value one subgraph lacks, variable",
            "query($s: EnumvScope) { enumvTasks(scope: $s) { id } }",
            variables={"s": "TEAM"},
        ),
        case("input enum of the other subgraph", "{ enumvCount(scope: MINE) }"),
        case("both roots", "{ enumvCount(scope: ALL) enumvTasks(scope: ALL) { id } }"),
        case("input and output enum", "{ enumvEcho(mode: SLOW) }"),
        case(
            "input and output enum by variable",
            "query($m: EnumvMode!) { enumvEcho(mode: $m) }",
            variables={"m": "FAST"},
        ),
        case("list of input enums", "{ enumvTasks(modes: [SLOW]) { id mode } }"),
        case(
            "list of input enums by variable",
            "query($m: [EnumvMode!]) { enumvTasks(modes: $m) { id mode } }",
            variables={"m": ["FAST", "SLOW"]},
        ),
        case("unknown output-only value as input", "{ enumvEcho(mode: ARCHIVED) }"),
        case(
            "skip an enum field",
            "query($y: Boolean!) { enumvTasks { id review @skip(if: $y) status @include(if: $y) } }",
            variables={"y": True},
        ),
        case("inaccessible in one subgraph, accessible value", "{ enumvTasks { id kind } }"),
        case(
            "inaccessible in one subgraph, the other returns it",
            "{ enumvTasks { id kindB } }",
            hive_wrong=(
                "Hive nulls an enum value the API schema lacks (@inaccessible in one subgraph) "
                "without an error; the spec makes it a field error"
            ),
            errors=((unrepresentable_enum("EnumvKind"), ("enumvTasks", 1, "kindB")),),
        ),
        case(
            "introspection: union of output values",
            '{ __type(name: "EnumvStatus") { enumValues { name } } }',
        ),
        case(
            "introspection: intersection of input values",
            '{ __type(name: "EnumvScope") { enumValues { name } } }',
        ),
        case(
            "introspection: inaccessible in one subgraph",
            '{ __type(name: "EnumvKind") { name description enumValues { name } } }',
        ),
        case(
            "introspection: descriptions",
            '{ s: __type(name: "EnumvStatus") { description } '
            'm: __type(name: "EnumvMode") { description kind } }',
        ),
    ),
)
