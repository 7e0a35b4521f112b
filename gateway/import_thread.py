"""The one worker thread that does the gateway's deferred imports.

The auth subgraph's app (Strawberry, SQLAlchemy, the database driver) and the page groups
(folium, jinja2, the auth database layer again) are imported after the gateway serves, off
the event loop. They share modules, and two threads importing the same package at once can
see it half loaded, so every deferred import runs here, one after another, in the order asked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

THREAD_NAME = "partygrid-imports"
_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix=THREAD_NAME)


async def in_import_thread(work: Callable[[], T]) -> T:
    """`work()` run in the import thread, awaited without blocking the loop."""
    return await asyncio.get_running_loop().run_in_executor(_EXECUTOR, work)
