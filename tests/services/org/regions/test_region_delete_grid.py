"""deleteRegion counts whatever grid holds of a community as data (issue 13 item 1: a place
with data attached is never deleted): a community with only its boundary in grid — no zones,
no buildings, the state right after a boundary import — is refused IN_USE, not deleted.
Real org and grid subgraphs, real PostGIS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from placeholder_communities import placeholder_communities, sql
from shapely.geometry import box

from infra.demo.model import STREET, Demo
from infra.setup import Prepared
from stack import Running

CREATE = """mutation ($code: String!, $parent: String!) {
  createRegion(code: $code, name: "只有边界的社区", parentCode: $parent) {
    region { code } errors { code } } }"""
DELETE = """mutation ($code: String!) {
  deleteRegion(code: $code) { region { code } errors { code rule messageEn } } }"""
REGION = "query ($code: String!) { region(code: $code) { code } }"


@pytest.fixture
def community(running: Running, demo: Demo, prepared: Prepared) -> Iterator[str]:
    """A new community of a demo street (code class 577, unused by the demo), in org only."""
    street = next(r.code for r in demo.regions if r.level == STREET)
    code = f"{street}577"
    org = running.subgraphs["org"]
    created = running.post(org, CREATE, {"code": code, "parent": street})
    assert created["data"]["createRegion"]["errors"] == [], created
    yield code
    sql(prepared.database.service_urls["org"], "DELETE FROM org.region WHERE code = :c", c=code)


def test_a_community_with_only_a_boundary_in_grid_is_not_deleted(
    running: Running, prepared: Prepared, community: str
) -> None:
    org = running.subgraphs["org"]
    boundary = {community: box(113.70, 34.70, 113.701, 34.701)}
    with placeholder_communities(prepared.database.service_urls["grid"], boundary):
        refused = running.post(org, DELETE, {"code": community})["data"]["deleteRegion"]
        assert refused["region"] is None
        assert [(e["code"], e["rule"]) for e in refused["errors"]] == [
            ("IN_USE", "region_has_data")
        ], refused
        assert "boundary" in refused["errors"][0]["messageEn"]
        assert running.post(org, REGION, {"code": community})["data"]["region"] is not None
    # Its boundary gone from grid, nothing hangs from it: the mistake can be deleted.
    deleted = running.post(org, DELETE, {"code": community})["data"]["deleteRegion"]
    assert deleted == {"region": {"code": community}, "errors": []}
