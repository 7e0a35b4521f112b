"""External ids (组织编码, 党员编号) are unique per district, not across all districts: two
districts' roster systems may number alike. A code held in another district is no clash (each
district imports and re-imports its own); a code held in another community of the same
district stays refused as taken, naming nothing (test_roster_import). Through the running org
subgraph's import route; the database is read to prove what was written where."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from placeholder_communities import sql
from test_roster_import import (
    MEMBER_HEADER,
    ORG_HEADER,
    _community,
    _import,
    _member_row,
    _org_row,
    _sql,
    _xlsx,
)

from infra.demo.model import Demo
from services.common.auth import Identity, Role
from stack import Running

OTHER = "990017"  # a district of its own, made here and removed after
COMMUNITY = f"{OTHER}001001"
OTHER_DISTRICT = Identity("other-district-user", Role.DISTRICT, OTHER)


@pytest.fixture
def codes(service_urls: dict[str, str]) -> Iterator[tuple[str, str]]:
    """An organization code and a member number; the demo district's rows holding them are
    dissolved and moved away after, so later tests find the demo as generated."""
    org_code, member_code = f"T{uuid.uuid4().hex[:8]}", f"M{uuid.uuid4().hex[:8]}"
    yield org_code, member_code
    url = service_urls["org"]
    sql(url, "UPDATE org.member SET left_on = current_date WHERE external_id = :c", c=member_code)
    sql(
        url,
        "UPDATE org.party_organization SET dissolved_at = now() WHERE external_id = :c",
        c=org_code,
    )


@pytest.fixture
def other_district(service_urls: dict[str, str]) -> Iterator[str]:
    url = service_urls["org"]
    for code, level, parent in (
        (OTHER, "district", None),
        (f"{OTHER}001", "street", OTHER),
        (COMMUNITY, "community", f"{OTHER}001"),
    ):
        sql(
            url,
            "INSERT INTO org.region (code, name, name_en, level, parent_code)"
            " VALUES (:c, :n, :n, :l, :p)",
            c=code,
            n=f"外区{code}",
            l=level,
            p=parent,
        )
    yield COMMUNITY
    like = {"p": f"{OTHER}%"}
    for table, column in (("member", "community_code"), ("party_organization", "community_code"),
                          ("region", "code")):  # fmt: skip
        sql(url, f"DELETE FROM org.{table} WHERE {column} LIKE :p", **like)


def test_codes_of_another_district_are_no_clash_and_reimports_stay_in_their_district(
    running: Running,
    demo: Demo,
    service_urls: dict[str, str],
    codes: tuple[str, str],
    other_district: str,
) -> None:
    community, top = _community(demo)
    org_code, member_code = codes
    # The demo district's organization and member hold the codes first.
    here = _org_row(community, 组织编码=org_code, 上级组织=top.name)
    assert _import(running, "organizations", _xlsx(ORG_HEADER, [here])).json()["imported"] == 1
    mine = _member_row(community, top.name, 党员编号=member_code, 联系电话="13800000001")
    assert _import(running, "members", _xlsx(MEMBER_HEADER, [mine])).json()["imported"] == 1

    # The other district numbers alike: its organization and member come in as new ones.
    there = _org_row(
        other_district, 组织编码=org_code, 组织名称="外区社区党委", 组织类别="社区党委"
    )
    body = _import(running, "organizations", _xlsx(ORG_HEADER, [there]), OTHER_DISTRICT).json()
    assert ([r["rule"] for r in body["refused"]], body["imported"]) == ([], 1)
    theirs = _member_row(other_district, org_code, 党员编号=member_code, 联系电话="13800000002")
    body = _import(running, "members", _xlsx(MEMBER_HEADER, [theirs]), OTHER_DISTRICT).json()
    assert ([r["rule"] for r in body["refused"]], body["imported"]) == ([], 1)

    # Within one district the code stays taken: a secretary of another demo community is
    # refused, told nothing of where the code is held.
    neighbour = next(c.code for c in demo.communities if c.code != community)
    secretary = Identity("test-secretary", Role.SECRETARY, neighbour)
    probe = _org_row(neighbour, 组织编码=org_code, 上级组织=top.name)
    answer = _import(running, "organizations", _xlsx(ORG_HEADER, [probe]), secretary)
    assert "external_id.taken" in [r["rule"] for r in answer.json()["refused"]]
    assert community not in answer.text

    # Re-importing by the code updates the member of the importer's own district only.
    theirs[MEMBER_HEADER.index("联系电话")] = "13900000003"
    body = _import(running, "members", _xlsx(MEMBER_HEADER, [theirs]), OTHER_DISTRICT).json()
    assert (body["imported"], body["updated"], body["refused"]) == (0, 1, []), body
    stored = _sql(
        service_urls,
        "SELECT m.community_code, m.phone, m.version, o.community_code FROM org.member m"
        " JOIN org.party_organization o ON o.id = m.organization_id"
        " WHERE m.external_id = :c ORDER BY m.community_code",
        c=member_code,
    )
    assert stored == [
        (community, "13800000001", 1, community),
        (other_district, "13900000003", 2, other_district),
    ]
    organizations = _sql(
        service_urls,
        "SELECT community_code, kind FROM org.party_organization WHERE external_id = :c"
        " ORDER BY community_code",
        c=org_code,
    )
    assert organizations == [(community, "grid_branch"), (other_district, "community_committee")]
