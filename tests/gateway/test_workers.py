"""The gateway as two worker processes (PARTYGRID_GATEWAY_WORKERS=2) on the session's database
and subgraphs: what one worker counts or ends, the other sees (issue 18, "More than one
process"); and uvicorn's workers die with its parent.

Which worker answered is read from the kernel, not from the gateway: each request goes on a
new TCP connection, and the worker whose file table holds that connection's socket (found in
/proc/net/tcp and /proc/<pid>/fd; the tests run as root or as the services' user) served it.
Every test goes on until both workers have served, so on a gateway that cannot run as two
processes, or whose workers count alone, it fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import http.client
import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.auth import users
from gateway.auth.tokens import AccessTokens
from gateway.in_flight import AdvisoryLocks, ExpensiveOperations
from infra.setup import Prepared
from infra.supervisor import Service, Supervisor, free_port, gateway_env
from services.common.auth import Identity, Role
from services.grid.geometry_pool import slots_for
from stack import SESSION_CHECK_SECONDS, Running

pytestmark = pytest.mark.slow  # the session's database and service processes

LOGIN = """mutation ($u: String!, $p: String!) { login(username: $u, password: $p) {
  session { accessToken } errors { code } } }"""
CHANGE = """mutation ($c: String!, $n: String!) { changePassword(current: $c, new: $n) {
  session { accessToken } errors { code } } }"""
VIEWER = "{ viewer { username } }"
# Expensive (gateway/field_costs.py: 19 for a district, the limit's threshold is 10); grid
# reads grid.building for it, which a test locks to hold the operations in flight.
BUSY = 'query Busy { exportGeoJSON(regionCode: "410104", layer: BUILDINGS) }'
ACCOUNT_FREE, CLIENT_FREE = 2, 4  # the workers' gateway's allowances
WAIT = 30.0  # seconds any wait below gives up after: only a broken gateway waits that long


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict
    pid: int  # the worker that served it


def _children(parent: int) -> set[int]:
    """uvicorn's spawned workers under `parent` (not multiprocessing's resource tracker)."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            with open(f"/proc/{entry}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                spawned = b"spawn_main" in cmdline.read()
            if ppid == parent and spawned:
                found.add(int(entry))
    return found


def _inode(server_port: int, client_port: int) -> str | None:
    """The socket inode of the server's side of a loopback connection (IPv4)."""
    with open("/proc/net/tcp") as table:
        for line in table.read().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if (
                int(local.split(":")[1], 16) == server_port
                and int(remote.split(":")[1], 16) == client_port
            ):
                return fields[9]
    return None


@dataclass
class Workers:
    """A gateway started with two workers, and how to tell which one serves a connection."""

    service: Service
    supervisor: Supervisor

    @property
    def port(self) -> int:
        return self.service.port

    @property
    def parent(self) -> int:
        assert self.service.process is not None
        return self.service.process.pid

    def pids(self) -> set[int]:
        return _children(self.parent)

    def server_of(self, connection: http.client.HTTPConnection) -> int | None:
        """The worker that accepted `connection` (None while none has)."""
        inode = _inode(self.port, connection.sock.getsockname()[1])
        for pid in self.pids():
            with contextlib.suppress(OSError):
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    with contextlib.suppress(OSError):
                        if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                            return pid
        return None

    def connect(self) -> http.client.HTTPConnection:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT * 2)
        connection.connect()
        return connection

    def send(
        self,
        connection: http.client.HTTPConnection,
        query: str,
        variables: dict | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        body = json.dumps({"query": query, "variables": variables or {}})
        connection.request(
            "POST",
            "/graphql",
            body,
            {"content-type": "application/json", "accept": "application/json", **(headers or {})},
        )

    def served(self, connection: http.client.HTTPConnection) -> int:
        """The worker serving a request sent on `connection`, once one has accepted it."""
        deadline = time.monotonic() + WAIT
        while (pid := self.server_of(connection)) is None:
            assert time.monotonic() < deadline, "no worker accepted the connection"
            time.sleep(0.01)
        return pid

    def post(
        self, query: str, variables: dict | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        """One request on a new connection: its answer, and the worker that served it."""
        connection = self.connect()
        try:
            self.send(connection, query, variables, headers)
            return self._answer(connection)
        finally:
            connection.close()

    def health(self) -> Answer:
        connection = self.connect()
        try:
            connection.request("GET", "/healthz")
            return self._answer(connection)
        finally:
            connection.close()

    def _answer(self, connection: http.client.HTTPConnection) -> Answer:
        response = connection.getresponse()
        text = response.read()
        body = json.loads(text) if text.startswith(b"{") else {"text": text.decode()}
        return Answer(response.status, body, self.served(connection))

    def until_both(self, ask: Callable[[], Answer], *, at_least: int, most: int) -> list[Answer]:
        """`ask` again and again: at least `at_least` times and until both workers answered
        (at most `most` times)."""
        answers: list[Answer] = []
        while len(answers) < most and (
            len(answers) < at_least or len({a.pid for a in answers}) < 2
        ):
            answers.append(ask())
        assert len({a.pid for a in answers}) == 2, "one worker served every request"
        return answers


def _start(running: Running, prepared: Prepared, logs: Path) -> Workers:
    supervisor = Supervisor("127.0.0.1", logs)
    port = free_port()
    env = gateway_env(
        running.subgraphs, port, keys=running.keys, auth_url=prepared.database.auth_url
    )
    env["PARTYGRID_GATEWAY_WORKERS"] = "2"
    env["PARTYGRID_AUTH_SESSION_CHECK_SECONDS"] = str(SESSION_CHECK_SECONDS)
    # Fewer free failures than the product's 5 and 20: fewer password hashes to wait for.
    env["PARTYGRID_AUTH_LOGIN_ACCOUNT_FREE_FAILURES"] = str(ACCOUNT_FREE)
    env["PARTYGRID_AUTH_LOGIN_CLIENT_FREE_FAILURES"] = str(CLIENT_FREE)
    # A refusal's wait far longer than the test: whatever the machine's speed, no attempt
    # after the free ones can come late enough to be let through (not the product default,
    # which a test environment might lower).
    env["PARTYGRID_AUTH_LOGIN_BACKOFF_SECONDS"] = "600"
    env["PARTYGRID_AUTH_LOGIN_BACKOFF_MAX_SECONDS"] = "3600"
    service = supervisor.start("gateway", port, env)
    try:
        supervisor.wait_healthy(60)
        workers = Workers(service, supervisor)
        # Both workers serving: /healthz answered by each.
        answers = workers.until_both(workers.health, at_least=2, most=200)
        assert {a.status for a in answers} == {200}
    except BaseException:
        supervisor.stop_all()
        raise
    return workers


@pytest.fixture(scope="module")
def workers(
    running: Running, prepared: Prepared, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workers]:
    started = _start(running, prepared, tmp_path_factory.mktemp("workers-logs"))
    try:
        yield started
    finally:
        started.supervisor.stop_all()


def _address() -> str:
    # A documentation address of its own (RFC 3849): no other test's failures count here.
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def _code(answer: Answer) -> str | None:
    errors = answer.body.get("errors") or ((answer.body.get("data") or {}).get("login") or {}).get(
        "errors"
    )
    return (errors[0].get("extensions") or errors[0]).get("code") if errors else None


def test_failed_sign_ins_on_both_workers_are_counted_together(workers: Workers) -> None:
    # An account: ACCOUNT_FREE failures, whichever worker each guess reaches (each from its
    # own address, so only the account's count can refuse).
    account = f"nobody-{uuid.uuid4().hex[:8]}"
    answers = workers.until_both(
        lambda: workers.post(LOGIN, {"u": account, "p": "wrong"}, {"x-forwarded-for": _address()}),
        at_least=ACCOUNT_FREE + 3,
        most=100,
    )
    codes = [_code(a) for a in answers]
    # Two workers counting alone would let in up to twice as many.
    assert codes.count("INVALID_CREDENTIALS") == ACCOUNT_FREE, codes
    assert codes[ACCOUNT_FREE:] == ["RATE_LIMITED"] * (len(codes) - ACCOUNT_FREE)
    assert all(a.status == 429 for a in answers[ACCOUNT_FREE:])
    # An address: CLIENT_FREE failures over many names (a password spray).
    address = _address()
    answers = workers.until_both(
        lambda: workers.post(
            LOGIN,
            {"u": f"nobody-{uuid.uuid4().hex[:8]}", "p": "Summer2026!!x"},
            {"x-forwarded-for": address},
        ),
        at_least=CLIENT_FREE + 3,
        most=200,
    )
    codes = [_code(a) for a in answers]
    assert codes.count("INVALID_CREDENTIALS") == CLIENT_FREE, codes
    assert codes[CLIENT_FREE:] == ["RATE_LIMITED"] * (len(codes) - CLIENT_FREE)


def _add_user(prepared: Prepared, name: str, password: str) -> None:
    async def add() -> None:
        engine = create_async_engine(prepared.database.auth_url)
        try:
            async with engine.begin() as conn:
                await users.add_user(
                    conn, username=name, password=password, role="viewer", region_code="410104"
                )
        finally:
            await engine.dispose()

    asyncio.run(add())


def test_a_session_ended_is_refused_by_both_workers(workers: Workers, prepared: Prepared) -> None:
    name = f"wk-{uuid.uuid4().hex[:10]}"
    password, new = (f"两个进程的密码-Quartz-{uuid.uuid4().hex[:6]}" for _ in range(2))
    _add_user(prepared, name, password)
    signed_in = workers.post(LOGIN, {"u": name, "p": password}, {"x-forwarded-for": _address()})
    old = signed_in.body["data"]["login"]["session"]["accessToken"]
    bearer = {"authorization": f"Bearer {old}"}
    seen = workers.until_both(lambda: workers.post(VIEWER, headers=bearer), at_least=2, most=200)
    assert {a.body["data"]["viewer"]["username"] for a in seen} == {name}
    # A new password ends every other session of the user, on whichever worker it is set.
    changed = workers.post(CHANGE, {"c": password, "n": new}, bearer)
    assert changed.body["data"]["changePassword"]["errors"] == [], changed.body
    # Each worker reloads the users' session versions every SESSION_CHECK_SECONDS.
    refused: set[int] = set()
    deadline = time.monotonic() + WAIT
    while refused != workers.pids():
        assert time.monotonic() < deadline, f"still served by {workers.pids() - refused}"
        answer = workers.post(VIEWER, headers=bearer)
        if answer.status == 401:
            assert _code(answer) == "TOKEN_REVOKED", answer.body
            refused.add(answer.pid)
    fresh = {
        "authorization": f"Bearer {changed.body['data']['changePassword']['session']['accessToken']}"
    }
    answers = workers.until_both(lambda: workers.post(VIEWER, headers=fresh), at_least=2, most=200)
    assert {a.body["data"]["viewer"]["username"] for a in answers} == {name}


def test_expensive_operations_in_flight_are_limited_across_workers(
    workers: Workers, running: Running, prepared: Prepared
) -> None:
    identity = Identity(f"wk-busy-{uuid.uuid4().hex[:8]}", Role.DISTRICT, "410104")
    access = AccessTokens(running.keys["access"], ttl=dt.timedelta(minutes=10))
    bearer = {"authorization": f"Bearer {access.issue(identity).token}"}
    answers: list[Answer] = []
    threads: list[threading.Thread] = []
    servers: set[int] = set()

    def ask(connection: http.client.HTTPConnection, pid: int) -> None:
        try:
            response = connection.getresponse()
            answers.append(Answer(response.status, json.loads(response.read() or b"{}"), pid))
        finally:
            connection.close()

    # Grid's buildings locked: the operations let in stay in flight until it is released.
    with psycopg.connect(prepared.database.admin_conninfo) as admin:
        admin.execute("LOCK TABLE grid.building IN ACCESS EXCLUSIVE MODE")
        try:
            # Operations of one caller, each on a new connection, until both workers have
            # some (the limit is 2 per caller).
            while len(threads) < 4 or len(servers) < 2:
                assert len(threads) < 40, "one worker served every request"
                connection = workers.connect()
                workers.send(connection, BUSY, headers=bearer)
                pid = workers.served(connection)
                servers.add(pid)
                threads.append(threading.Thread(target=ask, args=(connection, pid)))
                threads[-1].start()
            # Two are let in (and wait for the lock); every other one is refused at once.
            deadline = time.monotonic() + WAIT
            while len(answers) < len(threads) - 2 and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            admin.rollback()
    for thread in threads:
        thread.join(WAIT * 2)
    refused = [a for a in answers if a.status == 429]
    let_in = [a for a in answers if a.status != 429]
    assert len(answers) == len(threads)
    assert len(let_in) == 2, [a.body for a in let_in]  # two workers alone: up to 4
    assert all(_code(a) == "TOO_MANY_EXPENSIVE_OPERATIONS" for a in refused)
    assert all(a.status == 200 and a.body["data"]["exportGeoJSON"] for a in let_in)
    # The slots came back when the operations ended.
    assert workers.post(BUSY, headers=bearer).status == 200


def _gone(pids: set[int], port: int) -> bool:
    deadline = time.monotonic() + WAIT
    while any(os.path.exists(f"/proc/{pid}") for pid in pids) or _listening(port):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _listening(port: int) -> bool:
    with open("/proc/net/tcp") as table:
        return any(
            int(line.split()[1].split(":")[1], 16) == port and line.split()[3] == "0A"
            for line in table.read().splitlines()[1:]
        )


def test_the_workers_stop_with_the_supervisor_and_die_with_their_parent(
    running: Running, prepared: Prepared, tmp_path_factory: pytest.TempPathFactory
) -> None:
    logs = tmp_path_factory.mktemp("workers-stop-logs")
    stopped = _start(running, prepared, logs)
    pids = stopped.pids()
    assert len(pids) == 2
    stopped.supervisor.stop_all()
    assert _gone(pids, stopped.port)
    # Killed, uvicorn's parent cannot stop its workers: each dies with it (else they keep
    # serving, and the port, after the supervisor has restarted the service).
    killed = _start(running, prepared, logs)
    pids = killed.pids()
    try:
        os.kill(killed.parent, signal.SIGKILL)
        assert _gone(pids, killed.port), f"workers {pids} outlived their parent"
    finally:
        killed.supervisor.stop_all()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_grid_geometry_slots_share_the_cores_among_its_workers() -> None:
    assert slots_for(16, 1) == 8  # at most 8, whatever the cores
    assert slots_for(16, 4) == 4
    assert slots_for(2, 2) == 2  # at least 2: one kept for planners while imports run
    assert slots_for(2, 1) == 2


def test_in_flight_slots_are_advisory_locks_and_counted_alone_without_the_database(
    prepared: Prepared,
) -> None:
    """Two processes' counters (each its own connection) share a caller's slots; one that
    cannot reach the database counts alone (the limit then holds per worker)."""
    url = make_url(prepared.database.auth_url).set(drivername="postgresql")
    caller = f"district:wk-{uuid.uuid4().hex[:8]}"

    async def run() -> None:
        one = ExpensiveOperations(2, AdvisoryLocks(url.render_as_string(hide_password=False)))
        two = ExpensiveOperations(2, AdvisoryLocks(url.render_as_string(hide_password=False)))
        away = ExpensiveOperations(2, AdvisoryLocks("host=/nonexistent dbname=x user=x"))
        try:
            async with one.slot(caller) as first, two.slot(caller) as second:
                assert first and second
                for counter in (one, two):
                    async with counter.slot(caller) as third:
                        assert not third
                async with one.slot("district:someone-else") as other:
                    assert other
            async with two.slot(caller) as first, two.slot(caller) as second:
                assert first and second  # given back when the blocks ended
            async with (
                away.slot(caller) as first,
                away.slot(caller) as second,
                away.slot(caller) as third,
            ):
                assert (first, second, third) == (True, True, False)
        finally:
            for counter in (one, two, away):
                assert counter.locks is not None
                await counter.locks.close()

    asyncio.run(run())


def test_in_flight_slots_are_counted_alone_while_the_database_does_not_answer(
    prepared: Prepared,
) -> None:
    """A database that stops answering (here the counter's backend is frozen with SIGSTOP)
    holds no expensive operation back: a take waits at most `answer_seconds`, drops the
    connection (and with it the locks it held) and counts alone, the limit then per worker."""
    name = f"wk-{uuid.uuid4().hex[:8]}"
    plain = make_url(prepared.database.auth_url).set(drivername="postgresql")
    url = plain.update_query_dict({"application_name": name})
    caller = f"district:{name}"

    async def run() -> None:
        counter = ExpensiveOperations(
            2, AdvisoryLocks(url.render_as_string(hide_password=False), answer_seconds=0.5)
        )
        assert counter.locks is not None
        backend = None
        try:
            async with counter.slot(caller) as first:
                assert first  # locked in the database
                with psycopg.connect(plain.render_as_string(hide_password=False)) as admin:
                    row = admin.execute(
                        "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (name,)
                    ).fetchone()
                assert row is not None
                backend = row[0]
                os.kill(backend, signal.SIGSTOP)
                # A generous bound, not a speed check: without a bound of its own, the take
                # waits for the frozen backend forever.
                async with asyncio.timeout(60):
                    async with counter.slot(caller) as second, counter.slot(caller) as third:
                        assert (second, third) == (True, False)  # counted alone
                    assert counter.in_flight(caller) == 1
            assert counter.in_flight(caller) == 0
        finally:
            if backend is not None:
                os.kill(backend, signal.SIGCONT)
            await counter.locks.close()

    asyncio.run(run())
