"""Fixtures of the planner and history tests: the grid database and its invariants."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from planner_api import Grid

from infra.setup import Prepared


@pytest.fixture(scope="module")
def grid(prepared: Prepared) -> Iterator[Grid]:
    g = Grid(prepared.database.service_urls["grid"])
    yield g
    g.engine.dispose()


@pytest.fixture
def untouched(grid: Grid) -> Iterator[None]:
    """The test must leave the grid as it found it (content; versions may have grown) and
    the invariants must hold afterwards."""
    before = grid.fingerprint(versions=False)
    yield
    grid.assert_invariants()
    assert grid.fingerprint(versions=False) == before
