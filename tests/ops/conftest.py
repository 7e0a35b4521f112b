"""The operations tests run their own clusters and the CLI on them: none of the operator's
settings that would point a restore, a backup or a deletion at something real reaches them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

OPERATORS = (
    "DATABASE_URL",
    "PARTYGRID_BACKUP_REPO",
    "PARTYGRID_BACKUP_CIPHER_PASS",
    "PARTYGRID_ACCESS_TOKEN_KEY",
)


@pytest.fixture(scope="module", autouse=True)
def _none_of_the_operators_settings() -> Iterator[None]:
    # Module scope, autouse: set before the modules' own clusters are made, put back after.
    with pytest.MonkeyPatch.context() as env:
        for name in OPERATORS:
            env.delenv(name, raising=False)
        yield
