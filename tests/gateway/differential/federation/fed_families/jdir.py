"""@composeDirective, @join__directive and @tag: what the pinned composer writes for them, and
that the gateway starts, serves, and keeps in its API schema exactly what belongs there.

A composed directive (`@composeDirective` of a `@link`ed custom spec) is kept in the supergraph
with its definition; the API schema keeps the definition (introspection lists it), `@tag` and the
`join__`/`link__` machinery are hidden.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from fed_model import Family, FixtureSubgraph
from fed_model import case as _case

case = partial(_case, "jdir")

THINGS: list[dict[str, Any]] = [
    {"__typename": "JdirThing", "id": "j1", "name": "one", "size": 1},
    {"__typename": "JdirThing", "id": "j2", "name": None, "size": 2},
]

INCLUDE = (
    "Directs the executor to include this field or fragment only when the `if` argument is true."
)
SKIP = "Directs the executor to skip this field or fragment when the `if` argument is true."
DEPRECATED = "Marks an element of a GraphQL schema as no longer supported."
SPECIFIED_BY = "Exposes a URL that specifies the behavior of this scalar."
ONE_OF = "Indicates exactly one field must be supplied and this field must not be `null`."


def _directive(name: str, locations: list[str], **args: str | None) -> dict[str, Any]:
    """One `__schema.directives` entry (`if_` stands for the argument `if`)."""
    return {
        "name": name,
        "isRepeatable": False,
        "locations": locations,
        "args": [{"name": k.rstrip("_"), "defaultValue": v} for k, v in args.items()],
    }


FAMILY = Family(
    "jdir",
    (
        FixtureSubgraph(
            "jdir_a",
            """
            extend schema
              @link(url: "https://partygrid.test/jdiraudit/v1.0", import: ["@jdirAudit"])
              @composeDirective(name: "@jdirAudit")
            "Who may see a field: kept in the API schema by @composeDirective."
            directive @jdirAudit(level: Int = 1, note: String) on FIELD_DEFINITION | OBJECT
            type Query {
              jdirThings: [JdirThing!]! @tag(name: "public") @jdirAudit(level: 3)
              jdirThing(id: ID! @tag(name: "arg")): JdirThing
            }
            type JdirThing @key(fields: "id") @jdirAudit(note: "thing") @tag(name: "thing") {
              id: ID!
              name: String @jdirAudit(level: 2) @tag(name: "name")
              size: Int @tag(name: "internal")
            }
            enum JdirKind @tag(name: "kind") { BIG @tag(name: "big") SMALL }
            """,
            roots={
                "jdirThings": THINGS,
                "jdirThing": lambda _p, id: next((t for t in THINGS if t["id"] == id), None),
            },
            entities={"JdirThing": THINGS},
        ),
        FixtureSubgraph(
            "jdir_b",
            """
            extend schema
              @link(url: "https://partygrid.test/jdiraudit/v1.0", import: ["@jdirAudit"])
              @composeDirective(name: "@jdirAudit")
            "Who may see a field: kept in the API schema by @composeDirective."
            directive @jdirAudit(level: Int = 1, note: String) on FIELD_DEFINITION | OBJECT
            type JdirThing @key(fields: "id") {
              id: ID!
              kind: JdirKind @jdirAudit(level: 5)
              owner: String @tag(name: "owner")
            }
            enum JdirKind @tag(name: "kind") { BIG @tag(name: "big") SMALL }
            """,
            entities={
                "JdirThing": [
                    {"id": "j1", "kind": "BIG", "owner": "Ann"},
                    {"id": "j2", "kind": None, "owner": None},
                ]
            },
        ),
    ),
    (
        case("serves fields with composed directives", "{ jdirThings { id name size } }"),
        case("across subgraphs", "{ jdirThings { name kind owner } }"),
        case("one by id", '{ jdirThing(id: "j2") { __typename id kind owner } }'),
        case(
            "introspection: the directives",
            "{ __schema { directives { name isRepeatable locations args { name defaultValue } } } }",
            hive_wrong=(
                "Hive's introspection lists @tag, which the API schema does not have (the pinned "
                "composer's own publicSdl drops it: tag is federation machinery, like join)"
            ),
            errors=(),
            # Every family is in one supergraph: a family that composes a directive adds to it.
            data={
                "__schema": {
                    "directives": [
                        _directive(
                            "include", ["FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT"], if_=None
                        ),
                        _directive(
                            "skip", ["FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT"], if_=None
                        ),
                        _directive(
                            "deprecated",
                            [
                                "FIELD_DEFINITION",
                                "ARGUMENT_DEFINITION",
                                "INPUT_FIELD_DEFINITION",
                                "ENUM_VALUE",
                                "DIRECTIVE_DEFINITION",
                            ],
                            reason='"No longer supported"',
                        ),
                        _directive("specifiedBy", ["SCALAR"], url=None),
                        _directive("oneOf", ["INPUT_OBJECT"]),
                        _directive(
                            "jdirAudit", ["FIELD_DEFINITION", "OBJECT"], level="1", note=None
                        ),
                    ]
                }
            },
        ),
        case(
            "introspection: the composed directive's description",
            "{ __schema { directives { name description } } }",
            hive_wrong="Hive lists @tag (see the directives case)",
            errors=(),
            data={
                "__schema": {
                    "directives": [
                        {"name": "include", "description": INCLUDE},
                        {"name": "skip", "description": SKIP},
                        {"name": "deprecated", "description": DEPRECATED},
                        {"name": "specifiedBy", "description": SPECIFIED_BY},
                        {"name": "oneOf", "description": ONE_OF},
                        {"name": "jdirAudit", "description": None},
                    ]
                }
            },
        ),
        case(
            "introspection: tagged type",
            '{ __type(name: "JdirThing") { name fields { name args { name } } } }',
        ),
        case(
            "introspection: tagged enum",
            '{ __type(name: "JdirKind") { enumValues { name } } }',
        ),
        case("introspection: no tag type", '{ __type(name: "tag__Import") { name } }'),
        case("introspection: no join types", '{ __type(name: "join__Graph") { name } }'),
        case("introspection: no link types", '{ __type(name: "link__Purpose") { name } }'),
        case("a directive clients may not use", "{ jdirThings @jdirAudit { id } }"),
    ),
)
