"""Helpers of the planner tests: GraphQL calls, demo picks, and the grid's invariants."""

from __future__ import annotations

import json
import uuid
from typing import Any

import shapely
from shapely.geometry import mapping
from sqlalchemy import create_engine, pool, text

from infra.demo.model import Demo
from stack import Running

# A community of the demo with uncovered land and orphan buildings (a committee one).
COMMUNITY = "410104002002"
BRANCH_COMMUNITY = "410104003001"  # a 党支部 community: zones go to Party groups
OTHER = "410104001001"

RESULT = """changeSet { id number kind author reason items { entity entityId
    before { version name organizationId partyGroupId boundary }
    after { version name organizationId partyGroupId boundary } } }
  diff { buildings { buildingId before { zoneId branch { id } group { id } }
                     after { zoneId branch { id } group { id } } }
         zonesCreated zonesDeleted }
  coverageBefore { buildings withGroup orphans zones zonesWithoutOrganization }
  coverageAfter { buildings withGroup orphans zones zonesWithoutOrganization }
  findings { code message messageEn repaired zoneId }
  errors { code message messageEn field rule }
  currentVersion"""

REDRAW = f"""mutation($z: ID!, $b: GeoJSON!, $v: Int!, $dry: Boolean!, $r: String! = "") {{
  redrawZone(zoneId: $z, boundary: $b, expectedVersion: $v, dryRun: $dry, reason: $r) {{
  {RESULT} }} }}"""
SPLIT = f"""mutation($z: ID!, $l: GeoJSON!, $v: Int!, $dry: Boolean!, $n: String!) {{
  splitZone(zoneId: $z, line: $l, expectedVersion: $v, dryRun: $dry, newZoneName: $n) {{
  {RESULT} }} }}"""
MERGE = f"""mutation($z: [ID!]!, $v: [Int!]!, $dry: Boolean!) {{
  mergeZones(zoneIds: $z, expectedVersions: $v, dryRun: $dry) {{ {RESULT} }} }}"""
CREATE = f"""mutation($c: String!, $n: String!, $b: GeoJSON!, $o: ID, $dry: Boolean!) {{
  createZone(communityCode: $c, name: $n, boundary: $b, organizationId: $o, dryRun: $dry) {{
  {RESULT} }} }}"""
DELETE = f"""mutation($z: ID!, $v: Int!, $dry: Boolean!) {{
  deleteZone(zoneId: $z, expectedVersion: $v, dryRun: $dry) {{ {RESULT} }} }}"""
ASSIGN = f"""mutation($c: String!, $g: ID, $ids: [ID!], $area: GeoJSON, $vs: [Int!],
    $dry: Boolean!) {{
  assignBuildings(communityCode: $c, partyGroupId: $g, buildingIds: $ids, area: $area,
    expectedVersions: $vs, dryRun: $dry) {{ {RESULT} }} }}"""
UNASSIGN = f"""mutation($c: String!, $ids: [ID!], $area: GeoJSON, $dry: Boolean!) {{
  unassignBuildings(communityCode: $c, buildingIds: $ids, area: $area, dryRun: $dry) {{
  {RESULT} }} }}"""
ASSIGN_ZONE = f"""mutation($z: ID!, $o: ID, $v: Int!, $dry: Boolean!) {{
  assignZone(zoneId: $z, organizationId: $o, expectedVersion: $v, dryRun: $dry) {{
  {RESULT} }} }}"""
UNDO = f"""mutation($c: String!, $dry: Boolean! = false) {{
  undoLatest(communityCode: $c, reason: "test cleanup", dryRun: $dry) {{ {RESULT} }} }}"""


def call(running: Running, query: str, url: str | None = None, **variables: Any) -> dict:
    """Post to the grid subgraph (or `url`); the single mutation's result, no GraphQL errors."""
    body = running.post(url or running.subgraphs["grid"], query, variables)
    assert not body.get("errors"), body["errors"]
    (result,) = body["data"].values()
    return result


def ok(result: dict) -> dict:
    assert result["errors"] == [], result["errors"]
    return result


def refused(result: dict, code: str) -> dict:
    assert [e["code"] for e in result["errors"]] == [code], result["errors"]
    assert result["changeSet"] is None and result["diff"] is None
    return result


def geojson(shape: Any) -> dict:
    return json.loads(shapely.to_geojson(shape)) if not isinstance(shape, dict) else shape


def as_dict(shape: Any) -> dict:
    return json.loads(json.dumps(mapping(shape)))


class Grid:
    """Direct reads of the grid schema, as the grid role, for the invariants."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, poolclass=pool.NullPool)

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())

    def zone(self, zone_id: Any) -> dict:
        with self.engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT id, name, version, organization_id, community_code, "
                    "ST_AsText(boundary) AS wkt FROM grid.zone WHERE id = :i"
                ),
                {"i": zone_id},
            ).mappings()
            found = row.one_or_none()
        return dict(found) if found else None

    def shape(self, zone_id: Any) -> Any:
        return shapely.from_wkt(self.zone(zone_id)["wkt"])

    def zones(self, code: str) -> list[dict]:
        ids = self.rows(
            "SELECT id FROM grid.zone WHERE community_code = :c ORDER BY name, id", c=code
        )
        return [self.zone(r[0]) for r in ids]

    def fingerprint(self, *, versions: bool = True) -> str:
        """All grid state that a refused write must leave alone (versions optional: an undo
        restores content with new versions)."""
        v = "|| version" if versions else ""
        return self.scalar(
            f"""SELECT md5(
              coalesce((SELECT string_agg(id::text || name || coalesce(organization_id::text, '')
                 || encode(ST_AsEWKB(boundary), 'hex') {v}, ',' ORDER BY id) FROM grid.zone), '')
              || coalesce((SELECT string_agg(id::text || coalesce(zone_id::text, '')
                 || coalesce(party_group_id::text, '') {v}, ',' ORDER BY id)
                 FROM grid.building), ''))"""
        )

    def change_sets(self) -> int:
        return self.scalar("SELECT count(*) FROM grid.change_set")

    def assert_invariants(self) -> None:
        """DOMAIN "Places": sibling zones never overlap, zones stay in their community, and
        each building is in the zone containing its interior point (so in at most one)."""
        overlaps = self.scalar(
            "SELECT count(*) FROM grid.zone a JOIN grid.zone b ON a.community_code = "
            "b.community_code AND a.id < b.id AND a.boundary && b.boundary "
            "AND ST_Area(ST_Intersection(a.boundary, b.boundary)) > 1e-11"
        )
        outside = self.scalar(
            "SELECT count(*) FROM grid.zone z JOIN grid.community c ON c.code = z.community_code "
            "WHERE ST_Area(ST_Difference(z.boundary, c.boundary)) > 1e-11"
        )
        misplaced = self.scalar(
            "SELECT count(*) FROM grid.building b WHERE b.zone_id IS DISTINCT FROM "
            "(SELECT z.id FROM grid.zone z WHERE z.community_code = b.community_code "
            "AND ST_Covers(z.boundary, ST_PointOnSurface(b.footprint)) ORDER BY z.id LIMIT 1)"
        )
        assert (overlaps, outside, misplaced) == (0, 0, 0)


def organizations(demo: Demo, code: str, kind: str) -> list[uuid.UUID]:
    return [o.id for o in demo.organizations if o.community_code == code and o.kind == kind]


def buildings_of(demo: Demo, code: str) -> list:
    return [b for b in demo.buildings if b.community_code == code]
