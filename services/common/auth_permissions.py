"""Write permissions for mutations: the caller's role, and the places the arguments name.

`write_permission(...)` makes a Strawberry permission class for a subgraph's mutations. It
refuses (ForbiddenError, nothing written) a caller whose role may not write here, or whose
scope does not cover a community a `community_code` argument or input field names. Unknown
communities pass: they name nothing, and the domain refuses them (NOT_FOUND).

Ids are the business of `HideForeignIds`, a schema extension that runs before the
permission: an id whose row lies outside the caller's scope is swapped for a fresh id that
names nothing, so the mutation answers exactly as it does for an unknown id (the domain's
NOT_FOUND, with the id as the caller gave it), and never tells which community it is in.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from graphql import GraphQLResolveInfo
from sqlalchemy import Column, Table, select
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission
from strawberry.types import Info
from strawberry.utils.await_maybe import await_maybe
from strawberry.utils.str_converters import to_snake_case

from services.common.auth import Role, caller, is_region_code, require_role, require_scope
from services.common.context import SubgraphContext

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
    info: Info, kwargs: Mapping[str, Any], communities: Column
) -> list[str]:
    """Known community codes a mutation's `community_code` arguments or input fields name;
    `communities` is the column of this subgraph's known community codes."""
    codes = [
        value
        for name, value in _named(kwargs)
        if name == "community_code" and isinstance(value, str) and is_region_code(value)
    ]
    if not codes:
        return []
    async with _engine(info).connect() as conn:
        known = await conn.execute(select(communities).where(communities.in_(codes)))
        return [row[0] for row in known]


def write_permission(
    roles: frozenset[Role],
    *,
    what_zh: str,
    what_en: str,
    tables: IdTables,
    communities: Column,
    id_tables: Mapping[str, Table] | None = None,
) -> type[BasePermission]:
    """A permission class for the mutations of one subgraph (see the module docstring).
    `tables` maps argument and input field names (snake_case) to the table of the ids they
    carry, `id_tables` a mutation (GraphQL field name) to the table of its plain `id`: both
    are read by `HideForeignIds`."""

    class MayWrite(BasePermission):
        message = "Forbidden."
        writers: frozenset[Role] = roles  # who may write (the console shows forms by it)
        id_columns: IdTables = tables
        plain_ids: Mapping[str, Table] = id_tables or {}

        async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            identity = caller(info)
            require_role(identity, roles, what_zh=what_zh, what_en=what_en)
            for code in await communities_named(info, kwargs, communities):
                require_scope(identity, code)
            return True

    return MayWrite


# -- ids outside the caller's scope look like unknown ones --------------------------------


def _guard(info: GraphQLResolveInfo) -> Any:
    """The write permission of a root mutation, if it has one."""
    if info.path.prev is not None or info.parent_type is not info.schema.mutation_type:
        return None
    field = info.parent_type.fields[info.field_name]
    definition = field.extensions.get("strawberry-definition")
    for permission in getattr(definition, "permission_classes", None) or ():
        if hasattr(permission, "id_columns"):
            return permission
    return None


def _id_slots(value: Any, table: Table | None, tables: IdTables, found: list) -> None:
    """Collect (table, id text) for every id in a raw argument value (GraphQL spelling)."""
    if isinstance(value, list):
        for item in value:
            _id_slots(item, table, tables, found)
    elif isinstance(value, dict):
        for key, inner in value.items():
            _id_slots(inner, tables.get(to_snake_case(key)), tables, found)
    elif isinstance(value, str) and table is not None:
        found.append((table, value))


def _swap(value: Any, table: Table | None, tables: IdTables, fresh: Mapping[str, str]) -> Any:
    if isinstance(value, list):
        return [_swap(item, table, tables, fresh) for item in value]
    if isinstance(value, dict):
        return {k: _swap(v, tables.get(to_snake_case(k)), tables, fresh) for k, v in value.items()}
    if isinstance(value, str) and table is not None:
        return fresh.get(value, value)
    return value


def _engine(info: Info | GraphQLResolveInfo) -> AsyncEngine:
    """The request's database engine (every subgraph's context is a SubgraphContext)."""
    context = info.context
    assert isinstance(context, SubgraphContext)
    return context.engine


async def _foreign(info: GraphQLResolveInfo, slots: list[tuple[Table, str]]) -> set[str]:
    """The ids (as given) whose rows lie outside the caller's scope."""
    wanted: dict[Table, dict[uuid.UUID, list[str]]] = {}
    for table, text in slots:
        for key in _ids(text):
            wanted.setdefault(table, {}).setdefault(key, []).append(text)
    if not wanted:
        return set()
    identity = caller(info)
    foreign: set[str] = set()
    async with _engine(info).connect() as conn:
        for table, keys in wanted.items():
            rows = await conn.execute(
                select(table.c.id, table.c.community_code).where(table.c.id.in_(list(keys)))
            )
            for key, community_code in rows:
                if not identity.covers(community_code):
                    foreign.update(keys[key])
    return foreign


def _restore(result: Any, fresh: Mapping[str, str]) -> Any:
    """Put the ids the caller gave back into the refusal's text (it names the fresh ones)."""
    for error in getattr(result, "errors", None) or ():
        for attribute in ("message", "message_en"):
            text = getattr(error, attribute, None)
            if isinstance(text, str):
                for given, swapped in fresh.items():
                    text = text.replace(swapped, given)
                setattr(error, attribute, text)
    return result


class HideForeignIds(SchemaExtension):
    """Swaps ids outside the caller's scope for ids that name nothing, before a mutation's
    write permission and resolver run (see the module docstring)."""

    def resolve(
        self, _next: Callable, root: Any, info: GraphQLResolveInfo, *args: Any, **kwargs: Any
    ) -> Any:
        guard = _guard(info) if kwargs else None
        if guard is None:
            return _next(root, info, *args, **kwargs)
        return self._hidden(guard, _next, root, info, args, kwargs)

    async def _hidden(
        self,
        guard: Any,
        _next: Callable,
        root: Any,
        info: GraphQLResolveInfo,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        tables = guard.id_columns
        plain = guard.plain_ids.get(info.field_name)
        slots: list[tuple[Table, str]] = []
        for name, value in kwargs.items():
            table = plain if name == "id" and plain is not None else tables.get(to_snake_case(name))
            _id_slots(value, table, tables, slots)
        foreign = await _foreign(info, slots)
        if not foreign:
            return await await_maybe(_next(root, info, *args, **kwargs))
        # A fresh id in the form the caller used, so the domain's message reads the same.
        fresh = {given: _fresh_like(given) for given in foreign}
        swapped = {
            name: _swap(
                value,
                plain if name == "id" and plain is not None else tables.get(to_snake_case(name)),
                tables,
                fresh,
            )
            for name, value in kwargs.items()
        }
        return _restore(await await_maybe(_next(root, info, *args, **swapped)), fresh)


def _fresh_like(given: str) -> str:
    text = str(uuid.uuid4())
    return text.upper() if given.isupper() else text
