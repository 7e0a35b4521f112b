"""Relay-style cursor connections with keyset pagination (stable under inserts, no OFFSET)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

import strawberry
from sqlalchemy import ColumnElement, Select, func, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import DomainError, UserErrorCode

T = TypeVar("T")
MAX_PAGE = 200  # a page never holds more; clients page with `after`


@strawberry.federation.type(shareable=True)  # the same value type in every subgraph
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
    has_previous_page: bool = False
    start_cursor: str | None = None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of results (Relay connection).")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int = strawberry.field(description="All results, over every page.")

    @strawberry.field
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    cursors: list[str]
    has_next: bool
    total: int


EMPTY_PAGE = Page(rows=[], cursors=[], has_next=False, total=0)  # e.g. nothing in scope


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps([str(v) if not isinstance(v, int | float | str) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str, width: int) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, json.JSONDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != width:
        raise DomainError(
            UserErrorCode.INVALID, "分页游标无效", "Invalid pagination cursor", ["after"]
        )
    return values


async def fetch_page(
    conn: AsyncConnection,
    query: Select,
    *,
    keys: list[ColumnElement],
    first: int | None,
    after: str | None,
) -> Page:
    """One page of `query` ordered by `keys` (which must be unique together), after a cursor."""
    size = min(max(first if first is not None else 50, 0), MAX_PAGE)
    total = (await conn.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    ordered = query.order_by(*keys)
    if after is not None:
        values = decode_cursor(after, len(keys))
        ordered = ordered.where(
            tuple_(*keys) > tuple_(*[_literal(k, v) for k, v in zip(keys, values, strict=True)])
        )
    rows = [dict(r) for r in (await conn.execute(ordered.limit(size + 1))).mappings()]
    has_next = len(rows) > size
    rows = rows[:size]
    names = [k.key for k in keys]
    cursors = [encode_cursor([row[n] for n in names]) for row in rows]
    return Page(rows, cursors, has_next, total)


def _literal(column: ColumnElement, value: Any) -> Any:
    # Cursor values travel as JSON text; let the column's type bind them back.
    return literal(value, type_=column.type)


C = TypeVar("C", bound=Connection[Any])


@overload
def connection(page: Page, make: Any) -> Connection[Any]: ...
@overload
def connection(page: Page, make: Any, cls: type[C]) -> C: ...
def connection(page: Page, make: Any, cls: type[Connection[Any]] = Connection) -> Connection[Any]:
    """Wrap a Page into a Connection (or a named subclass, `cls`), turning each row into a
    node with `make(row)`."""
    edges = [Edge(cursor=c, node=make(r)) for c, r in zip(page.cursors, page.rows, strict=True)]
    return cls(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next, end_cursor=page.cursors[-1] if page.cursors else None
        ),
        total_count=page.total,
    )
