"""DataLoaders over a database engine: one query per batch of keys, per request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar, overload

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from strawberry.dataloader import DataLoader

K = TypeVar("K", bound=Hashable)
BatchQuery = Callable[[AsyncConnection, Sequence[Any]], Awaitable[list[Any]]]


def db_loader(engine: AsyncEngine, query: BatchQuery) -> DataLoader:
    """A DataLoader whose batch function runs `query(conn, keys)` on its own connection.

    `query` returns one result per key, in the keys' order (None or [] when absent).
    """

    async def load(keys: list[Any]) -> list[Any]:
        async with engine.connect() as conn:
            return await query(conn, keys)

    return DataLoader(load_fn=load)


V = TypeVar("V")


class LoaderSet:
    """Per-request DataLoaders, declared as `name = loader(batch_query)` on a subclass.

    Each is made on first use (unused ones cost nothing) and typed from its batch query, so
    a resolver's `info.context.loaders.member` is a `DataLoader[uuid.UUID, Member | None]`.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._made: dict[str, DataLoader[Any, Any]] = {}


class loader(Generic[K, V]):  # noqa: N801 -- used like a field declaration
    """A descriptor on a `LoaderSet`: the request's DataLoader over one batch query."""

    def __init__(self, query: Callable[[AsyncConnection, Sequence[K]], Awaitable[list[V]]]):
        self._query = query
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, obj: None, owner: type) -> loader[K, V]: ...
    @overload
    def __get__(self, obj: LoaderSet, owner: type) -> DataLoader[K, V]: ...
    def __get__(self, obj: LoaderSet | None, owner: type) -> loader[K, V] | DataLoader[K, V]:
        if obj is None:
            return self
        made = obj._made.get(self._name)
        if made is None:
            made = obj._made[self._name] = db_loader(obj.engine, self._query)
        return made
