"""Column scalars: a whole list of numbers or ids as one GraphQL value.

A bulk table sent between services (org's resident figures for every building of a region)
as `[Int!]!` costs the executor a completion step per item, which dominated the request;
a column scalar is checked and serialized in one step. The JSON is the same array either way.
Use these only for bulk, machine-read tables; ordinary lists stay typed lists.
"""

from __future__ import annotations

from typing import Any, NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

IntColumn = NewType("IntColumn", list)
IDColumn = NewType("IDColumn", list)


def _ints(value: list[Any]) -> list[int]:
    if not all(type(item) is int for item in value):
        raise TypeError("IntColumn: every item must be an integer")
    return value


def _ids(value: list[Any]) -> list[str]:
    return [str(item) for item in value]


def _output_only(value: Any) -> Any:
    raise ValueError("column scalars are output only")


# Register with StrawberryConfig(scalar_map=...) in each schema that uses them.
SCALARS: dict[object, ScalarDefinition] = {
    IntColumn: strawberry.scalar(
        name="IntColumn",
        description="A column of integers (a JSON array), one per row of its table.",
        serialize=_ints,
        parse_value=_output_only,
    ),
    IDColumn: strawberry.scalar(
        name="IDColumn",
        description="A column of ids (a JSON array of strings), one per row of its table.",
        serialize=_ids,
        parse_value=_output_only,
    ),
}
