"""Region and community codes, parsed once at the GraphQL edge, before any scope check.

A scope check compares codes by prefix, so a code that is not exactly a 6-, 9- or 12-digit
ASCII 区划代码 ("", "4", "410104%", " 410104", full-width digits) would widen a query rather
than narrow it. `ParseRegionCodes`, a schema extension of every subgraph, parses every
argument and input field named like a code (`code`, `regionCode`, `communityCodes`...; see
`is_code_name`) before the field's permission or resolver runs, and refuses anything else
with one typed INVALID error. Nothing is normalised: a code is taken exactly as given, or
refused. New fields with such an argument are covered without further work.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NewType

from graphql import (
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLResolveInfo,
)
from strawberry.extensions import SchemaExtension

from services.common.auth import REGION_CODE_LENGTHS, is_region_code
from services.common.errors import invalid

RegionCode = NewType("RegionCode", str)  # a parsed 6-, 9- or 12-digit code

# Arguments and input fields that carry a region or community code: `code`, or a name that
# ends in Code(s). The few codes that are not places are listed here.
_CODE_NAME = re.compile(r"^(code|[a-z][A-Za-z]*Code)s?$")
NOT_REGION_CODES = frozenset({"indicatorCode", "indicatorCodes"})
# A name saying which level it wants allows only that level's length.
_LEVELS = (("district", (6,)), ("street", (9,)), ("community", (12,)))


def is_code_name(name: str) -> bool:
    """Whether an argument or input field named `name` (GraphQL spelling) carries a code."""
    return name not in NOT_REGION_CODES and _CODE_NAME.match(name) is not None


def lengths_for(name: str) -> tuple[int, ...]:
    for prefix, lengths in _LEVELS:
        if name.startswith(prefix):
            return lengths
    return REGION_CODE_LENGTHS


def parse_region_code(
    value: object, field: str | list[str], lengths: tuple[int, ...] = REGION_CODE_LENGTHS
) -> RegionCode:
    """`value` as a code of one of `lengths`, exactly as given; DomainError INVALID else."""
    if isinstance(value, str) and is_region_code(value) and len(value) in lengths:
        return RegionCode(value)
    digits = "、".join(str(n) for n in lengths)
    name = field if isinstance(field, str) else ".".join(field)
    raise invalid(
        # The field is named in extensions.field; the Chinese reads without its key.
        f"区划代码格式不正确：须为{digits}位半角数字，不得含空格或其他字符",
        f"{name}: a region code must be exactly {' or '.join(map(str, lengths))} ASCII digits.",
        field,
    )


def _strip(type_: Any) -> Any:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _carries_codes(type_: GraphQLInputType, name: str, seen: set[str]) -> bool:
    inner = _strip(type_)
    if isinstance(inner, GraphQLInputObjectType):
        if inner.name in seen:
            return False
        seen.add(inner.name)
        return any(_carries_codes(f.type, n, seen) for n, f in inner.fields.items())
    return is_code_name(name)


def _parse(value: Any, type_: Any, name: str, path: list[str]) -> Any:
    """`value` of GraphQL input type `type_` with every code in it parsed (raises else)."""
    if value is None:
        return None
    if isinstance(type_, GraphQLNonNull):
        return _parse(value, type_.of_type, name, path)
    if isinstance(type_, GraphQLList):
        if not isinstance(value, list):
            return _parse(value, type_.of_type, name, path)
        return [_parse(v, type_.of_type, name, [*path, str(i)]) for i, v in enumerate(value)]
    if isinstance(type_, GraphQLInputObjectType):
        if not isinstance(value, dict):
            return value
        return {
            key: _parse(v, type_.fields[key].type, key, [*path, key]) if key in type_.fields else v
            for key, v in value.items()
        }
    if is_code_name(name):
        return parse_region_code(value, path, lengths_for(name))
    return value


# Which fields take a code somewhere in their arguments (computed once per field).
_TAKES_CODES: dict[int, tuple[GraphQLField, bool]] = {}


def _takes_codes(field: GraphQLField) -> bool:
    known = _TAKES_CODES.get(id(field))
    if known is not None and known[0] is field:
        return known[1]
    found = any(_carries_codes(a.type, n, set()) for n, a in field.args.items())
    _TAKES_CODES[id(field)] = (field, found)
    return found


def parse_arguments(info: GraphQLResolveInfo, kwargs: dict[str, Any]) -> dict[str, Any]:
    """A field's arguments with every code parsed; DomainError INVALID at the first bad one."""
    field = info.parent_type.fields[info.field_name]
    if not kwargs or not _takes_codes(field):
        return kwargs
    return {
        name: _parse(value, field.args[name].type, name, [name]) if name in field.args else value
        for name, value in kwargs.items()
    }


class ParseRegionCodes(SchemaExtension):
    """Parses the codes of every field's arguments before its permissions and resolver run
    (the masking extension turns the DomainError into a typed INVALID error)."""

    def resolve(
        self, _next: Callable, root: Any, info: GraphQLResolveInfo, *args: Any, **kwargs: Any
    ) -> Any:
        if kwargs:
            kwargs = parse_arguments(info, kwargs)
        return _next(root, info, *args, **kwargs)
