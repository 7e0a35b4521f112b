"""The client's response shape, and the pass that cuts the merged results to it.

Subgraph results are merged as JSON into one tree that also holds the gateway's internal key
fields. The final pass walks the client's selection once: it keeps only requested fields, in
requested order, writes `__typename`, and applies GraphQL null propagation (a null in a
non-null position nulls the nearest nullable parent, with an error unless one already
explains it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FragmentDefinitionNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
    is_composite_type,
)

from gateway.collect import collect_fields, sub_selections

INTROSPECTION_ROOT_FIELDS = frozenset({"__schema", "__type"})


@dataclass(frozen=True)
class ShapeField:
    """A field of the response: key, type, and per runtime type its selected fields.

    `kind` is "field", "typename" (written by the gateway) or "raw" (introspection results,
    already shaped by graphql-core).
    """

    key: str
    name: str
    parent: str
    kind: str = "field"
    type: GraphQLOutputType | None = None
    by_type: Mapping[str, tuple[ShapeField, ...]] | None = None
    abstract: bool = False


def build_shape(
    schema: GraphQLSchema,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    runtime: GraphQLObjectType,
    selection_sets: list[SelectionSetNode],
) -> tuple[ShapeField, ...]:
    """The response shape of `selection_sets` on objects of type `runtime`."""
    shape: list[ShapeField] = []
    groups = collect_fields(schema, fragments, variables, runtime, selection_sets)
    for key, nodes in groups.items():
        name = nodes[0].name.value
        if name == "__typename":
            shape.append(ShapeField(key, name, runtime.name, kind="typename"))
            continue
        if name in INTROSPECTION_ROOT_FIELDS and runtime is schema.query_type:
            shape.append(ShapeField(key, name, runtime.name, kind="raw"))
            continue
        field_type = runtime.fields[name].type
        named = get_named_type(field_type)
        by_type = None
        if is_composite_type(named):
            subsets = sub_selections(nodes)
            if is_abstract_type(named):
                runtimes = schema.get_possible_types(named)
            else:
                assert isinstance(named, GraphQLObjectType)  # composite, not abstract
                runtimes = [named]
            by_type = {
                t.name: build_shape(schema, fragments, variables, t, subsets) for t in runtimes
            }
        shape.append(
            ShapeField(
                key,
                name,
                runtime.name,
                type=field_type,
                by_type=by_type,
                abstract=is_abstract_type(named),
            )
        )
    return tuple(shape)


def unrepresentable_enum(enum: str) -> str:
    """The error for an enum value the API schema lacks (the value itself stays hidden)."""
    return f'Enum "{enum}" cannot represent the value the subgraph returned.'


def unresolved_abstract(abstract: str, parent: str, name: str) -> str:
    """The error for an object whose type is not one of `abstract`'s (API schema) types."""
    return (
        f'Abstract type "{abstract}" must resolve to an Object type at runtime for field '
        f'"{parent}.{name}": the subgraph returned a type the API schema lacks.'
    )


_BUBBLE = object()  # "this value is an invalid null": null the nearest nullable parent

Path = tuple[Any, Any] | None  # (parent path, key): built per field, turned into a list on errors


def path_list(path: Path) -> list[Any]:
    """A linked path as the list GraphQL errors use."""
    keys: list[Any] = []
    while path is not None:
        path, key = path
        keys.append(key)
    keys.reverse()
    return keys


class Shaper:
    """Cuts a merged result tree to the client's shape; collects null-propagation errors.

    `covered` holds response paths that already have an error (re-pathed subgraph errors,
    failed fetches): a null at or under them needs no second error.
    """

    def __init__(self, *, typename_key: str, errors: list[dict[str, Any]], covered: set[tuple]):
        self.typename_key = typename_key
        self.errors = errors
        self.covered = covered

    def root(self, data: dict[str, Any], shape: tuple[ShapeField, ...], root_type: str) -> Any:
        """The response `data`: None when a non-null root field had to be nulled."""
        result = self._fields(data, shape, root_type, None)
        return None if result is _BUBBLE else result

    def _value(self, raw: Any, type_: GraphQLOutputType, field: ShapeField, path: Path) -> Any:
        if isinstance(type_, GraphQLNonNull):
            result = self._nullable(raw, type_.of_type, field, path)
            if result is None:
                self._null_error(field, path)
                return _BUBBLE
            return result
        result = self._nullable(raw, type_, field, path)
        return None if result is _BUBBLE else result

    def _nullable(self, raw: Any, type_: Any, field: ShapeField, path: Path) -> Any:
        if raw is None:
            return None
        if isinstance(type_, GraphQLList):
            if not isinstance(raw, list):
                return None
            items = []
            for index, item in enumerate(raw):
                value = self._value(item, type_.of_type, field, (path, index))
                if value is _BUBBLE:
                    return _BUBBLE
                items.append(value)
            return items
        if field.by_type is None:
            return self._leaf(raw, type_, path)
        if not isinstance(raw, dict):
            return None
        typename = raw.get(self.typename_key) if field.abstract else type_.name
        if field.abstract and typename == type_.name:
            # An interface object's subgraph returned it and no subgraph said which
            # implementation it is (graphql-js words the same failure so).
            return self._unresolved(typename, path)
        selected = field.by_type.get(typename) if isinstance(typename, str) else None
        if selected is None or not isinstance(typename, str):
            # A type the client cannot see (@inaccessible) or no typename: the abstract type
            # does not resolve to one of its possible types, a field error (spec, Value
            # Completion). The message names no hidden type.
            self._field_error(path, unresolved_abstract(type_.name, field.parent, field.name))
            return None
        return self._fields(raw, selected, typename, path)

    def _leaf(self, raw: Any, type_: Any, path: Path) -> Any:
        """Scalars and enums are already serialized by the subgraph; an enum value the API
        schema lacks (@inaccessible, or a value only a subgraph knows) must not leak."""
        # Not a string (a list or an object from a faulty subgraph): unhashable, and no value.
        if isinstance(type_, GraphQLEnumType) and (
            not isinstance(raw, str) or raw not in type_.values
        ):
            self._field_error(path, unrepresentable_enum(type_.name))
            return None
        return raw

    def _fields(
        self, raw: dict[str, Any], shape: tuple[ShapeField, ...], typename: str, path: Path
    ) -> Any:
        out: dict[str, Any] = {}
        for field in shape:
            if field.kind == "typename":
                out[field.key] = typename
            elif field.kind == "raw":
                out[field.key] = raw.get(field.key)
            else:
                assert field.type is not None  # a "field" field always has its type
                value = self._value(raw.get(field.key), field.type, field, (path, field.key))
                if value is _BUBBLE:
                    return _BUBBLE
                out[field.key] = value
        return out

    def _unresolved(self, typename: str, path: Path) -> None:
        """No subgraph told the real type of an interface value: graphql-js's words."""
        self._field_error(
            path, f'Abstract type "{typename}" was resolved to a non-object type "{typename}".'
        )

    def _field_error(self, path: Path, message: str) -> None:
        """A value the API schema cannot represent: an error here, then null (propagated);
        none when the failure that caused it is already reported at or above `path`."""
        keys = tuple(path_list(path))
        if not any(keys[:n] in self.covered for n in range(len(keys), 0, -1)):
            self.covered.add(keys)
            self.errors.append({"message": message, "path": list(keys)})

    def _null_error(self, field: ShapeField, path: Path) -> None:
        keys = tuple(path_list(path))
        if any(keys[:n] in self.covered for n in range(len(keys), 0, -1)):
            return
        self.covered.add(keys)
        self.errors.append(
            {
                "message": f"Cannot return null for non-nullable field {field.parent}.{field.name}.",
                "path": list(keys),
            }
        )
