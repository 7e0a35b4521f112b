"""Cost of expensive fields, suggestions and the access log, on the real stack (the demo
district behind the session's gateway, `running`).

Expensive fields are weighted by their measured work (gateway/field_costs.py): an operation
over the work limit is refused before any subgraph is asked, and a caller may have only a
few expensive operations running at once. That nothing was fetched is read from the
gateway's access log (stderr, in the supervisor's log of the gateway), which also records
who asked, from where, what and how it ended.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from gateway.auth.tokens import AccessTokens
from services.common.auth import Identity, Role
from stack import Running

pytestmark = pytest.mark.slow  # the session's database and service processes

DISTRICT = "410104"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
FIVE_FINDINGS = (
    "query FiveFindings { "
    + " ".join(f'{a}: findings(regionCode: "{DISTRICT}") {{ totalCount }}' for a in "abcde")
    + " }"
)
ONE_OF_EACH = f"""query OneOfEach {{
  findings(regionCode: "{DISTRICT}", first: 50) {{ totalCount nodes {{ rule }} }}
  exportGeoJSON(regionCode: "{DISTRICT}", layer: BUILDINGS) }}"""
EXPENSIVE = f'query Busy {{ findings(regionCode: "{DISTRICT}") {{ totalCount }} }}'


def token(running: Running, subject: str) -> str:
    access = AccessTokens(running.keys["access"], ttl=dt.timedelta(minutes=10))
    return access.issue(Identity(subject, Role.DISTRICT, DISTRICT)).token


def ask(
    running: Running, query: str, subject: str | None, variables: dict | None = None
) -> httpx.Response:
    headers = {"accept": GRAPHQL_RESPONSE_JSON}
    if subject is not None:
        headers["authorization"] = f"Bearer {token(running, subject)}"
    return httpx.post(
        running.gateway,
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=120,
    )


def access_log(running: Running) -> list[dict]:
    """The gateway's access log lines so far (JSON lines among its stderr)."""
    # Other tests start gateways of their own under the session's supervisor: this one's
    # log is the log of the gateway at running.gateway's port.
    port = int(running.gateway.split(":")[2].split("/")[0])
    (gateway,) = [s for s in running.supervisor.services if s.port == port]
    assert gateway.log_path is not None
    text = gateway.log_path.read_text("utf-8", errors="replace")
    lines = [json.loads(line) for line in text.splitlines() if line.startswith('{"ts"')]
    return [line for line in lines if line.get("event") == "graphql"]


def logged(running: Running, operation: str) -> list[dict]:
    return [line for line in access_log(running) if line["operation"] == operation]


def codes(body: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


def test_five_findings_of_the_district_are_refused_before_any_work(running: Running) -> None:
    response = ask(running, FIVE_FINDINGS, "cost-five")
    assert response.status_code == 400, response.text
    body = response.json()
    assert "data" not in body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "COST_LIMIT_EXCEEDED"
    assert error["message"].startswith("操作的预计工作量")
    assert error["extensions"]["work"] > error["extensions"]["maxWork"]
    assert "estimated work" in error["extensions"]["messageEn"]
    (line,) = logged(running, "FiveFindings")
    assert (line["status"], line["codes"], line["fetches"]) == (
        "refused",
        ["COST_LIMIT_EXCEEDED"],
        [],
    )
    # Normal use still runs: one findings and one export of the district, in one request.
    response = ask(running, ONE_OF_EACH, "cost-five")
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["findings"]["totalCount"] > 0
    assert json.loads(data["exportGeoJSON"])["features"]


def test_expensive_operations_beyond_the_callers_limit_are_refused(running: Running) -> None:
    start = threading.Barrier(5)

    def busy(subject: str) -> httpx.Response:
        start.wait()
        return ask(running, EXPENSIVE, subject)

    with ThreadPoolExecutor(5) as pool:
        mine = [pool.submit(busy, "cost-busy") for _ in range(4)]
        other = pool.submit(busy, "cost-other")  # another caller has slots of their own
        responses = [f.result() for f in mine]
        assert other.result().status_code == 200
    refused = [r for r in responses if r.status_code == 429]
    accepted = [r for r in responses if r.status_code == 200]
    assert refused, [r.text for r in responses]
    assert len(accepted) >= 1 and len(accepted) + len(refused) == 4
    for response in refused:
        assert response.headers["retry-after"] == "2"
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "TOO_MANY_EXPENSIVE_OPERATIONS"
        assert error["extensions"]["retryAfter"] == 2
        assert error["message"].startswith("同时进行的高开销操作")
    for response in accepted:
        assert response.json()["data"]["findings"]["totalCount"] > 0
    lines = [line for line in logged(running, "Busy") if line["subject"] == "cost-busy"]
    refused_lines = [line for line in lines if line["status"] == "refused"]
    assert len(refused_lines) == len(refused)
    assert all(line["fetches"] == [] for line in refused_lines)
    # Slots come back when operations end.
    assert ask(running, EXPENSIVE, "cost-busy").status_code == 200


def test_cheap_operations_are_not_counted_as_expensive(running: Running) -> None:
    cheap = 'query Cheap { region(code: "410104") { name } }'
    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(lambda _: ask(running, cheap, "cost-cheap"), range(6)))
    assert [r.status_code for r in responses] == [200] * 6


MISSPELT = '{ regoin(code: "410104") { name } }'
BAD_ENUM = f'query ($l: ExportLayer!) {{ exportCSV(regionCode: "{DISTRICT}", layer: $l) }}'


def test_anonymous_callers_get_no_suggestions(running: Running) -> None:
    anonymous = ask(running, MISSPELT, None).json()["errors"][0]["message"]
    assert anonymous == "Cannot query field 'regoin' on type 'Query'."
    enum = ask(running, BAD_ENUM, None, {"l": "ZONE"}).json()["errors"][0]["message"]
    assert "ZONE" in enum and "Did you mean" not in enum
    # Signed-in callers may see the schema anyway (introspection), so they get them.
    signed_in = ask(running, MISSPELT, "cost-suggest").json()["errors"][0]["message"]
    assert "Did you mean 'region'" in signed_in
    enum = ask(running, BAD_ENUM, "cost-suggest", {"l": "ZONE"}).json()["errors"][0]["message"]
    assert "Did you mean the enum value 'ZONES'?" in enum


def test_the_access_log_records_who_from_where_what_and_how_it_ended(running: Running) -> None:
    caller_token = token(running, "cost-log-user")
    response = httpx.post(
        running.gateway,
        json={"query": 'query CostLogWho { region(code: "410104") { name } }'},
        headers={"authorization": f"Bearer {caller_token}"},
        timeout=30,
    )
    assert response.status_code == 200 and "errors" not in response.json()
    (line,) = logged(running, "CostLogWho")
    assert (line["subject"], line["role"], line["client"]) == (
        "cost-log-user",
        "district",
        "127.0.0.1",
    )
    assert (line["type"], line["status"], line["codes"]) == ("query", "ok", [])
    assert line["ms"] > 0 and [f["subgraph"] for f in line["fetches"]] == ["org"]
    # An anonymous caller: the subgraph refuses it, and the line says with which code.
    anonymous = ask(running, 'query CostLogAnon { region(code: "410104") { name } }', None)
    body = anonymous.json()
    (line,) = logged(running, "CostLogAnon")
    assert (line["subject"], line["role"], line["client"]) == (None, "anonymous", "127.0.0.1")
    assert line["type"] == "query" and line["status"] in ("partial", "failed")
    assert line["codes"] == list(dict.fromkeys(codes(body))) and line["codes"]
    # Never a token: not in any line of the log.
    # Other tests start gateways of their own under the session's supervisor: this one's
    # log is the log of the gateway at running.gateway's port.
    port = int(running.gateway.split(":")[2].split("/")[0])
    (gateway,) = [s for s in running.supervisor.services if s.port == port]
    assert gateway.log_path is not None
    assert caller_token not in gateway.log_path.read_text("utf-8", errors="replace")
