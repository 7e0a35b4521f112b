"""Field collection (GraphQL spec, "CollectFields") with fragments expanded.

The planner and the response shaper both need the fields a selection asks of one concrete
object type: fragments spread and inlined, type conditions applied, `@skip`/`@include`
evaluated. Conditions are decided from the request's variables before planning, and a plan is
cached per combination of their values (see `condition_key`), so subgraphs never see `@skip`
or `@include` and field merging is exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    is_abstract_type,
)

FieldGroups = dict[str, list[FieldNode]]
"""Response key -> the field nodes merged under it, in the order the client wrote them."""


def _condition(directive: Any, variables: Mapping[str, Any]) -> bool:
    value = directive.arguments[0].value if directive.arguments else None
    if isinstance(value, VariableNode):
        return bool(variables.get(value.name.value))
    return isinstance(value, BooleanValueNode) and value.value


def included(node: Any, variables: Mapping[str, Any]) -> bool:
    """Whether `@skip`/`@include` on `node` keep it, given the request's variables."""
    for directive in node.directives or ():
        name = directive.name.value
        if name == "skip" and _condition(directive, variables):
            return False
        if name == "include" and not _condition(directive, variables):
            return False
    return True


def type_applies(schema: GraphQLSchema, condition: str | None, runtime: GraphQLObjectType) -> bool:
    """Whether a fragment on `condition` applies to objects of type `runtime`."""
    if condition is None or condition == runtime.name:
        return True
    conditional = schema.get_type(condition)
    if conditional is None or not is_abstract_type(conditional):
        return False
    return schema.is_sub_type(conditional, runtime)


def collect_fields(
    schema: GraphQLSchema,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    runtime: GraphQLObjectType,
    selection_sets: Iterable[SelectionSetNode],
) -> FieldGroups:
    """The fields `selection_sets` select on objects of type `runtime`, grouped by response key."""
    groups: FieldGroups = {}
    for selection_set in selection_sets:
        _collect(schema, fragments, variables, runtime, selection_set, groups, set())
    return groups


def _collect(  # noqa: PLR0913 -- the recursion of collect_fields: its inputs passed down unchanged
    schema: GraphQLSchema,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    runtime: GraphQLObjectType,
    selection_set: SelectionSetNode,
    groups: FieldGroups,
    visited: set[str],
) -> None:
    for selection in selection_set.selections:
        if not included(selection, variables):
            continue
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            groups.setdefault(key, []).append(selection)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else None
            if type_applies(schema, condition, runtime):
                _collect(
                    schema, fragments, variables, runtime, selection.selection_set, groups, visited
                )
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if name in visited or fragment is None:
                continue
            visited.add(name)
            if type_applies(schema, fragment.type_condition.name.value, runtime):
                _collect(
                    schema, fragments, variables, runtime, fragment.selection_set, groups, visited
                )


def sub_selections(nodes: Iterable[FieldNode]) -> list[SelectionSetNode]:
    """The selection sets of field nodes merged under one response key."""
    return [n.selection_set for n in nodes if n.selection_set is not None]


def condition_variables(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> tuple[str, ...]:
    """Names of the variables `@skip`/`@include` read anywhere in the operation."""
    found: set[str] = set()
    seen: set[str] = set()
    stack: list[SelectionSetNode] = [operation.selection_set]
    while stack:
        selection_set = stack.pop()
        for selection in selection_set.selections:
            found.update(_condition_names(selection))
            inner = _inner_selection_set(selection, fragments, seen)
            if inner is not None:
                stack.append(inner)
    return tuple(sorted(found))


def _condition_names(selection: SelectionNode) -> Iterator[str]:
    """The variables of `selection`'s own `@skip`/`@include`."""
    for directive in selection.directives or ():
        if directive.name.value in ("skip", "include"):
            for argument in directive.arguments or ():
                if isinstance(argument.value, VariableNode):
                    yield argument.value.name.value


def _inner_selection_set(
    selection: SelectionNode, fragments: Mapping[str, FragmentDefinitionNode], seen: set[str]
) -> SelectionSetNode | None:
    """What `selection` selects under it; a named fragment only the first time (`seen`)."""
    if isinstance(selection, FragmentSpreadNode):
        name = selection.name.value
        if name in seen or name not in fragments:
            return None
        seen.add(name)
        return fragments[name].selection_set
    if isinstance(selection, FieldNode | InlineFragmentNode):
        return selection.selection_set
    return None


def condition_key(names: tuple[str, ...], variables: Mapping[str, Any]) -> tuple[bool, ...]:
    """The values of the condition variables: the part of a plan's cache key they decide."""
    return tuple(bool(variables.get(name)) for name in names)
