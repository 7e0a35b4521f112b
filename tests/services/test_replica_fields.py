"""Which requests a subgraph may send to its read replica (services/common/replica.py), with
each service's real schema and REPLICA_FIELDS."""

from __future__ import annotations

import importlib

import orjson
import pytest
import strawberry

from services.assess.schema import schema as assess_schema
from services.common.read_protocol import format_lsn, parse_lsn
from services.common.replica import operation_kind
from services.grid.app import GridSettings
from services.grid.schema import schema as grid_schema
from services.org.schema import schema as org_schema

SCHEMAS: dict[str, strawberry.Schema] = {
    "grid": grid_schema,
    "org": org_schema,
    "assess": assess_schema,
}


def fields_of(service: str) -> frozenset[str]:
    return importlib.import_module(f"services.{service}.replica_fields").REPLICA_FIELDS


def body(query: str, operation: str | None = None) -> bytes:
    return orjson.dumps({"query": query, "operationName": operation})


@pytest.mark.parametrize("service", sorted(SCHEMAS))
def test_every_replica_field_is_a_query_of_its_service(service: str) -> None:
    query_type = SCHEMAS[service]._schema.query_type
    assert query_type is not None
    assert fields_of(service) <= set(query_type.fields), service
    assert fields_of(service), service  # each service sends some heavy reads to its replica


@pytest.mark.parametrize("service", sorted(SCHEMAS))
def test_no_replica_field_is_a_mutation(service: str) -> None:
    mutation_type = SCHEMAS[service]._schema.mutation_type
    mutations = set(mutation_type.fields) if mutation_type else set()
    assert not fields_of(service) & mutations


GRID = fields_of("grid")


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ('{ coverage(regionCode: "410104") { buildings } }', "replica"),
        ('query Map { coverage(regionCode: "410104") { gapsGeoJSON } __typename }', "replica"),
        (
            '{ a: exportCSV(regionCode: "1", layer: ZONES) exportGeoJSON(regionCode: "1", layer: GAPS) }',
            "replica",
        ),
        # Anything else in the operation, and it all runs on the primary.
        ('{ coverage(regionCode: "410104") { buildings } zone(id: "x") { id } }', "primary"),
        ('{ zone(id: "x") { id } }', "primary"),
        ("{ __typename }", "primary"),
        ("query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }", "primary"),
        ('{ ...F } fragment F on Query { coverage(regionCode: "1") { buildings } }', "primary"),
        # A dry run is a mutation: it stays on the primary, and its author gets a token.
        (
            'mutation { redrawZone(zoneId: "z", boundary: {}, expectedVersion: 1, dryRun: true) { currentVersion } }',
            "write",
        ),
        ("not graphql", "primary"),
    ],
)
def test_a_query_of_replica_fields_only_goes_to_the_replica(query: str, kind: str) -> None:
    assert operation_kind(body(query), GRID) == kind


def test_the_named_operation_decides() -> None:
    document = 'query A { coverage(regionCode: "1") { buildings } } mutation B { undoLatest(communityCode: "1") { currentVersion } }'
    assert operation_kind(body(document, "A"), GRID) == "replica"
    assert operation_kind(body(document, "B"), GRID) == "write"
    assert operation_kind(body(document), GRID) == "primary"  # ambiguous: not ours to pick


def test_unreadable_bodies_stay_on_the_primary() -> None:
    for raw in (b"", b"[]", b'{"query": 5}', b'{"variables": {}}'):
        assert operation_kind(raw, GRID) == "primary"


def test_wal_positions_read_and_write_alike() -> None:
    for text in ("0/0", "0/1A2B3C4", "16/B374D848", "FFFFFFFF/FFFFFFFF"):
        value = parse_lsn(text)
        assert value is not None and format_lsn(value) == text
    assert parse_lsn("16/B374D848") > parse_lsn("0/FFFFFFFF")  # type: ignore[operator]
    for bad in (None, "", "1A2B", "0/", "/1", "0/123456789", "x/1", "0/1;drop"):
        assert parse_lsn(bad) is None


def test_a_service_reads_its_replica_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTYGRID_GRID_READ_DATABASE_URL", "postgresql+psycopg://r@/p")
    monkeypatch.setenv("PARTYGRID_GRID_READ_MAX_LAG_SECONDS", "5")
    settings = GridSettings()
    assert settings.read_database_url == "postgresql+psycopg://r@/p"
    assert (settings.read_max_lag_seconds, settings.read_after_wait_ms) == (5, 100)
    monkeypatch.setenv("PARTYGRID_GRID_READ_MAX_LAG_SECONDS", "0")
    with pytest.raises(ValueError, match="greater than 0"):
        GridSettings()
