"""Retried geometry imports write once: grid's `POST /imports/{kind}` with an
`Idempotency-Key`, through the gateway (which passes the key on), is answered once per caller
and key — a retry gets the first answer (same status, same body) and writes nothing again; the
same key with other options is IDEMPOTENCY_KEY_REUSED (services/common/import_once.py; org's
kinds: tests/services/org/roster/test_import_retries.py). Real gateway, grid, org and PostGIS."""

from __future__ import annotations

import uuid
from pathlib import Path

from placeholder_communities import sql
from test_import_route import AREAS, IMPORTER, WEST, _buildings, _footprints, _write, grid_url

from stack import Running

__all__ = ["grid_url"]  # the fixture, shared with test_import_route


def _keys(url: str, schema: str, key: str) -> list:
    return sql(
        url,
        f"SELECT subject, response IS NOT NULL FROM {schema}.idempotency_key WHERE key = :k",
        k=key,
    )


def test_a_retried_buildings_upload_writes_once(
    running: Running, grid_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "楼栋.gpkg"
    _write(path, _footprints(2, AREAS[WEST]), ["一号楼", "二号楼"], driver="GPKG")
    data, key = path.read_bytes(), str(uuid.uuid4())
    # A second run would answer "unchanged, nothing written": the retry gets the first answer.
    first = running.upload("buildings", data, "楼栋.gpkg", IMPORTER, key, policy="keep")
    assert first.status_code == 200, first.text
    again = running.upload("buildings", data, "楼栋.gpkg", IMPORTER, key, policy="keep")
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert _buildings(grid_url) == ["一号楼", "二号楼"]
    # Another option is another request: the same key is refused for it.
    reused = running.upload("buildings", data, "楼栋.gpkg", IMPORTER, key, policy="replace")
    assert reused.status_code == 422
    assert reused.json()["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert _keys(grid_url, "grid", key) == [(IMPORTER.subject, True)]
