"""The own suites of tests/ops run with the product's durability settings, apart from the
session's shared test cluster (which has them off, for speed)."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from own_suite import OwnDatabase, ops_settings, own_database, own_services

from infra.demo.model import Demo
from stack import Running


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OwnDatabase, Running]]:
    logs = tmp_path_factory.mktemp("logs")
    with own_database(ops_settings("smoke")) as own_db, own_services(own_db, logs) as running:
        yield own_db, running


def test_an_own_suite_keeps_every_acknowledged_commit(own: tuple[OwnDatabase, Running]) -> None:
    own_db, _ = own
    settings = {}
    with psycopg.connect(own_db.cluster.conninfo(database=own_db.settings.db_name)) as conn:
        for name in ("fsync", "synchronous_commit", "full_page_writes", "data_checksums"):
            row = conn.execute(f"SHOW {name}").fetchone()
            assert row is not None
            settings[name] = row[0]
    assert settings == {
        "fsync": "on",
        "synchronous_commit": "on",
        "full_page_writes": "on",
        "data_checksums": "on",
    }


def test_an_own_suite_answers_through_its_gateway(
    own: tuple[OwnDatabase, Running], demo: Demo
) -> None:
    _, running = own
    answer = running.post(running.gateway, '{ communities(regionCode: "410104") { code } }')
    assert "errors" not in answer, answer
    assert len(answer["data"]["communities"]) == len(demo.communities)  # the demo district
