"""Crash safety (issue 18): acknowledged writes survive, none is applied twice, the services
come back by themselves, and a database that cannot write tells writers why.

A suite of its own, with the product's durability settings (tests/ops/own_suite.py): writers
send planner commits (`assignZone`, each client toggling its own zone) through the gateway,
each with its own Idempotency-Key, retrying a write with its key until it is settled, while
the database's postmaster, then grid, is killed with SIGKILL and started again by `partygrid
up`'s watch (infra/watch.py). Then a read-only database, a full disk (a small tmpfs tablespace,
as root), and a write whose commit was never answered.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psycopg
import pytest
from evidence_files import pdf
from own_suite import OwnDatabase, ops_settings, own_database, own_services

from infra.cluster import processes_in
from infra.database import role_of
from infra.demo.model import Demo
from infra.supervisor import Service
from infra.watch import Watched, postmaster_watched, watch
from stack import DISTRICT, Running

ASSIGN_ZONE = """mutation($z: ID!, $o: ID, $v: Int!) {
  assignZone(zoneId: $z, organizationId: $o, expectedVersion: $v) {
    changeSet { id } errors { code } currentVersion } }"""
COVERAGE = "query($c: String!) { coverage(regionCode: $c) { regionCode buildings covered } }"
WRITERS = 3
# A write still unsettled after this fails the test: one cut by a subgraph's crash is
# IN_PROGRESS until its claim's lease (30 s) lapses.
SETTLE_SECONDS = 90.0
# What a writer may be told while the database or grid is down: each says "retry".
T = TypeVar("T")
RETRYABLE = {
    "DATABASE_UNAVAILABLE",
    "SUBGRAPH_UNAVAILABLE",
    "SUBGRAPH_BAD_RESPONSE",
    "OUTCOME_UNKNOWN",
    "IN_PROGRESS",
}


@dataclass(frozen=True)
class Suite:
    own: OwnDatabase
    running: Running

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(
            self.own.cluster.conninfo(database=self.own.settings.db_name), autocommit=True
        )

    def scalar(self, sql: str, *args: object) -> Any:
        with self.admin() as conn:
            row = conn.execute(sql, args).fetchone()
        assert row is not None
        return row[0]

    def change_sets(self) -> set[str]:
        with self.admin() as conn:
            return {r[0] for r in conn.execute("SELECT id::text FROM grid.change_set")}

    def service(self, name: str) -> Service:
        return next(s for s in self.running.supervisor.services if s.name == name)


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    logs = tmp_path_factory.mktemp("logs")
    with own_database(ops_settings("crashes")) as own, own_services(own, logs) as running:
        yield Suite(own, running)


def test_an_own_suite_keeps_every_acknowledged_commit(suite: Suite) -> None:
    """Own suites run with the product's durability settings, apart from the session's
    shared test cluster (which has them off, for speed)."""
    shown = {
        name: suite.scalar(f"SHOW {name}")
        for name in ("fsync", "synchronous_commit", "full_page_writes", "data_checksums")
    }
    assert shown == {
        "fsync": "on",
        "synchronous_commit": "on",
        "full_page_writes": "on",
        "data_checksums": "on",
    }


def test_an_own_suite_answers_through_its_gateway(suite: Suite, demo: Demo) -> None:
    answer = suite.running.post(
        suite.running.gateway, '{ communities(regionCode: "410104") { code } }'
    )
    assert "errors" not in answer, answer
    assert len(answer["data"]["communities"]) == len(demo.communities)  # the demo district


def _post(
    client: httpx.Client, suite: Suite, query: str, variables: dict, key: str | None, url: str = ""
) -> dict:
    url = url or suite.running.gateway
    headers = suite.running.headers(url, DISTRICT)
    if key is not None:
        headers["idempotency-key"] = key
    answer = client.post(url, json={"query": query, "variables": variables}, headers=headers)
    return answer.json()


def _answer(
    client: httpx.Client, suite: Suite, query: str, variables: dict, key: str | None
) -> dict:
    """`_post`, sent again while the gateway could not reach the subgraph: after a subgraph's
    restart its pool may still hold a connection to the dead process (a mutation is never
    resent on one by the gateway itself)."""
    for _ in range(5):
        body = _post(client, suite, query, variables, key)
        if _codes(body) != ["SUBGRAPH_UNAVAILABLE"]:
            break
    return body


def _codes(body: dict) -> list[str]:
    codes = [(e.get("extensions") or {}).get("code", "") for e in body.get("errors") or []]
    payload = (body.get("data") or {}).get("assignZone") or {}
    return codes + [e["code"] for e in payload.get("errors") or []]


@dataclass(eq=False)  # a thread: hashed by identity
class Writer(threading.Thread):
    """Toggles one zone's organization, each write under a fresh key, retried with that key
    until it is settled: acknowledged (a change set), or ALREADY_APPLIED (applied, its answer
    lost). A STALE answer would mean a write applied twice."""

    suite: Suite
    zone: str
    organization: str
    assigned: bool
    version: int
    stop: threading.Event
    acknowledged: list[str] = field(default_factory=list)
    applied_unanswered: int = 0
    told: set[str] = field(default_factory=set)  # every error code seen
    failure: str | None = None

    def __post_init__(self) -> None:
        super().__init__(daemon=True)

    def run(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self.stop.is_set() and self.failure is None:
                self._settle(client, str(uuid.uuid4()))

    def _settle(self, client: httpx.Client, key: str) -> None:
        target = None if self.assigned else self.organization
        variables = {"z": self.zone, "o": target, "v": self.version}
        deadline = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < deadline:
            try:
                body = _post(client, self.suite, ASSIGN_ZONE, variables, key)
            except (httpx.HTTPError, ValueError):
                time.sleep(0.2)  # the gateway itself did not answer: retry with the key
                continue
            codes = _codes(body)
            self.told.update(codes)
            done = ((body.get("data") or {}).get("assignZone") or {}).get("changeSet")
            if done:
                self.acknowledged.append(done["id"])
            elif "ALREADY_APPLIED" in codes:
                self.applied_unanswered += 1
            elif not codes or set(codes) - RETRYABLE:
                self.failure = f"{variables}: {body}"
                return
            else:
                time.sleep(0.2)
                continue
            self.assigned = target is not None
            self.version = int(_while_down(
                lambda: self.suite.scalar("SELECT version FROM grid.zone WHERE id = %s", self.zone)
            ))  # fmt: skip
            return
        self.failure = f"{variables} unsettled after {SETTLE_SECONDS:.0f} s"


def _while_down(read: Callable[[], T]) -> T:
    """`read()`, tried again while the database is down (a writer's own read of what it
    wrote may come just as the postmaster is killed)."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        try:
            return read()
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _writers(suite: Suite, stop: threading.Event) -> list[Writer]:
    with suite.admin() as conn:
        rows = conn.execute(
            "SELECT id::text, organization_id::text, version FROM grid.zone "
            "WHERE organization_id IS NOT NULL ORDER BY id LIMIT %s",
            (WRITERS,),
        ).fetchall()
    return [Writer(suite, z, o, True, v, stop) for z, o, v in rows]


def _until(condition: object, what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _watched_while(items: list[Watched], scenario: Callable[[list[str]], T]) -> tuple[T, list[str]]:
    """`partygrid up`'s watch over `items`, in this (the main) thread as in `up`: a child
    gets SIGTERM when the thread that started it ends (PR_SET_PDEATHSIG), so restarts must
    come from a thread that lasts. `scenario(said)` runs beside it; the watch stops when it
    ends. Its result, and what the watch said."""
    said: list[str] = []
    stop = threading.Event()
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(scenario(said))
        except BaseException as failed:  # raised again in the test's thread
            outcome.append(failed)
        finally:
            stop.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    watch(items, say=said.append, stop=stop)
    thread.join()
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0], said


def _under_load(suite: Suite, crash: object, said: list[str], back: str) -> list[Writer]:
    """Writers running; `crash()` once each has committed a few; on until `back` is said
    and each has committed a few more; stopped and checked."""
    before = suite.change_sets()
    stop = threading.Event()
    writers = _writers(suite, stop)
    for writer in writers:
        writer.start()
    try:
        _until(lambda: all(len(w.acknowledged) >= 3 for w in writers), "writes before the crash")
        crash()  # type: ignore[operator]
        _until(lambda: any(back in line for line in said), back)
        marks = [len(w.acknowledged) for w in writers]
        _until(
            lambda: all(len(w.acknowledged) >= m + 3 for w, m in zip(writers, marks, strict=True)),
            "writes after the crash",
        )
    finally:
        stop.set()
        for writer in writers:
            writer.join(SETTLE_SECONDS + 10)
    assert [w.failure for w in writers] == [None] * len(writers)
    made = suite.change_sets() - before
    acknowledged = {cs for w in writers for cs in w.acknowledged}
    assert acknowledged <= made  # every acknowledged write is there
    # Every write there was acknowledged, or is one whose answer died in the crash (its retry
    # said so): none was applied twice (a second application would be a change set more).
    assert len(made) == len(acknowledged) + sum(w.applied_unanswered for w in writers)
    for name in ("org", "grid", "assess"):
        health = httpx.get(f"{suite.service(name).base_url}/healthz", timeout=10)
        assert health.status_code == 200, (name, health.text)
    return writers


def test_a_database_killed_under_commits_loses_no_acknowledged_write(suite: Suite) -> None:
    subgraphs = {s.name: s.process.pid for s in suite.running.supervisor.services if s.process}
    cluster = suite.own.cluster

    def crash() -> None:
        pid = cluster.running_pid()
        assert pid is not None
        os.kill(pid, signal.SIGKILL)

    writers, said = _watched_while(
        [postmaster_watched(cluster)],
        lambda said: _under_load(suite, crash, said, "the database is back"),
    )
    assert said[0].startswith("partygrid: the database stopped"), said
    assert said[0].endswith("restarting in 0.5 s (restart 1)"), said
    # The services reconnected by themselves: none was restarted.
    assert {s.name: s.process.pid for s in suite.running.supervisor.services if s.process} == (
        subgraphs
    )
    # Writes cut by the crash were told typed (never a masked internal error).
    assert set().union(*(w.told for w in writers)) <= RETRYABLE | {"ALREADY_APPLIED"}


def test_the_watch_starts_no_server_beside_a_backend_of_the_killed_one(suite: Suite) -> None:
    """A backend outlives its postmaster killed with SIGKILL until it notices (here it is
    stopped with SIGSTOP, as busy as a long query): while it runs, the watch keeps the dead
    server's postmaster.pid (PostgreSQL's own guard against two servers on one folder) and
    starts nothing; once it is gone, the database is started again and answers."""
    cluster = suite.own.cluster
    pid_file = cluster.data / "postmaster.pid"
    with suite.admin() as session:
        backend = session.info.backend_pid
        postmaster = cluster.running_pid()
        assert postmaster is not None
        before = set(processes_in(cluster.data))
        assert {backend, postmaster} <= before
        os.kill(backend, signal.SIGSTOP)
        try:
            os.kill(postmaster, signal.SIGKILL)

            def scenario(said: list[str]) -> None:
                _until(lambda: sum("did not start again" in line for line in said) >= 2,
                       "two restarts refused")  # fmt: skip
                # The dead server's lock is kept, and every process working in the folder is
                # one of the dead server's: no second server was started.
                assert pid_file.read_text().split("\n", 1)[0] == str(postmaster)
                assert backend in processes_in(cluster.data)
                assert set(processes_in(cluster.data)) <= before
                os.kill(backend, signal.SIGKILL)  # the last of the dead server ends
                _until(lambda: any("the database is back" in line for line in said), "restart")

            _, said = _watched_while([postmaster_watched(cluster)], scenario)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(backend, signal.SIGKILL)
    refused = [line for line in said if "did not start again" in line]
    assert str(backend) in refused[-1], said  # the console says what it waits for
    assert suite.scalar("SELECT 1") == 1  # it answers again


def test_a_subgraph_killed_under_commits_is_restarted_and_loses_nothing(suite: Suite) -> None:
    grid = suite.service("grid")
    assert grid.process is not None
    first = grid.process.pid

    def crash() -> None:
        os.kill(first, signal.SIGKILL)

    _, said = _watched_while(
        suite.running.supervisor.watched(),
        lambda said: _under_load(suite, crash, said, "grid is back"),
    )
    assert said[0] == "partygrid: grid exited (signal 9), restarting in 0.5 s (restart 1)", said
    assert said[1].startswith("partygrid: grid is back (healthy in "), said
    assert grid.process.pid != first


def test_a_read_only_database_refuses_writes_typed_and_still_answers_reads(
    suite: Suite,
) -> None:
    zone = _writers(suite, threading.Event())[0]
    variables = {"z": zone.zone, "o": None, "v": zone.version}
    before = suite.change_sets()
    key = str(uuid.uuid4())
    with suite.admin() as admin, httpx.Client(timeout=30) as client:
        admin.execute("ALTER SYSTEM SET default_transaction_read_only = on")
        admin.execute("SELECT pg_reload_conf()")
        try:
            _until(lambda: suite.scalar("SHOW default_transaction_read_only") == "on", "reload")
            for sent_key in (key, None):  # refused at the claim, and in the resolver
                body = _answer(client, suite, ASSIGN_ZONE, variables, sent_key)
                (error,) = body["errors"]
                assert error["extensions"]["code"] == "DATABASE_READ_ONLY", body
                assert (
                    "只读" in error["message"] and "read-only" in error["extensions"]["messageEn"]
                )
            read = _answer(client, suite, COVERAGE, {"c": DISTRICT.region}, None)
            assert "errors" not in read and read["data"]["coverage"]["buildings"] > 0, read
        finally:
            admin.execute("SET default_transaction_read_only = off")
            admin.execute("ALTER SYSTEM RESET default_transaction_read_only")
            admin.execute("SELECT pg_reload_conf()")
        assert suite.change_sets() == before
        # The refusal was not kept for the key: once the database writes, its retry runs.
        _until(lambda: suite.scalar("SHOW default_transaction_read_only") == "off", "reload")
        body = _answer(client, suite, ASSIGN_ZONE, variables, key)
        assert body["data"]["assignZone"]["changeSet"], body


@pytest.fixture
def small_disk(suite: Suite) -> Iterator[Path]:
    """A 16 MB tmpfs owned by the cluster's user (root only: mount)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    where = suite.own.settings.data_dir / "small-disk"
    where.mkdir(mode=0o700)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"mount -t tmpfs is not permitted here: {mounted.stderr.strip()}")
    try:
        if suite.own.cluster.run_as:
            subprocess.run(["chown", suite.own.cluster.run_as, str(where)], check=True)
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_full_disk_refuses_uploads_typed_and_still_answers_reads(
    suite: Suite, small_disk: Path
) -> None:
    files = suite.running.gateway.removesuffix("/graphql") + "/files/evidence"
    headers = {**suite.running.headers(suite.running.gateway, DISTRICT),
               "content-type": "application/octet-stream"}  # fmt: skip
    community = str(suite.scalar("SELECT community_code FROM grid.zone ORDER BY id LIMIT 1"))
    with suite.admin() as admin, httpx.Client(timeout=60) as client:
        kept = client.post(files, params={"community": community}, content=pdf(), headers=headers)
        assert kept.status_code == 201, kept.text
        admin.execute(f"CREATE TABLESPACE small_disk LOCATION '{small_disk}'")
        admin.execute("ALTER TABLE assess.evidence_blob SET TABLESPACE small_disk")
        try:
            answers = []
            for _ in range(6):  # 4 MB each, incompressible: the 16 MB fill up
                big = pdf(os.urandom(2_000_000).hex())
                answer = client.post(
                    files, params={"community": community}, content=big, headers=headers
                )
                answers.append(answer)
                if answer.status_code != 201:
                    break
            full = answers[-1]
            assert full.status_code == 507, full.text
            (error,) = full.json()["errors"]
            assert error["code"] == "DISK_FULL" and "已满" in error["message"], error
            assert "no space" in error["messageEn"]
            # Readers go on: a query, and an earlier file.
            read = _answer(client, suite, COVERAGE, {"c": DISTRICT.region}, None)
            assert "errors" not in read, read
            url = f"{files}/{kept.json()['evidence']['id']}"
            assert client.get(url, headers=headers).status_code == 200
        finally:
            admin.execute("ALTER TABLE assess.evidence_blob SET TABLESPACE pg_default")
            admin.execute("DROP TABLESPACE small_disk")


def test_a_write_committed_but_never_answered_is_not_applied_again(suite: Suite) -> None:
    """The crash between a mutation's commit and the storing of its answer, at a chosen
    moment: grid's commit waits for a synchronous standby that never comes (the write is
    durable, its answer not yet sent) when grid is killed. Its retry, even after the claim's
    lease, must not apply the write a second time."""
    grid = suite.service("grid")
    zone = _writers(suite, threading.Event())[0]
    variables = {"z": zone.zone, "o": None, "v": zone.version}
    key, role = str(uuid.uuid4()), role_of("grid")
    before = suite.change_sets()
    with suite.admin() as admin:
        # Only grid's change sets wait for the standby: its other commits (the key's claim)
        # are local, and so is every other role's.
        admin.execute(f"ALTER ROLE {role} SET synchronous_commit = local")
        admin.execute(
            "CREATE FUNCTION public.wait_for_standby() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM set_config('synchronous_commit', 'on', true); RETURN NULL; END $$"
        )
        admin.execute(
            "CREATE TRIGGER wait_for_standby AFTER INSERT ON grid.change_set "
            "FOR EACH STATEMENT EXECUTE FUNCTION public.wait_for_standby()"
        )
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                      (role,))  # fmt: skip
        admin.execute("ALTER SYSTEM SET synchronous_standby_names = 'nobody'")
        admin.execute("SELECT pg_reload_conf()")
        try:
            sent = threading.Thread(target=_send_once, args=(suite, variables, key), daemon=True)
            sent.start()
            waiting = (
                "SELECT pid FROM pg_stat_activity WHERE usename = %s AND wait_event = 'SyncRep'"
            )
            _until(lambda: admin.execute(waiting, (role,)).fetchone() is not None, "the commit")
            assert grid.process is not None
            os.kill(grid.process.pid, signal.SIGKILL)  # dies before it can answer
            admin.execute(f"SELECT pg_terminate_backend(pid) FROM ({waiting}) w", (role,))
            sent.join(60)
        finally:
            admin.execute("ALTER SYSTEM RESET synchronous_standby_names")
            admin.execute("SELECT pg_reload_conf()")
            admin.execute("DROP TRIGGER wait_for_standby ON grid.change_set")
            admin.execute("DROP FUNCTION public.wait_for_standby()")
            admin.execute(f"ALTER ROLE {role} RESET synchronous_commit")
        applied = suite.change_sets() - before
        assert len(applied) == 1  # committed locally, never answered
        suite.running.supervisor.restart(grid)
        suite.running.supervisor.wait_healthy(60)
        # Six minutes later, as far as the key's record can tell (past any claim's lease).
        admin.execute(
            "UPDATE grid.idempotency_key SET created_at = created_at - interval '6 min', "
            "expires_at = expires_at - interval '6 min' WHERE key = %s",
            (f"{key}:grid:1",),
        )
    with httpx.Client(timeout=30) as client:
        body = _answer(client, suite, ASSIGN_ZONE, variables, key)
    assert _codes(body) == ["ALREADY_APPLIED"], body
    (error,) = body["errors"]
    assert error["message"] and "applied" in error["extensions"]["messageEn"]
    # It names the field whose write committed (a request may hold several).
    assert error["extensions"]["appliedFields"] == ["assignZone"], error
    assert "assignZone" in error["message"]
    assert suite.change_sets() - before == applied  # not applied a second time


def _send_once(suite: Suite, variables: dict, key: str) -> None:
    with contextlib.suppress(httpx.HTTPError, ValueError), httpx.Client(timeout=60) as client:
        _post(client, suite, ASSIGN_ZONE, variables, key)
