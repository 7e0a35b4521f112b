"""Boolean query flags (`check`, `partial`) of the import routes, read one way everywhere.

`once` (services/common/import_once.py) must see a check exactly when the route does: a
check stores no answer under its Idempotency-Key, so the real import with that key runs.
"""

from __future__ import annotations

from collections.abc import Mapping

TRUE = frozenset({"true", "1", "yes"})


def flag(params: Mapping[str, str], name: str) -> bool:
    """Whether query parameter `name` is set (`true`, `1` or `yes`, any case)."""
    return params.get(name, "").strip().lower() in TRUE
