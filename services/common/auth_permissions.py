"""Write permissions for mutations: the caller's role, and the places the arguments name.

`write_permission(...)` makes a Strawberry permission class for a subgraph's mutations. It
refuses (ForbiddenError, nothing written) a caller whose role may not write here, or whose
scope does not cover a community the mutation names: directly (`community_code` arguments or
input fields) or through the ids it is given (each looked up in its table's
`community_code`). Malformed codes, unknown communities and unknown ids pass: they name
nothing, and the domain refuses them with its own typed error (NOT_FOUND, INVALID).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Column, Table, select
from strawberry.permission import BasePermission
from strawberry.types import Info

from services.common.auth import Role, caller, is_region_code, require_role, require_scope

IdTables = Mapping[str, Table]  # argument or input field name (snake_case) -> its table


def _ids(value: Any) -> list[uuid.UUID]:
    values = value if isinstance(value, list | tuple) else [value]
    found = []
    for item in values:
        try:
            found.append(uuid.UUID(str(item)))
        except ValueError:
            continue  # malformed: the domain says so
    return found


def _named(kwargs: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    """Arguments, with the fields of input objects flattened in."""
    for name, value in kwargs.items():
        if value is None:
            continue
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            for field in dataclasses.fields(value):
                inner = getattr(value, field.name)
                if inner is not None:
                    yield field.name, inner
        else:
            yield name, value


async def communities_named(
    info: Info,
    kwargs: Mapping[str, Any],
    tables: IdTables,
    id_tables: Mapping[str, Table],
    communities: Column,
) -> list[str]:
    """Known community codes a mutation's arguments name. `tables` maps argument names to
    tables; `id_tables` maps a mutation (field name) to the table of its plain `id`
    argument; `communities` is the column of this subgraph's known community codes."""
    codes: list[str] = []
    lookups: dict[Table, list[uuid.UUID]] = {}
    for name, value in _named(kwargs):
        if name == "community_code" and isinstance(value, str):
            if is_region_code(value):
                codes.append(value)
            continue
        table = id_tables.get(info.field_name) if name == "id" else tables.get(name)
        if table is not None:
            lookups.setdefault(table, []).extend(_ids(value))
    lookups = {table: ids for table, ids in lookups.items() if ids}
    if codes or lookups:
        async with info.context["engine"].connect() as conn:
            if codes:
                known = await conn.execute(select(communities).where(communities.in_(codes)))
                codes = [row[0] for row in known]
            for table, ids in lookups.items():
                rows = await conn.execute(
                    select(table.c.community_code).where(table.c.id.in_(ids)).distinct()
                )
                codes += [row[0] for row in rows]
    return codes


def write_permission(
    roles: frozenset[Role],
    *,
    what_en: str,
    tables: IdTables,
    communities: Column,
    id_tables: Mapping[str, Table] | None = None,
) -> type[BasePermission]:
    """A permission class for the mutations of one subgraph (see the module docstring)."""
    id_tables = id_tables or {}

    class MayWrite(BasePermission):
        message = "Forbidden."

        async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            identity = caller(info)
            require_role(identity, roles, what_en=what_en)
            for code in await communities_named(info, kwargs, tables, id_tables, communities):
                require_scope(identity, code)
            return True

    return MayWrite
