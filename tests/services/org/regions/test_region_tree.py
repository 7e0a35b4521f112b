"""The region tree written through the running org subgraph by district users: create, rename,
retire (a place with data is retired, never deleted), delete (only a place with nothing
attached); bad codes refused with typed errors and nothing written; other roles and other
districts forbidden."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from org_api import mutate, unique
from sqlalchemy import create_engine, pool, text

from infra.demo.model import COMMUNITY, Demo
from infra.setup import Prepared
from services.common.auth import Identity, Role
from stack import DISTRICT, Running

ERRORS = "errors { code message messageEn field rule }"
FIELDS = "code name level retiredAt parent { code }"
CREATE = f"""mutation ($code: String!, $name: String!, $parent: String) {{
  createRegion(code: $code, name: $name, parentCode: $parent) {{ region {{ {FIELDS} }} {ERRORS} }} }}"""
RENAME = f"""mutation ($code: String!, $name: String!) {{
  renameRegion(code: $code, name: $name) {{ region {{ {FIELDS} }} {ERRORS} }} }}"""
RETIRE = f"""mutation ($code: String!) {{
  retireRegion(code: $code) {{ region {{ {FIELDS} }} {ERRORS} }} }}"""
DELETE = f"""mutation ($code: String!) {{
  deleteRegion(code: $code) {{ region {{ code }} {ERRORS} }} }}"""
REGIONS = f"""query ($parent: String, $all: Boolean!) {{
  regions(parentCode: $parent, includeRetired: $all) {{ {FIELDS} }} }}"""
REGION = f"query ($code: String!) {{ region(code: $code) {{ {FIELDS} children {{ code }} }} }}"

STREET = "410104090"  # street-office class (001-099), free in the demo district
# What these tests create, removed after them: the session's database is shared, and other
# tests compare the demo district's tree (and every community's findings) with the demo.
CREATED = ("410104090", "410104150")
UNIT = """mutation ($c: String!, $n: String!) { registerResidentUnit(input:
  {communityCode: $c, name: $n}) { residentUnit { id } errors { code rule } } }"""


@pytest.fixture(scope="module", autouse=True)
def _remove_created_places(prepared: Prepared) -> Iterator[None]:
    yield
    engine = create_engine(prepared.database.service_urls["org"], poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            for prefix in CREATED:
                like = {"p": f"{prefix}%"}
                conn.execute(
                    text("DELETE FROM org.resident_unit WHERE community_code LIKE :p"), like
                )
                conn.execute(text("DELETE FROM org.region WHERE code LIKE :p"), like)
    finally:
        engine.dispose()


def _post(running: Running, text: str, variables: dict, identity: Identity = DISTRICT) -> dict:
    return running.post(running.subgraphs["org"], text, variables, identity=identity)


def _payload(running: Running, text: str, variables: dict, **kw: Any) -> dict[str, Any]:
    result = _post(running, text, variables, **kw)
    assert "errors" not in result, result
    (payload,) = result["data"].values()
    return payload


def _refusal(result: dict) -> dict:
    """The one typed refusal: in the payload, or (a malformed code parsed at the GraphQL edge,
    services/common/auth_codes.py) as the request's error with the same code and field."""
    if result.get("errors"):
        (error,) = result["errors"]
        return {
            "code": error["extensions"]["code"],
            "field": error["extensions"].get("field"),
            "message": error["message"],
            "messageEn": error["extensions"]["messageEn"],
        }
    (payload,) = result["data"].values()
    assert payload["region"] is None
    (error,) = payload["errors"]
    return error


def _region(running: Running, code: str) -> dict | None:
    return _post(running, REGION, {"code": code})["data"]["region"]


@pytest.fixture(scope="module")
def street(running: Running) -> str:
    payload = _payload(
        running, CREATE, {"code": STREET, "name": "  测试街道\u3000", "parent": "410104"}
    )
    assert payload["errors"] == [], payload
    assert payload["region"] == {
        "code": STREET,
        "name": "测试街道",  # trimmed of spaces and full-width spaces
        "level": "STREET",
        "retiredAt": None,
        "parent": {"code": "410104"},
    }
    return STREET


def test_a_district_user_builds_and_renames_places(running: Running, street: str) -> None:
    township = _payload(
        running, CREATE, {"code": "410104150", "name": "测试镇", "parent": "410104"}
    )
    assert township["errors"] == [] and township["region"]["level"] == "TOWNSHIP"
    community = _payload(
        running, CREATE, {"code": f"{street}001", "name": "测试社区", "parent": street}
    )
    assert community["errors"] == [] and community["region"]["level"] == "COMMUNITY"
    assert [c["code"] for c in _region(running, street)["children"]] == [f"{street}001"]
    renamed = _payload(running, RENAME, {"code": f"{street}001", "name": "新名社区"})
    assert renamed["errors"] == [] and renamed["region"]["name"] == "新名社区"
    assert _region(running, f"{street}001")["name"] == "新名社区"


@pytest.mark.parametrize(
    ("code", "parent", "code_", "field"),
    [
        ("41010409", "410104", "INVALID", "code"),  # 8 digits
        ("410104000", "410104", "INVALID", "code"),  # class 000 names no unit
        ("410104700", "410104", "INVALID", "code"),  # class 700 names no unit
        ("4101040ab", "410104", "INVALID", "code"),
        ("410104091001", "410104", "INVALID", "parentCode"),  # a community under a district
        ("410104091", None, "INVALID", "parentCode"),  # a street needs its parent
        ("410104091001", "410104090", "INVALID", "parentCode"),  # prefix does not nest
        ("410104091001", "410104091", "NOT_FOUND", "parentCode"),  # parent does not exist
        ("410104090", "410104", "CONFLICT", "code"),  # exists already
    ],
)
def test_bad_codes_are_refused_typed(
    running: Running, street: str, code: str, parent: str, code_: str, field: str
) -> None:
    before = _post(running, REGIONS, {"parent": None, "all": True})["data"]["regions"]
    error = _refusal(_post(running, CREATE, {"code": code, "name": "坏代码", "parent": parent}))
    assert (error["code"], error["field"]) == (code_, [field]), error
    assert error["message"] and error["messageEn"] and error["message"] != error["messageEn"]
    after = _post(running, REGIONS, {"parent": None, "all": True})["data"]["regions"]
    assert after == before  # nothing written


def test_an_empty_name_is_refused(running: Running, street: str) -> None:
    payload = _payload(
        running, CREATE, {"code": f"{street}002", "name": "\u3000 ", "parent": street}
    )
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", ["name"])]
    assert _region(running, f"{street}002") is None


@pytest.mark.parametrize(
    ("identity", "code", "parent"),
    [
        (Identity("s", Role.STREET, "410104001"), "410104001150", "410104001"),
        (Identity("p", Role.PLANNER, "410104"), "410104091", "410104"),
        (Identity("v", Role.VIEWER, "410104"), "410104091", "410104"),
        (DISTRICT, "410105", None),  # a new district: the operator's bootstrap only
        (DISTRICT, "410105001", "410105"),  # another district's tree
        (Identity("d", Role.DISTRICT, "410105"), "410104091", "410104"),
    ],
)
def test_only_district_users_write_and_only_their_district(
    running: Running, identity: Identity, code: str, parent: str | None
) -> None:
    result = _post(
        running, CREATE, {"code": code, "name": "越权", "parent": parent}, identity=identity
    )
    assert result["data"] is None or result["data"]["createRegion"] is None
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN", result
    assert result["errors"][0]["extensions"]["messageEn"]
    assert _region(running, code) is None


def test_a_place_with_data_is_retired_not_deleted(running: Running, street: str) -> None:
    code = f"{street}003"
    assert (
        _payload(running, CREATE, {"code": code, "name": "合并社区", "parent": street})["errors"]
        == []
    )
    unit = mutate(running, UNIT, {"c": code, "n": unique("驻区单位")})
    assert unit["errors"] == [], unit
    refused = _payload(running, DELETE, {"code": code})
    assert [(e["code"], e["rule"]) for e in refused["errors"]] == [("IN_USE", "region_has_data")]
    assert _region(running, code) is not None
    retired = _payload(running, RETIRE, {"code": code})
    assert retired["errors"] == [] and retired["region"]["retiredAt"] is not None
    # Listed only when asked; still readable by code, with its data.
    listed = _post(running, REGIONS, {"parent": street, "all": False})["data"]["regions"]
    assert code not in [r["code"] for r in listed]
    everything = _post(running, REGIONS, {"parent": street, "all": True})["data"]["regions"]
    assert code in [r["code"] for r in everything]
    assert code not in [c["code"] for c in _region(running, street)["children"]]
    communities = """query ($r: String!, $all: Boolean!) {
      communities(regionCode: $r, includeRetired: $all) { code } }"""
    assert code not in [
        c["code"]
        for c in _post(running, communities, {"r": street, "all": False})["data"]["communities"]
    ]
    assert code in [
        c["code"]
        for c in _post(running, communities, {"r": street, "all": True})["data"]["communities"]
    ]
    # A retired place takes no new data.
    again = mutate(running, UNIT, {"c": code, "n": unique("驻区单位")})
    assert [(e["code"], e["rule"]) for e in again["errors"]] == [
        ("RULE_VIOLATION", "region_retired")
    ]
    renamed = _payload(running, RENAME, {"code": code, "name": "旧名"})
    assert renamed["errors"] == []  # renaming a retired place is housekeeping, allowed


def test_a_parent_with_active_children_is_not_retired(running: Running, demo: Demo) -> None:
    street = next(r for r in demo.regions if r.level != COMMUNITY and r.parent_code)
    payload = _payload(running, RETIRE, {"code": street.code})
    assert [(e["code"], e["rule"]) for e in payload["errors"]] == [
        ("IN_USE", "region_has_children")
    ]
    assert _region(running, street.code)["retiredAt"] is None


def test_an_empty_place_entered_by_mistake_is_deleted(running: Running, street: str) -> None:
    code = f"{street}005"
    assert (
        _payload(running, CREATE, {"code": code, "name": "错录", "parent": street})["errors"] == []
    )
    deleted = _payload(running, DELETE, {"code": code})
    assert deleted["errors"] == [] and deleted["region"] == {"code": code}
    assert _region(running, code) is None


def test_a_community_with_data_is_not_deleted(running: Running, demo: Demo) -> None:
    community = next(r for r in demo.regions if r.level == COMMUNITY)
    payload = _payload(running, DELETE, {"code": community.code})
    assert [e["code"] for e in payload["errors"]] == ["IN_USE"]
    assert _region(running, community.code) is not None
