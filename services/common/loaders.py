"""DataLoaders over a database engine: one query per batch of keys, per request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

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


class Loaders:
    """Per-request loaders, created lazily by name so unused ones cost nothing."""

    def __init__(self, engine: AsyncEngine, queries: dict[str, BatchQuery]) -> None:
        self._engine = engine
        self._queries = queries
        self._loaders: dict[str, DataLoader] = {}

    def __getattr__(self, name: str) -> DataLoader:
        try:
            query = self._queries[name]
        except KeyError:
            raise AttributeError(name) from None
        if name not in self._loaders:
            self._loaders[name] = db_loader(self._engine, query)
        return self._loaders[name]
