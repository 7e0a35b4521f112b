"""The API schema: what clients see of the supergraph.

Clients must not see the routing machinery (`join__*`, `link__*` and the other federation
features' directives and types) nor anything marked `@inaccessible`. The gateway validates every
request against this schema, answers introspection from it and types the response shaping.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from graphql import (
    DirectiveDefinitionNode,
    DocumentNode,
    GraphQLSchema,
    NamedTypeNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    build_ast_schema,
    is_specified_directive,
)

from gateway.supergraph import Supergraph


class _Stripper:
    """Removes federation machinery and `@inaccessible` elements from supergraph AST nodes."""

    def __init__(self, supergraph: Supergraph) -> None:
        self.features = supergraph.names.features
        self.inaccessible = supergraph.names.inaccessible
        self.hidden_types = {
            name for name, info in supergraph.types.items() if info.inaccessible
        } | {name for name in supergraph.types if self.is_machinery(name)}

    def is_machinery(self, name: str) -> bool:
        """`join__type`, `link`, `inaccessible`, `join__Graph`… belong to federation."""
        return name in self.features or name.split("__", 1)[0] in self.features

    def hides(self, node: Any) -> bool:
        return any(d.name.value == self.inaccessible for d in node.directives or ())

    def directives(self, node: Any) -> tuple[Any, ...]:
        return tuple(d for d in node.directives or () if not self.is_machinery(d.name.value))

    def clean(self, node: Any) -> Any:
        """A copy of `node` without machinery directives and without hidden children."""
        changes: dict[str, Any] = {}
        if getattr(node, "directives", None) is not None:
            changes["directives"] = self.directives(node)
        for attr in ("fields", "values", "arguments"):
            children = getattr(node, attr, None)
            if children is not None:
                changes[attr] = tuple(self.clean(c) for c in children if not self.hides(c))
        for attr in ("types", "interfaces"):
            named = getattr(node, attr, None)
            if named is not None:
                changes[attr] = tuple(n for n in named if self._visible(n))
        # AST nodes are frozen dataclasses.
        return replace(node, **changes)

    def _visible(self, node: NamedTypeNode) -> bool:
        return node.name.value not in self.hidden_types


def api_document(supergraph: Supergraph) -> DocumentNode:
    """The supergraph document with federation machinery and `@inaccessible` parts removed."""
    stripper = _Stripper(supergraph)
    kept: list[Any] = []
    for node in supergraph.document.definitions:
        if isinstance(node, DirectiveDefinitionNode):
            if not stripper.is_machinery(node.name.value):
                kept.append(node)
        elif isinstance(node, TypeDefinitionNode | TypeExtensionNode):
            if node.name.value not in stripper.hidden_types:
                kept.append(stripper.clean(node))
        elif isinstance(node, SchemaDefinitionNode | SchemaExtensionNode):
            kept.append(stripper.clean(node))
    return DocumentNode(definitions=tuple(kept))


def build_api_schema(supergraph: Supergraph) -> GraphQLSchema:
    """Build the client-facing GraphQL schema of `supergraph`."""
    schema = build_ast_schema(api_document(supergraph), assume_valid_sdl=True)
    return _specified_directives_first(schema)


def _specified_directives_first(schema: GraphQLSchema) -> GraphQLSchema:
    """The built-in directives, then the composed ones (`@composeDirective`), in introspection:
    the order Hive Gateway and graphql-js schemas give."""
    custom = tuple(d for d in schema.directives if not is_specified_directive(d))
    if not custom:
        return schema
    kwargs = schema.to_kwargs()
    kwargs["directives"] = (*(d for d in schema.directives if is_specified_directive(d)), *custom)
    return GraphQLSchema(**kwargs)
