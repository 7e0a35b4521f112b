"""Assess reads org and grid directly (the route: services/common/subgraph_client.py); when one
of them does not answer, every read answers the one typed UNAVAILABLE that names it.

Two extra assess processes share the session's database: one whose org is a port nothing
listens on, one whose grid is. Queries and writes are posted straight to them with the
internal token the gateway would sign.
"""

from __future__ import annotations

import datetime as dt

import pytest

from infra.setup import Prepared
from infra.supervisor import free_port, service_env
from stack import Running

COMMUNITY = "410104001001"  # a demo community: known to org and mapped by grid
YEAR = dt.date.today().year
STARS = """query ($r: String!, $y: Int!) { starRatings(regionCode: $r, year: $y) { unitId } }"""
# As of the year's first day: the past, so no live score (which reads grid) is asked.
STATUSES = """query ($r: String!, $y: Int!, $on: Date) {
  milestoneStatuses(regionCode: $r, year: $y, asOf: $on) { communityCode } }"""
DRAFT = """mutation ($r: String!, $y: Int!) { draftCommendationList(regionCode: $r, year: $y) {
  commendationList { id } errors { code message messageEn field } } }"""
CANNOT_GRAPH = ("无法读取组织和网格数据", "the organization and grid data cannot be read")


@pytest.fixture(scope="module")
def without(running: Running, prepared: Prepared) -> dict[str, str]:
    """GraphQL URLs of an assess whose org is down ("org") and one whose grid is ("grid")."""
    urls = {}
    for down in ("org", "grid"):
        port = free_port()
        peers = {**running.subgraphs, down: f"http://127.0.0.1:{free_port()}/graphql"}
        env = service_env(
            "assess", prepared.database.service_urls["assess"], port, peers, keys=running.keys
        )
        running.supervisor.start("assess", port, env)
        urls[down] = f"http://127.0.0.1:{port}/graphql"
    running.supervisor.wait_healthy(60)
    return urls


def _refusal(service_zh: str, service_en: str, cannot: tuple[str, str]) -> tuple[str, str]:
    """SubgraphUnavailableError.refusal's words, spelt out here so a change shows."""
    return (
        f"{service_zh}暂不可用，{cannot[0]}，请稍后重试",
        f"The {service_en} did not answer; {cannot[1]}; retry later",
    )


def _query_error(running: Running, url: str, query: str) -> tuple[str, str, str]:
    body = running.post(url, query, {"r": COMMUNITY, "y": YEAR, "on": f"{YEAR}-01-01"})
    assert body.get("data") is None, body
    (error,) = body["errors"]
    return error["extensions"]["code"], error["message"], error["extensions"]["messageEn"]


def test_org_down_is_the_one_unavailable(running: Running, without: dict[str, str]) -> None:
    org = _refusal("组织服务", "org service", CANNOT_GRAPH)
    assert _query_error(running, without["org"], STARS) == ("UNAVAILABLE", *org)
    cannot = ("无法读取社区信息", "the communities cannot be read")
    communities = _refusal("组织服务", "org service", cannot)
    assert _query_error(running, without["org"], STATUSES) == ("UNAVAILABLE", *communities)
    # A write that reads org first refuses with the same words in its payload, writing nothing.
    payload = running.post(without["org"], DRAFT, {"r": COMMUNITY[:6], "y": YEAR})["data"]
    assert payload["draftCommendationList"] == {
        "commendationList": None,
        "errors": [{"code": "UNAVAILABLE", "message": org[0], "messageEn": org[1], "field": None}],
    }


def test_grid_down_is_the_one_unavailable(running: Running, without: dict[str, str]) -> None:
    grid = _refusal("网格服务", "grid service", CANNOT_GRAPH)
    assert _query_error(running, without["grid"], STARS) == ("UNAVAILABLE", *grid)
    # What needs org alone still answers.
    body = running.post(
        without["grid"], STATUSES, {"r": COMMUNITY, "y": YEAR, "on": f"{YEAR}-01-01"}
    )
    assert "errors" not in body, body
    assert [c["communityCode"] for c in body["data"]["milestoneStatuses"]] == [COMMUNITY]
