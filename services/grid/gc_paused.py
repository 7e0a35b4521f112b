"""Python's cyclic garbage collector held off while an import builds its rows.

Building 20,000 records (a dict, a list and a dataclass each) set off full collections that
walked every object of the process again and again: they took more than half of the time an
import spent turning a file into rows (bench/geometry_import.py). The objects made are
acyclic, so nothing waits for the collector; it runs again as usual once the block ends.
Only around synchronous code: no other coroutine runs while the collector is off.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    if not gc.isenabled():  # nested, or off for the whole process: leave it as it is
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
