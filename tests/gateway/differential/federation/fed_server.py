"""One ASGI app serving every family's subgraphs, each at `/<subgraph>/graphql`.

Each subgraph is a graphql-core schema built from its SDL plus the federation additions
(`_Any`, `_Entity`, `_entities`, `_service`), resolved from the family's plain data. Run by
the tests as `uvicorn fed_server:create_app --factory`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from fed_families import FAMILIES
from fed_model import FixtureSubgraph
from graphql import (
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    build_schema,
    graphql_sync,
    parse,
)
from graphql.language import ObjectTypeDefinitionNode, ObjectTypeExtensionNode
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

_DEFINITIONS = """
scalar _Any
scalar FieldSet
scalar link__Import
directive @link(url: String!, as: String, import: [link__Import]) repeatable on SCHEMA
directive @key(fields: FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @requires(fields: FieldSet!) on FIELD_DEFINITION
directive @provides(fields: FieldSet!) on FIELD_DEFINITION
directive @external on OBJECT | FIELD_DEFINITION
directive @shareable repeatable on OBJECT | FIELD_DEFINITION
directive @override(from: String!, label: String) on FIELD_DEFINITION
directive @interfaceObject on OBJECT
directive @composeDirective(name: String!) repeatable on SCHEMA
directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
type _Service { sdl: String! }
"""


def _entity_types(sdl: str) -> list[str]:
    """Object types with `@key` (interface objects included): the `_Entity` union's members."""
    names: list[str] = []
    for node in parse(sdl).definitions:
        if isinstance(node, ObjectTypeDefinitionNode | ObjectTypeExtensionNode) and any(
            d.name.value == "key" for d in node.directives or ()
        ):
            names.append(node.name.value)
    return list(dict.fromkeys(names))


def _has_query(sdl: str) -> bool:
    return any(
        isinstance(n, ObjectTypeDefinitionNode) and n.name.value == "Query"
        for n in parse(sdl).definitions
    )


class SubgraphApp:
    """One fixture subgraph: its schema and the data it resolves from."""

    def __init__(self, subgraph: FixtureSubgraph) -> None:
        self.subgraph = subgraph
        members = _entity_types(subgraph.sdl)
        additions = [_DEFINITIONS]
        if not _has_query(subgraph.sdl):
            additions.append("type Query")
        additions.append("extend type Query { _service: _Service! }")
        if members:
            additions.append(f"union _Entity = {' | '.join(members)}")
            additions.append(
                "extend type Query { _entities(representations: [_Any!]!): [_Entity]! }"
            )
        self.schema: GraphQLSchema = build_schema(
            subgraph.full_sdl + "\n" + "\n".join(additions), assume_valid_sdl=True
        )
        self.root: dict[str, Any] = {
            **subgraph.roots,
            "_service": {"sdl": subgraph.full_sdl},
            "_entities": lambda _parent, representations: [
                self.entity_or_error(r) for r in representations
            ],
        }

    def entity(self, representation: dict[str, Any]) -> dict[str, Any] | None:
        """The stored object a representation names, with what the representation carried."""
        typename = representation.get("__typename")
        stored = self.subgraph.entities.get(typename or "")
        if callable(stored):
            return stored(representation)
        for candidate in stored or ():
            shared = [k for k in representation if k != "__typename" and k in candidate]
            if shared and all(candidate[k] == representation[k] for k in shared):
                found = {k: v for k, v in representation.items() if k not in candidate}
                found.update(candidate)
                found.setdefault("__typename", typename)
                return found
        return None

    def entity_or_error(self, representation: dict[str, Any]) -> Any:
        """As `entity`, but a lookup that raises fails its own item only (graphql-core raises an
        Exception found in a list at that item's path), as a real subgraph's would."""
        try:
            return self.entity(representation)
        except GraphQLError as error:
            return error

    def execute(self, body: dict[str, Any]) -> dict[str, Any]:
        result = graphql_sync(
            self.schema,
            body.get("query") or "",
            root_value=self.root,
            variable_values=body.get("variables"),
            operation_name=body.get("operationName"),
            field_resolver=_resolve,
            type_resolver=_typename,
        )
        return result.formatted


def _resolve(parent: Any, info: GraphQLResolveInfo, **arguments: Any) -> Any:
    value = parent.get(info.field_name) if isinstance(parent, dict) else None
    if callable(value):
        return value(parent, **arguments)
    return value


def _typename(value: Any, info: GraphQLResolveInfo, abstract: Any) -> str | None:
    if isinstance(value, dict) and "__typename" in value:
        return value["__typename"]
    raise GraphQLError(f"fixture object without __typename for {abstract.name}")


def serve(subgraphs: Iterable[FixtureSubgraph]) -> Starlette:
    """An app serving `subgraphs`, each under `/<name>/graphql`, and `/ready`."""
    apps = {s.name: SubgraphApp(s) for s in subgraphs}

    async def graphql_endpoint(request: Request) -> JSONResponse:
        app = apps.get(request.path_params["name"])
        if app is None:
            return JSONResponse({"errors": [{"message": "no such subgraph"}]}, status_code=404)
        body = json.loads(await request.body())
        return JSONResponse(app.execute(body))

    async def ready(_: Request) -> JSONResponse:
        return JSONResponse(sorted(apps))

    return Starlette(
        routes=[
            Route("/{name}/graphql", graphql_endpoint, methods=["POST"]),
            Route("/ready", ready, methods=["GET"]),
        ]
    )


def create_app() -> Starlette:
    """Every family's subgraphs under `/<name>/graphql`."""
    return serve(s for family in FAMILIES for s in family.subgraphs)
