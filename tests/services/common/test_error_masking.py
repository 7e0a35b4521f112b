"""Subgraphs mask unexpected errors and keep deliberate ones readable.

Each subgraph runs as a real process whose database URL points at a loopback port where
nothing listens: every resolver that reaches the database fails inside the driver, whose
message names the address. Clients must get our own typed message at the right path
(DATABASE_UNAVAILABLE: services/common/database_errors.py), never the driver's; errors about
the request and the ValueErrors our domain code raises for bad input stay as they are.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
import strawberry

from infra.supervisor import Supervisor, free_port
from services.common.auth import Identity, Role
from services.common.auth_tokens import InternalTokens
from services.common.errors import DomainError, UserErrorCode
from services.common.masking import MaskUnexpectedErrors

pytestmark = pytest.mark.slow  # starts subgraph processes

# Subgraphs answer only calls signed with the suite's internal key; these processes get ours.
KEY = "masking-test-key-" + "k" * 32
CALLER = Identity("masking-test", Role.DISTRICT, "410104")
INTERNALS = ("127.0.0.1", "psycopg", "sqlalche", "Traceback", "SELECT", "connection", "port")


@pytest.fixture(scope="module")
def unreachable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """GraphQL URLs of org, grid and assess whose database does not answer."""
    supervisor = Supervisor("127.0.0.1", tmp_path_factory.mktemp("masking-logs"))
    nowhere = f"postgresql+psycopg://nobody:secret@127.0.0.1:{free_port()}/nothing"
    urls = {}
    try:
        for name in ("org", "grid", "assess"):
            port = free_port()
            prefix = f"PARTYGRID_{name.upper()}_"
            env = {f"{prefix}DATABASE_URL": nowhere, f"{prefix}PORT": str(port)}
            supervisor.start(name, port, {**env, "PARTYGRID_INTERNAL_TOKEN_KEY": KEY})
            urls[name] = f"http://127.0.0.1:{port}/graphql"
        for url in urls.values():
            wait_listening(url)
        yield urls
    finally:
        supervisor.stop_all()


def wait_listening(url: str, attempts: int = 300) -> None:
    """Until the process answers at all (its /healthz is 503: the database is down)."""
    for _ in range(attempts):
        try:
            httpx.get(url.replace("/graphql", "/healthz"), timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


def post(url: str, query: str) -> httpx.Response:
    headers = InternalTokens(KEY, issuer="gateway").headers(CALLER)
    return httpx.post(url, json={"query": query}, headers=headers, timeout=30)


@pytest.mark.parametrize(
    ("service", "query", "path"),
    [
        ("org", "{ regions(level: STREET) { code } }", ["regions"]),
        ("grid", '{ zone(id: "00000000-0000-0000-0000-000000000001") { id } }', ["zone"]),
        ("assess", "{ gradingStandard { id } }", ["gradingStandard"]),
    ],
)
def test_a_database_that_does_not_answer_is_told_typed_without_internals(
    unreachable, service, query, path
):
    response = post(unreachable[service], query)
    assert response.status_code == 200
    for internal in INTERNALS:
        assert internal.lower() not in response.text.lower(), internal
    (error,) = response.json()["errors"]
    assert error["message"].startswith("数据库暂时不可用")
    assert error["path"] == path
    assert error["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    assert error["extensions"]["messageEn"].startswith("The database is unavailable")


def test_bad_input_errors_stay_readable(unreachable):
    # grid refuses a malformed region code (typed INVALID) before it asks the database.
    response = post(unreachable["grid"], '{ coverage(regionCode: "12") { buildings } }')
    (error,) = response.json()["errors"]
    assert error["message"].startswith("区划代码格式不正确")
    assert error["extensions"]["code"] == "INVALID"
    assert "6 or 9 or 12 ASCII digits" in error["extensions"]["messageEn"]
    assert error["path"] == ["coverage"]


def test_request_errors_stay_readable(unreachable):
    response = post(unreachable["org"], "{ regions(level: NOWHERE) { code } }")
    (error,) = response.json()["errors"]
    assert "NOWHERE" in error["message"]
    assert "path" not in error


def test_a_domain_error_in_a_query_reads_like_a_refused_write() -> None:
    """A DomainError raised by a query (a bad year, org unreachable...) reaches the caller in
    Chinese with its code, English message and field, without each resolver converting it."""

    @strawberry.type
    class Query:
        @strawberry.field
        def plan(self, year: int) -> int:
            raise DomainError(
                UserErrorCode.INVALID, f"年度无效：{year}", f"Invalid year {year}", ["year"]
            )

        @strawberry.field
        def broken(self) -> int:
            raise RuntimeError("SELECT secret FROM somewhere")

    schema = strawberry.Schema(query=Query, extensions=[MaskUnexpectedErrors])
    result = schema.execute_sync("{ plan(year: 99999) }")
    (error,) = result.errors
    assert error.message == "年度无效：99999"
    assert error.extensions == {
        "code": "INVALID",
        "messageEn": "Invalid year 99999",
        "field": ["year"],
    }
    (masked,) = schema.execute_sync("{ broken }").errors
    assert "secret" not in masked.message and masked.extensions == {"code": "INTERNAL_SERVER_ERROR"}
