"""Org's rule facts for the whole demo district (14 communities, 9,631 members): what
`communityCounts` and `findings` cost, in process and over HTTP to org directly, each against
a baseline measured in the same run.

In process (in a child process per code version, against the stack's database):
`load_facts` alone, the checks over loaded facts (all rules, and the rules `communityCounts`
counts), `community_counts` (facts and counts; up to main at 069e3aa also every counted
rule's findings, since then only those asked for, when asked) and `check_communities` (facts
with grid's zones and buildings, every rule), against `SELECT 1` on the same connection. Over HTTP, straight to org (no gateway): `communityCounts` as assess
asks it (`services.assess.metrics.reads`, the findings of `services.assess.metrics.org.FINDING_RULES`), the same
with every finding, and `findings` for the district, against `{ __typename }` on the same org.

`--before DIR` measures a second checkout's code the same way, in the same run on the same
database, rounds alternating between the two (e.g. main's HEAD: `git worktree add /tmp/before
main` or `git archive main | tar -x -C /tmp/before`). It starts its own stack (a private
cluster in PARTYGRID_DATA_DIR, default .data/bench-orgfacts, with the demo district; grid and
org on free ports; everything stopped at the end):
    .venv/bin/python bench/org_rule_facts.py [-n 20] [--rounds 2] [--before /tmp/before]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx

from infra.settings import ROOT

DISTRICT = "410104"
AS_OF = dt.date(2020, 5, 15)
BASELINE = "{ __typename }"
COUNTS_FIELDS = """code
    committee { organizationName kind size minSize maxSize secretaries fulltimeDeputies
                parttimeDeputies seats inAgeBand associateOrHigher parttimeMembers
                parttimeMembersFromUnits }
    reportingDue reportedIn postDuties { duty owed held }
    specialCategoryMembers helpedMembers functionalUnits
    volunteerTeams { name selfManaged nonSelfManaged jointlyManaged }"""
COUNTS_ASSESS = f"""query ($codes: [String!]!, $asOf: Date, $rules: [String!]) {{
  communityCounts(communityCodes: $codes, asOf: $asOf) {{ {COUNTS_FIELDS}
    findings(rules: $rules) {{ rule message messageEn }} }} }}"""
COUNTS_ALL = f"""query ($codes: [String!]!, $asOf: Date) {{
  communityCounts(communityCodes: $codes, asOf: $asOf) {{ {COUNTS_FIELDS}
    findings {{ rule message messageEn }} }} }}"""
FINDINGS = """query ($region: String!, $asOf: Date) {
  findings(regionCode: $region, asOf: $asOf, first: 50) {
    totalCount edges { cursor node { rule severity message community { code } } } } }"""
IN_PROCESS = (
    "SELECT 1 (baseline)",
    "load_facts",
    "check, all rules (facts loaded)",
    "check, counted rules (facts loaded)",
    "community_counts",
    "check_communities (with grid)",
)
OVER_HTTP = (
    "{ __typename } (baseline)",
    "communityCounts as assess asks it",
    "communityCounts, every finding",
    "findings(regionCode: district, first: 50)",
)


async def p50(fn: Callable[[], Awaitable[object]], n: int) -> float:
    """Median wall time in ms over n runs, after 3 warm-up runs."""
    for _ in range(3):
        await fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


# --- in process (run as a child process with the measured code on PYTHONPATH) -------------------


async def in_process(org_url: str, grid_url: str, n: int) -> dict[str, float]:
    from sqlalchemy import text

    from services.common.database import make_engine
    from services.org import community_counts
    from services.org.grid_client import GridClient
    from services.org.rules import checker
    from services.org.rules.facts import RuleContext, load_facts
    from services.org.rules.settings import rules_settings

    engine = make_engine(org_url, pool_size=1)
    ctx = RuleContext(AS_OF, rules_settings())
    try:
        async with engine.connect() as conn, httpx.AsyncClient(timeout=60) as client:
            grid = GridClient(grid_url, client)
            query = text("SELECT code FROM org.region WHERE level = 'community' AND code LIKE :p")
            codes = [r.code for r in await conn.execute(query, {"p": f"{DISTRICT}%"})]
            facts = await load_facts(conn, None, community_codes=codes)
            # As the services do after start-up (services/common/app.py): what lives as long
            # as the process is left out of the collector's full collections.
            gc.collect()
            gc.freeze()

            async def baseline() -> object:
                return (await conn.execute(text("SELECT 1"))).all()

            async def facts_only() -> object:
                return await load_facts(conn, None, community_codes=codes)

            async def check_all() -> object:
                return checker.check(facts, ctx)

            async def check_counted() -> object:
                return checker.check(facts, ctx, community_counts.COUNTED_RULES)

            async def counts() -> object:
                return await community_counts.community_counts(
                    conn, community_codes=codes, as_of=AS_OF
                )

            async def with_grid() -> object:
                return await checker.check_communities(
                    conn, grid, community_codes=codes, as_of=AS_OF
                )

            # Outside a request grid is asked as the org service itself, as org's CLI does.
            steps = (baseline, facts_only, check_all, check_counted, counts, with_grid)
            return {name: await p50(fn, n) for name, fn in zip(IN_PROCESS, steps, strict=True)}
    finally:
        await engine.dispose()


# --- over HTTP -----------------------------------------------------------------------------------


async def over_http(org: str, codes: list[str], n: int) -> dict[str, float]:
    from bench_auth import subgraph_headers  # beside this script

    from services.assess.metrics.org import FINDING_RULES

    async def post(query: str, variables: dict | None = None) -> object:
        json_body = {"query": query, "variables": variables}
        body = (await client.post(org, json=json_body, headers=subgraph_headers())).json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])
        return body["data"]

    as_of = AS_OF.isoformat()
    calls = (
        (BASELINE, None),
        (COUNTS_ASSESS, {"codes": codes, "asOf": as_of, "rules": list(FINDING_RULES)}),
        (COUNTS_ALL, {"codes": codes, "asOf": as_of}),
        (FINDINGS, {"region": DISTRICT, "asOf": as_of}),
    )
    async with httpx.AsyncClient(timeout=60) as client:
        return {
            name: await p50(lambda q=q, v=v: post(q, v), n)
            for name, (q, v) in zip(OVER_HTTP, calls, strict=True)
        }


# --- the stack and the runs ----------------------------------------------------------------------


@contextlib.contextmanager
def own_stack(versions: dict[str, Path]) -> Iterator[tuple[str, str, dict[str, str]]]:
    """The demo district in a private cluster, grid, and one org process per code version;
    yields org's database URL, grid's GraphQL URL and each version's org GraphQL URL."""
    from infra.locking import RunLock
    from infra.settings import SuiteSettings
    from infra.setup import database, token_keys
    from infra.supervisor import Supervisor, free_port, service_env

    data_dir = Path(os.environ.get("PARTYGRID_DATA_DIR", ROOT / ".data" / "bench-orgfacts"))
    settings = SuiteSettings(data_dir=data_dir)
    os.environ["PARTYGRID_DATA_DIR"] = str(data_dir)  # bench_auth reads the keys there
    with RunLock(settings.data_dir), database(settings) as prepared:
        keys = token_keys(settings)
        os.environ["PARTYGRID_INTERNAL_TOKEN_KEY"] = keys["internal"]  # the children sign
        logs = Path(tempfile.mkdtemp(prefix="orgfacts-bench-"))
        # One supervisor per process: each names its log after the app it runs.
        supervisors = {name: Supervisor("127.0.0.1", logs / name) for name in ("grid", *versions)}
        try:
            ports = {name: free_port() for name in supervisors}
            urls = {name: f"http://127.0.0.1:{port}/graphql" for name, port in ports.items()}
            db = prepared.database.service_urls
            # `python -m uvicorn` puts its working folder first on sys.path: start each
            # process from a neutral one, so PYTHONPATH alone says whose code it runs.
            os.chdir(logs)
            for name, supervisor in supervisors.items():
                service = "grid" if name == "grid" else "org"
                # grid asks "org" for residents: the first version's process answers.
                peers = {"grid": urls["grid"], "org": urls[next(iter(versions))]}
                env = service_env(service, db[service], ports[name], peers, keys=keys)
                env["PYTHONPATH"] = str(versions.get(name, ROOT))
                supervisor.start(service, ports[name], env)
            for supervisor in supervisors.values():
                supervisor.wait_healthy(60)
            yield db["org"], urls["grid"], {v: urls[v] for v in versions}
        finally:
            for supervisor in supervisors.values():
                supervisor.stop_all()


def child_in_process(code: Path, org_url: str, grid_url: str, n: int) -> dict[str, float]:
    """`in_process` with `code` on PYTHONPATH, in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, __file__, "--in-process", org_url, grid_url, "-n", str(n)],
        env={**os.environ, "PYTHONPATH": str(code)},
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(title: str, names: tuple[str, ...], runs: dict[str, list[dict[str, float]]]) -> None:
    print(title)
    medians = {
        v: {name: statistics.median(r[name] for r in rounds) for name in names}
        for v, rounds in runs.items()
    }
    for name in names:
        cells = []
        for v, m in medians.items():
            base = m[names[0]]
            cells.append(f"{v} {m[name]:8.1f} ms (×{m[name] / base:6.1f})")
        if len(medians) == 2:
            cells.append(f"after/before ×{medians['after'][name] / medians['before'][name]:.2f}")
        print(f"  {name:42} " + "   ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--before", type=Path, help="another checkout to measure alongside")
    parser.add_argument("--in-process", nargs=2, metavar=("ORG_DB", "GRID"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_process:
        print(json.dumps(asyncio.run(in_process(*args.in_process, args.n))))
        return
    versions = {"after": ROOT} if args.before is None else {"before": args.before, "after": ROOT}
    with own_stack(versions) as (org_db, grid_url, org_urls):
        codes = asyncio.run(_codes(org_db))
        local: dict[str, list[dict[str, float]]] = {v: [] for v in versions}
        http: dict[str, list[dict[str, float]]] = {v: [] for v in versions}
        for _ in range(args.rounds):
            for v, code in versions.items():
                local[v].append(child_in_process(code, org_db, grid_url, args.n))
                http[v].append(asyncio.run(over_http(org_urls[v], codes, args.n)))
    print(
        f"district {DISTRICT}: {len(codes)} communities, as of {AS_OF}; n={args.n} per p50, "
        f"medians of {args.rounds} alternating rounds; code: "
        + ", ".join(f"{v} {p}" for v, p in versions.items())
    )
    report("in process (p50, × the SELECT 1 baseline):", IN_PROCESS, local)
    report("over HTTP to org directly (p50, × { __typename }):", OVER_HTTP, http)


async def _codes(org_db: str) -> list[str]:
    from sqlalchemy import text

    from services.common.database import make_engine

    engine = make_engine(org_db, pool_size=1)
    try:
        async with engine.connect() as conn:
            query = text("SELECT code FROM org.region WHERE level = 'community' AND code LIKE :p")
            return [r.code for r in await conn.execute(query, {"p": f"{DISTRICT}%"})]
    finally:
        await engine.dispose()


if __name__ == "__main__":
    main()
