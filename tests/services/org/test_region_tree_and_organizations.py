"""The org service: the region tree and Party organizations, from the database over HTTP."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from infra.demo.model import COMMUNITY, Demo
from infra.setup import Prepared
from stack import Running, rolled_back

COMMUNITY_KINDS = {"community_committee", "general_branch", "branch"}


@pytest.fixture
def org_conn(prepared: Prepared) -> Iterator[Connection]:
    with rolled_back(prepared.database.service_urls["org"]) as conn:
        yield conn


def test_region_tree_over_http(running: Running, demo: Demo) -> None:
    district = next(r for r in demo.regions if r.parent_code is None)
    result = running.post(
        running.subgraphs["org"],
        """query ($code: String!) { region(code: $code) { code name level
             children { code name level parent { code } children { code level } } } }""",
        {"code": district.code},
    )
    assert "errors" not in result, result
    tree = result["data"]["region"]
    assert (tree["code"], tree["name"], tree["level"]) == (district.code, district.name, "DISTRICT")
    children = sorted(r.code for r in demo.regions if r.parent_code == district.code)
    assert [c["code"] for c in tree["children"]] == children
    for child in tree["children"]:
        assert child["parent"] == {"code": district.code}
        expected = sorted(r.code for r in demo.regions if r.parent_code == child["code"])
        assert [g["code"] for g in child["children"]] == expected
        assert {g["level"] for g in child["children"]} <= {"COMMUNITY"}


def test_each_community_has_its_one_organization_over_http(running: Running, demo: Demo) -> None:
    communities = [r for r in demo.regions if r.level == COMMUNITY]
    result = running.post(
        running.subgraphs["org"],
        """query ($code: String!) { communities(regionCode: $code) {
             code name organization { id name kind community { code } children { kind } } } }""",
        {"code": communities[0].code[:6]},
    )
    assert "errors" not in result, result
    got = {c["code"]: c for c in result["data"]["communities"]}
    assert set(got) == {c.code for c in communities}
    for org in demo.organizations:
        if org.kind in COMMUNITY_KINDS:
            entry = got[org.community_code]["organization"]
            assert entry["id"] == str(org.id)
            assert entry["kind"] == org.kind.upper()
            assert entry["community"] == {"code": org.community_code}
            children = Counter(o.kind.upper() for o in demo.organizations if o.parent_id == org.id)
            assert Counter(c["kind"] for c in entry["children"]) == children


def test_resident_member_counts_resolve_buildings_as_entities(running: Running, demo: Demo) -> None:
    residents = Counter(m.home_building_id for m in demo.members if m.home_building_id)
    sample = [b.id for b in demo.buildings[:200]]
    result = running.post(
        running.subgraphs["org"],
        """query ($reps: [_Any!]!) { _entities(representations: $reps) {
             ... on Building { id residentMemberCount } } }""",
        {"reps": [{"__typename": "Building", "id": str(b)} for b in sample]},
    )
    assert "errors" not in result, result
    got = [(e["id"], e["residentMemberCount"]) for e in result["data"]["_entities"]]
    assert got == [(str(b), residents.get(b, 0)) for b in sample]
    assert any(count for _, count in got) and not all(count for _, count in got)


def test_a_second_community_organization_is_refused(org_conn: Connection, demo: Demo) -> None:
    """plan (二): each community has exactly one community Party organization."""
    community = next(o for o in demo.organizations if o.kind in COMMUNITY_KINDS).community_code
    with pytest.raises(IntegrityError, match="party_organization_one_per_community"):
        org_conn.execute(
            text(
                "INSERT INTO org.party_organization (id, community_code, name, kind) "
                "VALUES (:id, :c, '第二个社区党委', 'community_committee')"
            ),
            {"id": uuid.uuid4(), "c": community},
        )


@pytest.mark.parametrize(
    ("code", "level"),
    [("4101041", "community"), ("410104001", "community"), ("41010400100A", "community")],
)
def test_region_codes_must_fit_their_level(org_conn: Connection, code: str, level: str) -> None:
    """DOMAIN "Places": 统计用区划代码 — 6 digits district, 9 street, 12 community."""
    with pytest.raises(IntegrityError):
        org_conn.execute(
            text(
                "INSERT INTO org.region (code, name, name_en, level, parent_code) "
                "VALUES (:code, '测试', 'Test', :level, '410104')"
            ),
            {"code": code, "level": level},
        )
