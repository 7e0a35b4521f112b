"""Issue 12, class 10: a write retried with its Idempotency-Key is applied once; a write cut
off by the gateway's deadline says its outcome is unknown, and the retry with the key gets
the real outcome; a body shorter than its Content-Length is answered 408 and closed.

Real processes throughout: the session's org, grid and assess, its gateway, and a second
gateway whose deadline for grid is short; a test connection holds a row lock on the zone so
grid's commit really blocks.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import create_engine, pool, text

from infra.setup import Prepared
from infra.supervisor import free_port, gateway_env
from stack import DISTRICT, Running

COMMUNITY = "410104002002"
ASSIGN_ZONE = """mutation($z: ID!, $o: ID, $v: Int!) {
  assignZone(zoneId: $z, organizationId: $o, expectedVersion: $v) {
    changeSet { id number } errors { code messageEn } currentVersion } }"""
UNDO = """mutation($c: String!) {
  undoLatest(communityCode: $c, reason: "test cleanup") { errors { code } } }"""
SHORT_DEADLINE = 2.0  # seconds the second gateway waits for grid


@pytest.fixture(scope="module")
def grid_db(prepared: Prepared) -> Iterator:
    engine = create_engine(prepared.database.service_urls["grid"], poolclass=pool.NullPool)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def impatient_gateway(running: Running, prepared: Prepared) -> str:
    """A second gateway over the same subgraphs that waits only SHORT_DEADLINE for grid."""
    port = free_port()
    env = gateway_env(
        running.subgraphs, port, keys=running.keys, auth_url=prepared.database.auth_url
    )
    env["PARTYGRID_GATEWAY_SUBGRAPH_TIMEOUTS"] = json.dumps({"grid": SHORT_DEADLINE})
    running.supervisor.start("gateway", port, env)
    running.supervisor.wait_healthy(60)
    return f"http://127.0.0.1:{port}/graphql"


def _zone(grid_db) -> dict:
    """A zone of the community with an organization, and its version."""
    with grid_db.connect() as conn:
        row = conn.execute(
            text(
                "SELECT id, version FROM grid.zone WHERE community_code = :c "
                "AND organization_id IS NOT NULL ORDER BY id LIMIT 1"
            ),
            {"c": COMMUNITY},
        ).one()
    return {"z": str(row.id), "o": None, "v": row.version}


def _change_sets(grid_db) -> int:
    with grid_db.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM grid.change_set")).scalar_one()


def _post(running: Running, url: str, query: str, variables: dict, key: str | None) -> dict:
    headers = running.headers(running.gateway, DISTRICT)
    if key is not None:
        headers["idempotency-key"] = key
    response = httpx.post(
        url, json={"query": query, "variables": variables}, headers=headers, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def restored(running: Running, grid_db) -> Iterator[None]:
    """Undo what the test committed (one change set at most)."""
    before = _change_sets(grid_db)
    yield
    if _change_sets(grid_db) > before:
        body = _post(running, running.gateway, UNDO, {"c": COMMUNITY}, None)
        assert body["data"]["undoLatest"]["errors"] == [], body


def test_a_write_sent_twice_with_one_key_is_applied_once(
    running: Running, grid_db, restored: None
) -> None:
    variables, key = _zone(grid_db), str(uuid.uuid4())
    sets = _change_sets(grid_db)
    first = _post(running, running.gateway, ASSIGN_ZONE, variables, key)
    second = _post(running, running.gateway, ASSIGN_ZONE, variables, key)
    result = first["data"]["assignZone"]
    assert result["errors"] == [] and result["changeSet"] is not None, first
    assert second == first  # the first answer, not a STALE second attempt
    assert _change_sets(grid_db) == sets + 1
    # Without the key the same request is a new write: stale now, nothing more written.
    again = _post(running, running.gateway, ASSIGN_ZONE, variables, None)
    assert [e["code"] for e in again["data"]["assignZone"]["errors"]] == ["STALE"]
    assert _change_sets(grid_db) == sets + 1


def test_one_key_for_another_request_is_refused(running: Running, grid_db, restored: None) -> None:
    variables, key = _zone(grid_db), str(uuid.uuid4())
    first = _post(running, running.gateway, ASSIGN_ZONE, variables, key)
    assert first["data"]["assignZone"]["errors"] == [], first
    sets = _change_sets(grid_db)
    other = {**variables, "v": variables["v"] + 1}
    body = _post(running, running.gateway, ASSIGN_ZONE, other, key)
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED", body
    assert error["message"] and error["extensions"]["messageEn"]
    assert body["data"] is None
    assert _change_sets(grid_db) == sets


def test_a_malformed_key_is_refused(running: Running, grid_db) -> None:
    headers = {**running.headers(running.gateway, DISTRICT), "idempotency-key": "x" * 300}
    sets = _change_sets(grid_db)
    response = httpx.post(
        running.gateway,
        json={"query": ASSIGN_ZONE, "variables": _zone(grid_db)},
        headers=headers,
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_IDEMPOTENCY_KEY"
    assert _change_sets(grid_db) == sets


def test_a_write_cut_off_by_the_deadline_is_unknown_and_its_retry_tells(
    running: Running, grid_db, impatient_gateway: str, restored: None
) -> None:
    variables, key = _zone(grid_db), str(uuid.uuid4())
    sets = _change_sets(grid_db)
    with grid_db.connect() as blocker:
        blocker.execute(
            text("SELECT 1 FROM grid.zone WHERE id = :z FOR UPDATE"), {"z": variables["z"]}
        )  # grid's commit waits for this lock
        body = _post(running, impatient_gateway, ASSIGN_ZONE, variables, key)
        blocker.rollback()
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "OUTCOME_UNKNOWN", body
    assert "Idempotency-Key" in error["extensions"]["messageEn"]
    assert "Idempotency-Key" in error["message"]
    retried = _post(running, impatient_gateway, ASSIGN_ZONE, variables, key)
    result = retried["data"]["assignZone"]
    assert result["errors"] == [] and result["changeSet"] is not None, retried
    assert _change_sets(grid_db) == sets + 1
    # And the retry's answer is the one kept for the key from now on.
    assert _post(running, running.gateway, ASSIGN_ZONE, variables, key) == retried


def _short_body(url: str, headers: dict[str, str]) -> bytes:
    """Send headers promising 100 bytes and 10 of them; what comes back before the close."""
    parts = urlsplit(url)
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(
            f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: application/json\r\nContent-Length: 100\r\n{extra}\r\n".encode()
            + b'{"query":'
        )
        received = b""
        while chunk := sock.recv(65536):  # a hanging server times this out: the test fails
            received += chunk
    return received


@pytest.mark.parametrize("where", ["gateway", "grid"])
def test_a_body_shorter_than_its_length_is_answered_408_and_closed(
    running: Running, where: str
) -> None:
    url = running.gateway if where == "gateway" else running.subgraphs["grid"]
    answer = _short_body(url, running.headers(url, DISTRICT))  # past the token checks
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"REQUEST_TIMEOUT" in answer


def test_a_retry_while_the_first_still_runs_is_in_progress_then_gets_its_answer(
    running: Running, grid_db, impatient_gateway: str, restored: None
) -> None:
    variables, key = _zone(grid_db), str(uuid.uuid4())
    sets = _change_sets(grid_db)
    with grid_db.connect() as blocker, ThreadPoolExecutor(1) as pool:
        blocker.execute(
            text("SELECT 1 FROM grid.zone WHERE id = :z FOR UPDATE"), {"z": variables["z"]}
        )
        # The first waits for the lock under the patient gateway's deadline...
        first = pool.submit(_post, running, running.gateway, ASSIGN_ZONE, variables, key)
        while not first.done() and not _waiting_for_lock(grid_db):
            time.sleep(0.05)
        assert not first.done(), first.result()
        # ...and a retry through the impatient one finds it still running.
        body = _post(running, impatient_gateway, ASSIGN_ZONE, variables, key)
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "IN_PROGRESS", body
        blocker.rollback()
        answered = first.result(timeout=30)
    assert answered["data"]["assignZone"]["errors"] == [], answered
    assert _post(running, impatient_gateway, ASSIGN_ZONE, variables, key) == answered
    assert _change_sets(grid_db) == sets + 1


def _waiting_for_lock(grid_db) -> bool:
    """Whether some session of grid's role waits for a lock (the first write blocked)."""
    with grid_db.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND usename = current_user"
                )
            ).scalar_one()
        )


TWO_ZONES = """mutation($z1: ID!, $v1: Int!, $z2: ID!, $v2: Int!) {
  first: assignZone(zoneId: $z1, organizationId: null, expectedVersion: $v1) {
    changeSet { id } errors { code } }
  second: assignZone(zoneId: $z2, organizationId: null, expectedVersion: $v2) {
    changeSet { id } errors { code } } }"""


def test_a_retry_names_the_fields_a_request_applied_before_it_was_lost(
    running: Running, grid_db, impatient_gateway: str
) -> None:
    """Two mutation fields of one subgraph go in one request under one key, each committing
    its own transaction. While the second waits, a retry is IN_PROGRESS (the request runs,
    though the first field's write committed); once the claim's lease has lapsed (its
    process gone, as far as the record tells), a retry answers ALREADY_APPLIED naming the
    field that was applied: the other was not."""
    with grid_db.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, version FROM grid.zone WHERE community_code = :c "
                "AND organization_id IS NOT NULL ORDER BY id LIMIT 2"
            ),
            {"c": COMMUNITY},
        ).all()
    (z1, v1), (z2, v2) = rows
    variables = {"z1": str(z1), "v1": v1, "z2": str(z2), "v2": v2}
    key, sets = str(uuid.uuid4()), _change_sets(grid_db)
    try:
        with grid_db.connect() as blocker, ThreadPoolExecutor(1) as pool:
            blocker.execute(text("SELECT 1 FROM grid.zone WHERE id = :z FOR UPDATE"), {"z": z2})
            sent = pool.submit(_post, running, running.gateway, TWO_ZONES, variables, key)
            while not sent.done() and not _waiting_for_lock(grid_db):
                time.sleep(0.05)
            assert not sent.done(), sent.result()
            assert _change_sets(grid_db) == sets + 1  # the first field's write committed
            running_still = _post(running, impatient_gateway, TWO_ZONES, variables, key)
            assert [e["extensions"]["code"] for e in running_still["errors"]] == ["IN_PROGRESS"], (
                running_still
            )
            # Its lease lapsed, as far as the record can tell (as when its process died).
            with grid_db.begin() as conn:
                conn.execute(
                    text(
                        "UPDATE grid.idempotency_key SET expires_at = now() - interval '1 s' "
                        "WHERE key LIKE :k"
                    ),
                    {"k": f"{key}:%"},
                )
            lost = _post(running, impatient_gateway, TWO_ZONES, variables, key)
            (error,) = lost["errors"]
            assert error["extensions"]["code"] == "ALREADY_APPLIED", lost
            assert error["extensions"]["appliedFields"] == ["first"], lost
            assert "first" in error["message"] and "not run" in error["extensions"]["messageEn"]
            assert _change_sets(grid_db) == sets + 1  # the retry ran nothing
            blocker.rollback()
            answered = sent.result(timeout=60)
        assert [answered["data"][f]["errors"] for f in ("first", "second")] == [[], []], answered
    finally:
        for _ in range(_change_sets(grid_db) - sets):
            body = _post(running, running.gateway, UNDO, {"c": COMMUNITY}, None)
            assert body["data"]["undoLatest"]["errors"] == [], body
