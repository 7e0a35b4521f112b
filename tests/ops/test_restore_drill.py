"""Restore drill (issue 18): back up, change data through the gateway as its users do, restore
to a moment between two changes, and prove the state is exactly that moment's.

One own suite with WAL archiving on, its services, and `partygrid backup` / `partygrid restore`
run as an operator runs them (the CLI, in a process of its own, on the suite's data folder):

1. a full backup; then a first batch of changes through the gateway, signed in as the demo's
   planner and district accounts: a zone redrawn and a zone's organization taken away (planner
   commits), an assessment opened and self-assessed (grading steps), two evidence files
   uploaded, a member reporting in (org's facts);
2. T1: the fingerprint of the whole database at one instant (tests/ops/checksums.py), with the
   facts the gateway serves at that moment;
3. a second batch of the same kinds, and the final fingerprint; the suite is stopped;
4. the cluster's data folder removed (a lost disk), `partygrid restore` (the latest point) from
   the repository alone: the final fingerprint again, nothing acknowledged is lost;
5. `partygrid restore --to T1`: T1's fingerprint exactly, every evidence file's bytes match
   their hash, `partygrid reassign` finds 0 buildings in the wrong zone (and, having changed
   nothing, leaves the fingerprint as it was), the restarted services serve T1's facts and
   files, and a session signed in before the restore is refused.

The latest point is restored first on purpose: a point-in-time restore starts a new timeline,
and "latest" afterwards means the end of that new timeline (T1's state), not the end of the
first one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import shapely
from checksums import Fingerprint, fingerprint
from evidence_files import pdf
from own_suite import OwnDatabase, ops_settings, own_folder, own_run, own_services
from shapely import affinity

from infra.demo.users import PASSWORD_FILE
from infra.settings import ROOT, SuiteSettings
from infra.setup import private_cluster
from stack import Running

pytestmark = pytest.mark.slow

GRID_COMMUNITY = "410104002002"  # a committee community of the demo: zones with branches
FACTS_COMMUNITY = "410104001001"
YEAR = 2011  # an assessment year of the drill's own (the demo grades recent years)

LOGIN = """mutation ($u: String!, $p: String!) { login(username: $u, password: $p) {
  session { accessToken refreshToken } errors { code } } }"""
REFRESH = """mutation ($t: String!) { refresh(token: $t) {
  session { accessToken } errors { code } } }"""
ZONES = """query ($c: String!) { community(code: $c) {
  zones { id name version boundary organization { id } } } }"""
PLAN = "changeSet { id } errors { code message } findings { code }"
REDRAW = f"""mutation ($z: ID!, $b: GeoJSON!, $v: Int!) {{
  redrawZone(zoneId: $z, boundary: $b, expectedVersion: $v, reason: "恢复演练") {{ {PLAN} }} }}"""
ASSIGN_ZONE = f"""mutation ($z: ID!, $o: ID, $v: Int!) {{
  assignZone(zoneId: $z, organizationId: $o, expectedVersion: $v, reason: "恢复演练") {{
  {PLAN} }} }}"""
ASSESSMENT = """assessment { id state standard { indicators { code weight } grades { id } } }
  errors { code message }"""
OPEN = f"""mutation ($c: String!, $y: Int!) {{ openAssessment(communityCode: $c, year: $y) {{
  {ASSESSMENT} }} }}"""
SELF_ASSESS = f"""mutation ($id: ID!, $s: [SelfScoreInput!]!) {{
  recordSelfAssessment(assessmentId: $id, scores: $s, note: "自查") {{ {ASSESSMENT} }} }}"""
SURVEY = f"""mutation ($id: ID!, $on: Date!, $counts: [SurveyCountInput!]!) {{
  recordOpinionSurvey(assessmentId: $id, heldOn: $on, counts: $counts) {{ {ASSESSMENT} }} }}"""
DETERMINE = f"""mutation ($id: ID!, $g: String!) {{
  determineGrade(assessmentId: $id, gradeId: $g, reason: "经认定") {{ {ASSESSMENT} }} }}"""
SURVEY_COUNTS = [
    {"respondents": "MEMBERS", "satisfied": 30, "basicallySatisfied": 8, "dissatisfied": 2},
    {"respondents": "RESIDENTS", "satisfied": 50, "basicallySatisfied": 20, "dissatisfied": 5},
]
PENDING = """query ($c: String!) { members(filter: {regionCode: $c, reporting: PENDING},
  first: 200) { nodes { id } } }"""
REPORT_IN = """mutation ($id: ID!) { recordReportingIn(memberId: $id, reportedOn: "2026-03-01",
  unit: "管城区税务局") { member { id } errors { code message } } }"""
FACTS = """query ($c: String!) {
  communityCounts(communityCodes: [$c]) { code reportingDue reportedIn findings { rule message } }
  findings(regionCode: $c, first: 500) { totalCount nodes { rule message } } }"""


# -- the operator's commands -------------------------------------------------------------------


def partygrid(settings: SuiteSettings, *args: str) -> str:
    """`partygrid ARGS` on the suite's data folder, in a process of its own; its output
    (stdout and stderr), which must end with status 0."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env |= {
        "PARTYGRID_DATA_DIR": str(settings.data_dir),
        "PARTYGRID_DB_NAME": settings.db_name,
        "PARTYGRID_ARCHIVE": "true" if settings.archive else "false",
        "PARTYGRID_BACKUP_REPO": str(settings.backup_folder),
    }
    done = subprocess.run(
        [sys.executable, "-m", "infra.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"partygrid {' '.join(args)} exited {done.returncode}:\n{output}"
    return output


# -- users of the gateway ----------------------------------------------------------------------


@dataclass
class User:
    """A demo account signed in through the gateway's login mutation."""

    gateway: str
    access: str
    refresh: str

    @classmethod
    def sign_in(cls, gateway: str, username: str, password: str) -> User:
        body = _post(gateway, LOGIN, {"u": username, "p": password}, token=None)
        session = body["data"]["login"]["session"]
        assert session is not None, body
        return cls(gateway, session["accessToken"], session["refreshToken"])

    def ask(self, query: str, variables: dict[str, Any], key: str | None = None) -> dict:
        """A query or mutation that must answer without GraphQL errors; its data."""
        body = _post(self.gateway, query, variables, token=self.access, key=key)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    def commit(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """A mutation that must succeed, sent with an Idempotency-Key as the console sends
        its writes (so the subgraphs keep its answer too); its payload."""
        (payload,) = self.ask(query, variables, key=str(uuid.uuid4())).values()
        assert payload["errors"] == [], payload
        return dict(payload)

    def upload(self, data: bytes, community: str, name: str) -> dict[str, Any]:
        response = httpx.post(
            f"{_site(self.gateway)}/files/evidence",
            params={"community": community, "name": name},
            content=data,
            headers={
                "authorization": f"Bearer {self.access}",
                "content-type": "application/octet-stream",
            },
            timeout=60,
        )
        assert response.status_code == 201, response.text
        found: dict[str, Any] = response.json()["evidence"]
        return found

    def download(self, evidence_id: str) -> httpx.Response:
        return httpx.get(
            f"{_site(self.gateway)}/files/evidence/{evidence_id}",
            headers={"authorization": f"Bearer {self.access}"},
            timeout=30,
        )


def assert_session_ended(gateway: str, user: User) -> None:
    """`user`'s access token is refused, and so is their refresh token."""
    response = httpx.post(
        gateway,
        json={"query": ZONES, "variables": {"c": GRID_COMMUNITY}},
        headers={"authorization": f"Bearer {user.access}"},
        timeout=30,
    )
    assert response.status_code == 401, response.text
    assert response.json()["errors"][0]["extensions"]["code"] in {"TOKEN_INVALID", "TOKEN_REVOKED"}
    refreshed = _post(gateway, REFRESH, {"t": user.refresh}, token=None)["data"]["refresh"]
    assert refreshed["errors"] == [{"code": "INVALID_REFRESH_TOKEN"}], refreshed["errors"]


def assert_evidence_intact(state: Fingerprint) -> None:
    """Every stored evidence file's bytes match the hash and size kept with them."""
    assert state.evidence.files > 0
    assert (state.evidence.wrong_hash, state.evidence.wrong_size) == (0, 0), state.evidence
    assert state.evidence.unreferenced == 0, state.evidence


def _site(gateway: str) -> str:
    return gateway.removesuffix("/graphql")


def _post(
    gateway: str,
    query: str,
    variables: dict[str, Any],
    *,
    token: str | None,
    key: str | None = None,
) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    if key:
        headers["idempotency-key"] = key
    response = httpx.post(
        gateway, json={"query": query, "variables": variables}, headers=headers, timeout=60
    )
    assert response.status_code == 200, response.text
    body: dict = response.json()
    return body


# -- the changes -------------------------------------------------------------------------------


@dataclass
class Drill:
    """What the drill changed, so that each batch continues from the last."""

    planner: User
    district: User
    assessment: dict[str, Any] = field(default_factory=dict)
    graded: list[str] = field(default_factory=list)  # the assessment's state after each step
    taken_org: str | None = None  # the organization the first batch took from a zone
    files: list[tuple[str, bytes]] = field(default_factory=list)  # evidence id, bytes sent

    def zones(self) -> list[dict[str, Any]]:
        zones = self.planner.ask(ZONES, {"c": GRID_COMMUNITY})["community"]["zones"]
        return sorted(zones, key=lambda z: z["id"])

    def redraw(self) -> None:
        """The first zone, shrunk to 80 % about its centre: buildings at its edge leave it."""
        zone = self.zones()[0]
        smaller = affinity.scale(shapely.from_geojson(json.dumps(zone["boundary"])), 0.8, 0.8)
        boundary = json.loads(shapely.to_geojson(smaller))
        self.planner.commit(REDRAW, {"z": zone["id"], "b": boundary, "v": zone["version"]})

    def toggle_organization(self) -> None:
        """The last zone's organization taken away, or given back."""
        zone = self.zones()[-1]
        if self.taken_org is None:
            assert zone["organization"] is not None, zone
            self.taken_org = zone["organization"]["id"]
            organization = None
        else:
            organization, self.taken_org = self.taken_org, None
        self.planner.commit(ASSIGN_ZONE, {"z": zone["id"], "o": organization, "v": zone["version"]})

    def grade(self) -> None:
        """The next grading step of the drill's assessment: opened, self-assessed, surveyed,
        determined."""
        steps = len(self.graded)
        if steps == 0:
            payload = self.district.commit(OPEN, {"c": GRID_COMMUNITY, "y": YEAR})
        elif steps == 1:
            scores = [
                {"indicatorCode": i["code"], "score": i["weight"], "note": "自评"}
                for i in self.assessment["standard"]["indicators"]
            ]
            payload = self.district.commit(SELF_ASSESS, {"id": self.assessment["id"], "s": scores})
        elif steps == 2:
            payload = self.district.commit(
                SURVEY,
                {"id": self.assessment["id"], "on": f"{YEAR}-05-08", "counts": SURVEY_COUNTS},
            )
        else:
            grade = self.assessment["standard"]["grades"][0]["id"]
            payload = self.district.commit(DETERMINE, {"id": self.assessment["id"], "g": grade})
        self.assessment = payload["assessment"]
        self.graded.append(self.assessment["state"])

    def upload(self, tag: str) -> None:
        data = pdf(tag)
        found = self.district.upload(data, GRID_COMMUNITY, f"{tag}.pdf")
        assert found["sha256"] == hashlib.sha256(data).hexdigest()
        self.files.append((found["id"], data))

    def report_in(self) -> None:
        """A member of FACTS_COMMUNITY pending 报到 reports in: org's facts move."""
        pending = self.district.ask(PENDING, {"c": FACTS_COMMUNITY})["members"]["nodes"]
        assert pending, "the demo has members pending 报到 in the facts community"
        self.district.commit(REPORT_IN, {"id": min(n["id"] for n in pending)})

    def batch(self, name: str) -> None:
        self.redraw()
        self.toggle_organization()
        self.grade()
        self.upload(f"{name}-1")
        self.grade()
        self.upload(f"{name}-2")
        self.report_in()

    def facts(self) -> dict[str, Any]:
        return self.district.ask(FACTS, {"c": FACTS_COMMUNITY})


# -- the drill ---------------------------------------------------------------------------------

# What `partygrid restore` changes on purpose after the restored moment: it ends every session
# (each unused refresh token spent: used and expired now), so those columns of refresh tokens
# are not the restored moment's; their other columns, and every other table, are.
ENDED_SESSIONS = {"auth.refresh_token": frozenset({"used_at", "expires_at"})}


@pytest.fixture(scope="module")
def folder() -> Iterator[SuiteSettings]:
    settings = ops_settings("drill", archive=True)
    # The drill's repository lies in its own folder, whatever repository this machine uses.
    settings = settings.model_copy(update={"backup_repo": settings.data_dir / "backups"})
    with own_folder(settings) as settings:
        yield settings


def _state(own: OwnDatabase) -> Fingerprint:
    return fingerprint(
        own.cluster.conninfo(database=own.settings.db_name), leave_out=ENDED_SESSIONS
    )


def _signed_in(running: Running, settings: SuiteSettings) -> tuple[User, User]:
    password = (settings.data_dir / PASSWORD_FILE).read_text().strip()
    return (
        User.sign_in(running.gateway, "demo-planner", password),
        User.sign_in(running.gateway, "demo-district", password),
    )


def test_a_restore_gives_back_the_moment_asked_for_exactly(
    folder: SuiteSettings, tmp_path: Path
) -> None:
    timings: dict[str, float] = {}
    with own_run(folder) as own, own_services(own, tmp_path / "logs-1") as running:
        started = time.monotonic()
        print(partygrid(folder, "backup", "--full"))
        timings["backup"] = time.monotonic() - started
        drill = Drill(*_signed_in(running, folder))
        before = drill.facts()
        drill.batch("first")
        at_t1 = _state(own)
        facts_t1 = drill.facts()
        drill.batch("second")
        final = _state(own)
        facts_final = drill.facts()
    # Each batch changed what it was meant to change (else the drill proves nothing).
    assert facts_t1 != before and facts_final != facts_t1
    changed = at_t1.differences(final)
    for table in (
        "grid.zone",
        "grid.building",
        "grid.change_set",
        "assess.assessment",
        "assess.grading_snapshot",
        "assess.evidence",
        "assess.evidence_blob",
        "org.member",
        "org.facts_version",
    ):
        assert table in changed, f"the second batch changed nothing in {table}"
    assert final.evidence.files == at_t1.evidence.files + 2
    assert drill.graded == ["SELF_ASSESSMENT", "OPINION_SURVEY", "OPINION_SURVEY", "DETERMINED"]

    # The latest point, from the repository alone: the cluster's data folder is lost (a dead
    # disk) after the suite stopped. Every acknowledged change is there.
    shutil.rmtree(private_cluster(folder).data)
    started = time.monotonic()
    print(partygrid(folder, "restore", "--yes"))
    timings["restore latest"] = time.monotonic() - started
    with own_run(folder) as own:
        restored = _state(own)
    assert restored.differences(final) == {}
    assert_evidence_intact(restored)

    # T1 (the database's clock at the fingerprint's snapshot, to the microsecond, with its
    # offset): exactly the state fingerprinted then.
    started = time.monotonic()
    print(partygrid(folder, "restore", "--to", at_t1.taken_at.isoformat(), "--yes"))
    timings["restore to T1"] = time.monotonic() - started
    started = time.monotonic()
    with own_run(folder) as own:
        timings["cluster up after it"] = time.monotonic() - started
        restored = _state(own)
        assert restored.differences(at_t1) == {}
        assert_evidence_intact(restored)
        # No building lies in another zone than the polygons say. The real command (which
        # commits): with nothing to change it writes nothing, as the fingerprint shows after.
        reassigned = partygrid(folder, "reassign")
        assert re.search(r": 0 changed$", reassigned.strip()), reassigned
        assert _state(own).differences(at_t1) == {}

        started = time.monotonic()
        with own_services(own, tmp_path / "logs-2") as running:
            timings["services up after it"] = time.monotonic() - started
            # Sessions from before the restore are over: their access and refresh tokens.
            for user in (drill.planner, drill.district):
                assert_session_ended(running.gateway, user)
            planner, district = _signed_in(running, folder)
            assert Drill(planner, district).facts() == facts_t1  # org serves T1's facts
            # The files uploaded before T1 are served byte for byte; the later ones are gone.
            for evidence_id, data in drill.files[:2]:
                served = district.download(evidence_id)
                assert served.status_code == 200 and served.content == data
            for evidence_id, _ in drill.files[2:]:
                assert district.download(evidence_id).status_code == 404
    print("drill timings (s):", {k: round(v, 2) for k, v in timings.items()})
