"""The one client of service-to-service reads and its one error rule, against real subgraph
processes: a subgraph down, a GraphQL error, a refused call or a non-JSON answer are all
SubgraphUnavailableError, whose one refusal is the typed UNAVAILABLE; entities are asked in
batches, in order; the call carries the caller's identity (the owning subgraph scopes it) or
the service's own. Last, an org whose grid is down answers a roster import with that refusal.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import shapely
from openpyxl import Workbook
from shapely.geometry import mapping

from infra.demo.model import Demo
from infra.setup import Prepared
from infra.supervisor import Supervisor, free_port, service_env
from services.common.auth import Identity, Role, reset_current, set_current
from services.common.auth_tokens import InternalTokens
from services.common.errors import UserErrorCode
from services.common.subgraph_client import Sender, SubgraphClient, SubgraphUnavailableError
from stack import DISTRICT, Running

ORGANIZATIONS = """query ($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on PartyOrganization { id name } } }"""


def _tokens(running: Running) -> InternalTokens:
    return InternalTokens(running.keys["internal"], issuer="grid")


Make = Callable[[httpx.AsyncClient], SubgraphClient]


def _ask(client_of: Make, call: str, *args: object) -> object:
    """Run one call of a SubgraphClient built on a fresh pooled httpx client."""

    async def run() -> object:
        async with httpx.AsyncClient(timeout=10) as http:
            return await getattr(client_of(http), call)(*args)

    return asyncio.run(run())


def _org(running: Running, *, tokens: bool = True, **changed: Any) -> Make:
    """A client of the running org subgraph, as grid builds it, with some fields `changed`."""

    def make(http: httpx.AsyncClient) -> SubgraphClient:
        base = SubgraphClient(
            "org", running.subgraphs["org"], http, "grid", _tokens(running) if tokens else None
        )
        return dataclasses.replace(base, **changed)

    return make


def _unavailable(excinfo: pytest.ExceptionInfo[SubgraphUnavailableError], service: str) -> str:
    """Check the error names the service and yields the one UNAVAILABLE refusal; its reason."""
    down = excinfo.value
    assert down.service == service
    refusal = down.refusal("无法核实楼栋", "cannot check the building", ["input", "homeBuildingId"])
    assert refusal.code is UserErrorCode.UNAVAILABLE
    name = {"org": "组织服务", "grid": "网格服务"}[service]
    assert refusal.message == f"{name}暂不可用，无法核实楼栋，请稍后重试"
    assert refusal.message_en == (
        f"The {service} service did not answer; cannot check the building; retry later"
    )
    assert refusal.field == ["input", "homeBuildingId"]
    return down.reason


def test_a_subgraph_that_is_down(running: Running) -> None:
    dead = f"http://127.0.0.1:{free_port()}/graphql"  # nothing listens there
    with pytest.raises(SubgraphUnavailableError) as excinfo:
        _ask(_org(running, service="grid", url=dead), "query", "{ __typename }")
    assert _unavailable(excinfo, "grid") == "ConnectError"


def test_a_graphql_error_of_a_real_subgraph(running: Running) -> None:
    with pytest.raises(SubgraphUnavailableError) as excinfo:
        _ask(_org(running), "query", "{ noSuchField }")
    assert "noSuchField" in _unavailable(excinfo, "org")


def test_a_refused_call(running: Running) -> None:
    """Without an internal token the subgraph refuses the call: not an empty answer."""
    with pytest.raises(SubgraphUnavailableError) as excinfo:
        _ask(_org(running, tokens=False), "query", "{ __typename }")
    assert _unavailable(excinfo, "org").startswith("HTTP 401")


def test_an_answer_that_is_not_graphql(running: Running) -> None:
    """A URL that answers, but not GraphQL (the subgraph's health check): no data, refused."""
    health = running.subgraphs["org"].replace("/graphql", "/healthz")
    with pytest.raises(SubgraphUnavailableError) as excinfo:
        _ask(_org(running, url=health), "query", "{ __typename }")
    _unavailable(excinfo, "org")


def test_entities_in_batches_and_in_order(running: Running, demo: Demo) -> None:
    wanted = [o.id for o in demo.organizations[:4]]
    unknown = uuid.uuid4()
    ids = [wanted[0], unknown, *wanted[1:]]
    posts: list[httpx.Request] = []

    async def run() -> list[dict | None]:
        async def count(request: httpx.Request) -> None:
            posts.append(request)

        async with httpx.AsyncClient(timeout=10, event_hooks={"request": [count]}) as http:
            client = _org(running, batch=2, identity=Sender.SERVICE)(http)
            reps = [{"__typename": "PartyOrganization", "id": str(i)} for i in ids]
            return await client.entities(ORGANIZATIONS, reps)

    found = asyncio.run(run())
    assert len(posts) == 3  # 5 representations, 2 a request
    assert [e and uuid.UUID(e["id"]) for e in found] == [wanted[0], None, *wanted[1:]]
    names = {o.id: o.name for o in demo.organizations}
    assert [e["name"] for e in found if e] == [names[i] for i in wanted]


def test_the_callers_identity_or_the_services_own(running: Running, demo: Demo) -> None:
    """Forwarded, the caller's scope applies where the data lives; as itself, the service
    reads the whole tree."""
    mine, other = (c.code for c in demo.communities[:2])
    theirs = next(o for o in demo.organizations if o.community_code == other)
    reps = [{"__typename": "PartyOrganization", "id": str(theirs.id)}]

    def asked(identity: Sender) -> list:
        async def run() -> list:
            token = set_current(Identity("test-secretary", Role.SECRETARY, mine))
            try:
                async with httpx.AsyncClient(timeout=10) as http:
                    return await _org(running, identity=identity)(http).entities(
                        ORGANIZATIONS, reps
                    )
            finally:
                reset_current(token)

        return asyncio.run(run())

    assert asked(Sender.CALLER) == [None]
    assert asked(Sender.SERVICE) == [{"id": str(theirs.id), "name": theirs.name}]


# --- through real subgraph processes whose peer is down ------------------------------------


@contextlib.contextmanager
def _alone(name: str, prepared: Prepared, running: Running, logs: Path) -> Iterator[str]:
    """A second `name` subgraph on the test database, the other subgraph's URL pointing
    where nothing listens; yields its base URL."""
    port = free_port()
    peer = "grid" if name == "org" else "org"
    env = service_env(
        name,
        prepared.database.service_urls[name],
        port,
        {name: f"http://127.0.0.1:{port}/graphql", peer: f"http://127.0.0.1:{free_port()}/graphql"},
        keys=running.keys,
    )
    supervisor = Supervisor("127.0.0.1", logs)
    try:
        supervisor.start(name, port, env)
        supervisor.wait_healthy(60)
        yield f"http://127.0.0.1:{port}"
    finally:
        supervisor.stop_all()


@pytest.fixture(scope="module")
def org_without_grid(
    prepared: Prepared, running: Running, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with _alone("org", prepared, running, tmp_path_factory.mktemp("org-without-grid")) as url:
        yield url


@pytest.fixture(scope="module")
def grid_without_org(
    prepared: Prepared, running: Running, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with _alone("grid", prepared, running, tmp_path_factory.mktemp("grid-without-org")) as url:
        yield url


def _upload(running: Running, url: str, data: bytes, name: str) -> httpx.Response:
    """A checked import (writes nothing) as the district, straight to a subgraph."""
    return httpx.post(
        url,
        content=data,
        headers={
            **running.headers(running.subgraphs["org"], DISTRICT),
            "content-type": "application/octet-stream",
            "x-partygrid-filename": quote(name),
        },
        params={"check": "true"},
        timeout=60,
    )


def _members_file(community: str, organization: str) -> bytes:
    header = ["姓名", "性别", "出生日期", "学历", "入党日期", "人员类别", "管理方式"]
    header += ["所在党组织", "所在社区（区划代码）", "居住地址或楼栋"]
    row = ["测试" + uuid.uuid4().hex[:6], "女", "1980-05-01", "大学本科", "2005.7.1", "正式党员"]
    row += ["自管", organization, community, "1号楼"]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_roster_import_while_grid_is_down(
    org_without_grid: str, running: Running, demo: Demo
) -> None:
    """Homes cannot be matched without grid's buildings: 503 and the one UNAVAILABLE."""
    top = next(o for o in demo.organizations if o.kind == "community_committee")
    data = _members_file(top.community_code, top.name)
    response = _upload(running, f"{org_without_grid}/imports/members", data, "党员.xlsx")
    assert response.status_code == 503, response.text
    assert response.json()["errors"] == [
        {
            "code": "UNAVAILABLE",
            "message": "网格服务暂不可用，无法读取楼栋，请稍后重试",
            "messageEn": "The grid service did not answer; cannot read the buildings; retry later",
            "field": None,
        }
    ]


def test_a_boundary_import_while_org_is_down(grid_without_org: str, running: Running) -> None:
    """A boundary of a community grid has not seen needs org's word that it exists."""
    new = "410104999999"  # in the district, unknown to grid
    outline = shapely.box(113.70, 34.70, 113.71, 34.71)
    feature = {"type": "Feature", "geometry": mapping(outline), "properties": {"code": new}}
    data = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    response = _upload(running, f"{grid_without_org}/imports/boundaries", data, "b.geojson")
    assert response.status_code == 503, response.text
    assert response.json()["errors"] == [
        {
            "code": "UNAVAILABLE",
            "message": "组织服务暂不可用，无法核实文件中的社区，请稍后重试",
            "messageEn": "The org service did not answer; cannot check the file's communities; "
            "retry later",
            "field": [],
        }
    ]
