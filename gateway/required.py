"""The top-level fields of a `@requires` field set, as the planner selects them."""

from __future__ import annotations

from graphql import (
    FieldNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
)

from gateway.plan import PlanningError


def required_fields(
    schema: GraphQLSchema, type_name: str, field: str, fields: SelectionSetNode
) -> list[FieldNode]:
    """The fields `type_name.field`'s `@requires` asks at the top level: `__typename` left
    out (every representation carries it), an inline fragment on `type_name` itself (or an
    interface it implements) flattened into its fields; any other fragment is refused."""
    found: list[FieldNode] = []
    for node in fields.selections:
        if isinstance(node, FieldNode):
            if node.name.value != "__typename":
                found.append(node)
            continue
        condition = (
            node.type_condition.name.value
            if isinstance(node, InlineFragmentNode) and node.type_condition
            else type_name
        )
        if (
            not isinstance(node, InlineFragmentNode)
            or node.directives
            or not _applies(schema, type_name, condition)
        ):
            raise PlanningError(
                f"Cannot plan {type_name}.{field}: its @requires has a fragment (on "
                f"{condition}) that is not an unconditional inline fragment on {type_name} "
                "or an interface it implements."
            )
        found.extend(required_fields(schema, type_name, field, node.selection_set))
    return found


def _applies(schema: GraphQLSchema, type_name: str, condition: str) -> bool:
    if condition == type_name:
        return True
    named = schema.get_type(type_name)
    return isinstance(named, GraphQLObjectType) and any(
        i.name == condition for i in named.interfaces
    )
