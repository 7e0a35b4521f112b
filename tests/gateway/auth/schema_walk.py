"""The supergraph as the gateway serves it (introspection), and requests built from it: root
fields that take a region or community code, and valid stand-in values for their other
arguments, so that a new field is swept without editing a test."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    build_client_schema,
    get_introspection_query,
    is_composite_type,
)

from services.common.auth import Identity
from stack import Running

# Names that say "code" but name no place (the sweep's own list, checked against the code's).
NOT_PLACES = frozenset({"indicatorCode"})
_CODE = re.compile(r"(?i)codes?$")


def is_place_code(name: str) -> bool:
    return _CODE.search(name) is not None and name not in NOT_PLACES


def gateway_schema(running: Running, identity: Identity) -> GraphQLSchema:
    body = running.post(running.gateway, get_introspection_query(), identity=identity)
    assert not body.get("errors"), body
    return build_client_schema(body["data"])


def _bare(type_: Any) -> Any:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


@dataclass(frozen=True)
class CodeSlot:
    """Where one code goes in a root field's arguments: `path` is (argument, input field...)."""

    operation: str  # "query" or "mutation"
    field: str
    path: tuple[str, ...]


def code_slots(schema: GraphQLSchema) -> list[CodeSlot]:
    """Every place a root query or mutation takes a code, directly or in an input object."""
    slots = []
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        for name, field in (root.fields if root else {}).items():
            for arg_name, arg in field.args.items():
                for path in _paths(arg.type, (arg_name,), set()):
                    slots.append(CodeSlot(operation, name, path))
    return slots


def _paths(type_: Any, path: tuple[str, ...], seen: set[str]) -> list[tuple[str, ...]]:
    bare = _bare(type_)
    if isinstance(bare, GraphQLInputObjectType):
        if bare.name in seen:
            return []
        seen = seen | {bare.name}
        return [p for n, f in bare.fields.items() for p in _paths(f.type, (*path, n), seen)]
    return [path] if is_place_code(path[-1]) else []


def stand_in(type_: Any, name: str, good_code: str) -> Any:
    """A valid value of `type_` for an argument or input field called `name`."""
    if isinstance(type_, GraphQLNonNull):
        return stand_in(type_.of_type, name, good_code)
    if isinstance(type_, GraphQLList):
        return [stand_in(type_.of_type, name, good_code)]
    if isinstance(type_, GraphQLInputObjectType):
        return {
            n: stand_in(f.type, n, good_code)
            for n, f in type_.fields.items()
            if isinstance(f.type, GraphQLNonNull) or _paths(f.type, (n,), set())
        }
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if is_place_code(name):
        return good_code
    return {
        "ID": str(uuid.uuid4()),
        "Int": 2026,
        "Float": 1.0,
        "Boolean": True,
        "Date": "2026-01-01",
        "DateTime": "2026-01-01T00:00:00+08:00",
    }.get(type_.name, "x")


def with_value(value: Any, path: tuple[str, ...], code: Any) -> Any:
    """`value` (a stand-in) with `code` put at `path` (lists: in their one item)."""
    if not path:
        return code
    if isinstance(value, list):
        return [with_value(value[0], path, code)]
    value = value or {}  # an optional input object the stand-in left out
    return {**value, path[0]: with_value(value.get(path[0]), path[1:], code)}


def selection(field: GraphQLField) -> str:
    return " { __typename }" if is_composite_type(_bare(field.type)) else ""


def type_text(type_: Any) -> str:
    return str(type_)
