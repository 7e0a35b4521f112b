"""The top-level fields of a `@requires` field set, as the planner selects them."""

from __future__ import annotations

from graphql import (
    FieldNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    print_ast,
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


def one_argument_set(
    seen: dict[tuple[str, ...], str], at: tuple[str, ...], where: str, fields: SelectionSetNode
) -> None:
    """Record the arguments each nested field of a required field set is asked with at `at`
    (`seen`: the builder's record); refuse a second set: inside an object the
    representation carries the subgraph's answer under the field's own name, one value."""
    for node in fields.selections:
        if isinstance(node, InlineFragmentNode):
            one_argument_set(seen, at, where, node.selection_set)
        elif isinstance(node, FieldNode):
            name = node.name.value
            arguments = _arguments(node)
            known = seen.setdefault((*at, name), arguments)
            if known != arguments:
                raise PlanningError(
                    f"Cannot plan {where}.{name}: field sets ask it with different arguments "
                    f"({known or 'none'} and {arguments or 'none'}) inside one object, and a "
                    "representation carries one value."
                )
            if node.selection_set is not None:
                one_argument_set(seen, (*at, name), f"{where}.{name}", node.selection_set)


def _arguments(node: FieldNode) -> str:
    if not node.arguments:
        return ""
    return "(" + ", ".join(print_ast(a) for a in node.arguments) + ")"
