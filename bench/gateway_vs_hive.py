"""Our gateway against Hive Gateway on the same supergraph and subgraphs, plus direct calls.

Run: `.venv/bin/python bench/gateway_vs_hive.py [--seconds 10] [--concurrency 8]`

By default it starts the gateway tests' fixture subgraphs (no database), composes them, and
starts both gateways over the same supergraph file, all on 127.0.0.1 ports 4650-4699 with logs
in `.data/bench-gateway-vs-hive`. `--supergraph FILE --subgraph-urls JSON` uses running
subgraphs instead (e.g. the real services; the mix is then read from `--mix FILE`, one query a
line). Load comes from a separate process (this script re-run with `--load`), a closed loop
of `--concurrency` clients over one keep-alive pool, cycling through the query mix. Each target
is warmed up first, then measured for `--seconds`. `--header 'authorization: Bearer …'` adds a
header to every request (for when the gateway wants a token). `--rounds N` measures both
gateways N times, alternating which goes first, and summarises with medians (the machine is
shared: one round is noisy). `--workers N` runs our gateway as N uvicorn worker processes
(Hive is one process: the headline figures are with one). Before each fixture run the fixture
subgraphs forget the requests they recorded, so no target pays for an earlier one's.

`--federation` runs the same comparison over the federation corpus instead
(tests/gateway/differential/federation): every family's subgraphs composed into one
supergraph by the pinned composer, served by the corpus's `fed_server`, and the mix made of
the corpus's operations (variables included) that both gateways answer without errors; there
is no direct baseline there (the overhead rows are left out).

Printed per target: requests, errors, p50 and p99 latency, throughput; and our overhead over
calling the subgraph directly, on the mix's one-subgraph query, with one client (the pure
per-request overhead; Hive's beside it) and with `--concurrency` clients (where both gateways share identical
subgraph requests in flight, so "via ours" can beat "direct").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "gateway" / "fixtures"
CORPUS = ROOT / "tests" / "gateway" / "differential" / "federation"
HIVE = ROOT / "infra" / "node_modules" / ".bin" / "hive-gateway"
PORTS = {"org": 4651, "grid": 4652, "assess": 4653, "ours": 4654, "hive": 4655}


def use_ports(base: int) -> None:
    """Move every port of the run to `base + 1 ...` (the defaults are base 4650)."""
    for offset, name in enumerate(PORTS, start=1):
        PORTS[name] = base + offset


# The fixture mix: one subgraph, two, three with @requires, and a second-key hop.
MIX = [
    "{ communities { code name zones { name buildings { name } } } }",
    '{ community(code: "C1") { name organization { name } zones { name buildings { name } } } }',
    "{ communities { organization { name score } zones { buildings { id grade label } } } }",
    '{ apartments(filter: {building: "B1"}) { number rent { amount } residents { name score } } }',
]
# The mix's query that one subgraph answers alone, and which subgraph: the overhead baseline.
DIRECT = (MIX[0], "grid")


def _spawn(args: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    with log.open("wb") as handle:
        return subprocess.Popen(
            args, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=handle, stderr=handle
        )


def _wait(url: str, patience: float = 60.0) -> None:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def _uvicorn(app: str, port: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "uvicorn", app, *extra, "--host", "127.0.0.1", "--port",
            str(port), "--log-level", "warning"]  # fmt: skip


def start_fixture_subgraphs(logs: Path, started: list[subprocess.Popen]) -> dict[str, str]:
    """The gateway tests' three fixture subgraphs; their GraphQL URLs by name."""
    state = logs / "state"
    state.mkdir(exist_ok=True)
    urls = {}
    for name in ("org", "grid", "assess"):
        args = _uvicorn(f"fx_{name}:app", PORTS[name], "--app-dir", str(FIXTURES))
        started.append(_spawn(args, logs / f"{name}.log", {"PG_FIXTURE_STATE_DIR": str(state)}))
        urls[name] = f"http://127.0.0.1:{PORTS[name]}/graphql"
    for url in urls.values():
        _wait(url.replace("/graphql", "/debug/requests"))
    return urls


def start_federation(
    logs: Path, started: list[subprocess.Popen]
) -> tuple[dict[str, str], Path, list[Operation]]:
    """The federation corpus's subgraphs (`fed_server`), their supergraph, and its mix."""
    paths = [str(p) for p in (CORPUS, CORPUS.parent, CORPUS.parents[1], ROOT)]
    sys.path[:0] = paths
    from fed_families import FAMILIES

    from infra.supergraph import Subgraph, compose

    port = PORTS["org"]  # one process serves every subgraph
    args = _uvicorn("fed_server:create_app", port, "--factory", "--app-dir", str(CORPUS))
    started.append(_spawn(args, logs / "fed_server.log", {"PYTHONPATH": os.pathsep.join(paths)}))
    _wait(f"http://127.0.0.1:{port}/ready")
    subgraphs = [s for family in FAMILIES for s in family.subgraphs]
    urls = {s.name: f"http://127.0.0.1:{port}/{s.name}/graphql" for s in subgraphs}
    composition = compose([Subgraph(s.name, urls[s.name], s.full_sdl) for s in subgraphs])
    path = logs / "supergraph-federation.graphql"
    path.write_text(composition.supergraph_sdl, encoding="utf-8")
    mix: list[Operation] = []
    for family in FAMILIES:
        for case in family.cases:
            if case.errors or case.hive_wrong:
                continue  # answers with errors would count as failures under load
            body: dict[str, Any] = {"query": case.query}
            if case.variables is not None:
                body["variables"] = case.variables
            if case.operation_name is not None:
                body["operationName"] = case.operation_name
            mix.append(body)
    return urls, path, mix


def answered_by_both(gateways: dict[str, str], mix: list[Operation]) -> list[Operation]:
    """The operations both gateways answer with 200 and no errors (the rest would be
    measured as failures: cases that document errors, or where Hive is wrong)."""
    kept = []
    with httpx.Client(timeout=30.0, trust_env=False) as client:
        for operation in mix:
            answers = [
                client.post(url, json=_body(operation), headers={"accept": "application/json"})
                for url in gateways.values()
            ]
            if all(a.status_code == 200 and b'"errors"' not in a.content for a in answers):
                kept.append(operation)
    return kept


def compose_supergraph(urls: dict[str, str], path: Path) -> Path:
    """Compose the running subgraphs with their real URLs (Hive reads URLs from the file)."""
    sys.path.insert(0, str(ROOT))
    from infra.supergraph import Subgraph, compose, fetch_sdl

    composition = compose([Subgraph(n, u, fetch_sdl(u)) for n, u in urls.items()])
    path.write_text(composition.supergraph_sdl, encoding="utf-8")
    return path


def start_gateways(
    supergraph: Path,
    urls: dict[str, str],
    logs: Path,
    started: list[subprocess.Popen],
    workers: int = 1,
) -> dict[str, str]:
    """Our gateway (`workers` uvicorn workers) and Hive Gateway (one process) on one file."""
    env = {
        "PARTYGRID_GATEWAY_SUPERGRAPH_PATH": str(supergraph),
        "PARTYGRID_GATEWAY_SUBGRAPH_URLS": json.dumps(urls),
    }
    ours = _uvicorn("gateway.app:create_app", PORTS["ours"], "--factory", "--workers", str(workers))
    started.append(_spawn(ours, logs / "ours.log", env))
    hive_env = {k: v for k, v in os.environ.items() if not k.startswith(("HIVE_", "APOLLO_"))}
    hive_env["NODE_ENV"] = "production"
    hive = [str(HIVE), "supergraph", str(supergraph), "--host", "127.0.0.1",
            "--port", str(PORTS["hive"]), "--disable-websockets", "--polling", "1h"]  # fmt: skip
    with (logs / "hive.log").open("wb") as handle:
        started.append(subprocess.Popen(hive, cwd=logs, env=hive_env, stdout=handle, stderr=handle))
    _wait(f"http://127.0.0.1:{PORTS['ours']}/healthz")
    _wait(f"http://127.0.0.1:{PORTS['hive']}/healthcheck")
    return {
        "ours": f"http://127.0.0.1:{PORTS['ours']}/graphql",
        "hive": f"http://127.0.0.1:{PORTS['hive']}/graphql",
    }


# The load generator (runs in its own process) ---------------------------------------------


Operation = str | dict[str, Any]  # a query, or a whole request body (variables, name)


def _body(operation: Operation) -> dict[str, Any]:
    return {"query": operation} if isinstance(operation, str) else operation


async def _load(
    url: str, queries: list[Operation], headers: dict[str, str], seconds: float, concurrency: int
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    bodies = [json.dumps(_body(q)).encode() for q in queries]
    headers = {"content-type": "application/json", "accept": "application/json", **headers}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30.0, trust_env=False) as client:

        async def worker(offset: int, deadline: float) -> None:
            nonlocal errors
            index = offset
            while time.perf_counter() < deadline:
                body = bodies[index % len(bodies)]
                index += 1
                started = time.perf_counter()
                response = await client.post(url, content=body, headers=headers)
                elapsed = time.perf_counter() - started
                if response.status_code != 200 or b'"errors"' in response.content:
                    errors += 1
                latencies.append(elapsed)

        # Warm-up: plan caches, connection pools, JIT.
        await asyncio.gather(*(worker(i, time.perf_counter() + 2.0) for i in range(concurrency)))
        latencies.clear()
        errors = 0
        began = time.perf_counter()
        await asyncio.gather(*(worker(i, began + seconds) for i in range(concurrency)))
        wall = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "throughput": len(latencies) / wall,
    }


def run_load(
    url: str, queries: list[Operation], args: argparse.Namespace, concurrency: int | None = None
) -> dict[str, Any]:
    """Run the load generator in a separate process and read its JSON result."""
    clients = str(concurrency or args.concurrency)
    # A file, not an argument: the corpus's mix is longer than one argument may be.
    mix = args.logs.resolve() / "mix.json"
    mix.write_text(json.dumps(queries), encoding="utf-8")
    command = [sys.executable, __file__, "--load", url, "--seconds", str(args.seconds),
               "--concurrency", clients, "--queries", str(mix)]  # fmt: skip
    for header in args.header:
        command += ["--header", header]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=600)
    return json.loads(done.stdout)


def _headers(raw: list[str]) -> dict[str, str]:
    return {k.strip(): v.strip() for k, _, v in (h.partition(":") for h in raw)}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--header", action="append", default=[], help="'name: value'")
    parser.add_argument("--supergraph", type=Path, help="use running subgraphs: supergraph file")
    parser.add_argument("--subgraph-urls", help="with --supergraph: JSON map name -> URL")
    parser.add_argument("--mix", type=Path, help="with --supergraph: one query per line")
    parser.add_argument("--direct", help="with --supergraph: 'subgraph=query' for the baseline")
    parser.add_argument("--rounds", type=int, default=1, help="alternating rounds (medians)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers of ours")
    parser.add_argument("--port-base", type=int, default=4650, help="ports base+1 .. base+5")
    parser.add_argument(
        "--federation", action="store_true", help="over the federation corpus's supergraph"
    )
    parser.add_argument("--logs", type=Path, default=ROOT / ".data" / "bench-gateway-vs-hive")
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--queries", help=argparse.SUPPRESS)
    return parser


def _subgraphs(
    args: argparse.Namespace, logs: Path, started: list[subprocess.Popen]
) -> tuple[dict[str, str], Path, list[Operation], tuple[str, str] | None]:
    """Subgraph URLs, the supergraph file, the mix and the direct baseline (subgraph, query)
    of the run: running subgraphs, the federation corpus's, or the fixture subgraphs."""
    if args.supergraph:
        urls = json.loads(args.subgraph_urls)
        queries = [q for q in args.mix.read_text().splitlines() if q.strip()]
        graph, _, query = (args.direct or f"{next(iter(urls))}={queries[0]}").partition("=")
        return urls, args.supergraph, list(queries), (query, graph)
    if args.federation:
        urls, supergraph, mix = start_federation(logs, started)
        return urls, supergraph, mix, None
    urls = start_fixture_subgraphs(logs, started)
    supergraph = compose_supergraph(urls, logs / "supergraph.graphql")
    return urls, supergraph, list(MIX), DIRECT


def main() -> None:
    args = _parser().parse_args()
    if args.load:  # the load generator process
        result = asyncio.run(
            _load(
                args.load,
                json.loads(Path(args.queries).read_text(encoding="utf-8")),
                _headers(args.header),
                args.seconds,
                args.concurrency,
            )
        )
        print(json.dumps(result))
        return
    use_ports(args.port_base)
    logs = args.logs.resolve()
    logs.mkdir(parents=True, exist_ok=True)
    started: list[subprocess.Popen] = []
    try:
        urls, supergraph, mix, direct = _subgraphs(args, logs, started)
        gateways = start_gateways(supergraph, urls, logs, started, args.workers)
        if args.federation:
            mix = answered_by_both(gateways, mix)
            print(f"federation corpus: {len(urls)} subgraphs, {len(mix)} operations in the mix")
        forget = (
            []
            if args.supergraph or args.federation
            else [u.replace("/graphql", "/debug/requests") for u in urls.values()]
        )

        def measure(url: str, queries: list[Operation], concurrency: int | None = None) -> dict:
            for recorder in forget:
                httpx.delete(recorder, timeout=5.0)
            return run_load(url, queries, args, concurrency)

        rounds: list[dict[str, dict[str, Any]]] = []
        for number in range(args.rounds):
            order = list(gateways) if number % 2 == 0 else list(reversed(gateways))
            rounds.append({name: measure(gateways[name], mix) for name in order})
        overhead = {}
        if direct is not None:
            one: list[Operation] = [direct[0]]
            overhead = {
                "ours, one-subgraph, 1 client": measure(gateways["ours"], one, 1),
                "hive, one-subgraph, 1 client": measure(gateways["hive"], one, 1),
                "direct, one-subgraph, 1 client": measure(urls[direct[1]], one, 1),
                "ours, one-subgraph query": measure(gateways["ours"], one),
                "direct, one-subgraph query": measure(urls[direct[1]], one),
            }
        report(rounds, overhead, args)
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=10)


def _row(name: str, r: dict[str, Any]) -> str:
    return (
        f"{name:32} {r['requests']:9d} {r['errors']:7d} {r['p50_ms']:8.2f} "
        f"{r['p99_ms']:8.2f} {r['throughput']:8.1f}"
    )


def report(
    rounds: list[dict[str, dict[str, Any]]],
    overhead: dict[str, dict[str, Any]],
    args: argparse.Namespace,
) -> None:
    print(
        f"{args.seconds:g} s per target, {args.concurrency} concurrent clients, "
        f"{len(rounds)} round(s), our gateway with {args.workers} worker(s)"
    )
    print(f"{'target':32} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8}")
    for number, results in enumerate(rounds, start=1):
        for name, r in results.items():
            print(_row(f"{name} (round {number})" if len(rounds) > 1 else name, r))
    for name, r in overhead.items():
        print(_row(name, r))
    median = {
        name: {k: statistics.median(r[name][k] for r in rounds) for k in ("p50_ms", "throughput")}
        for name in ("ours", "hive")
    }
    ours, hive = median["ours"], median["hive"]
    print(
        f"{'medians: ' if len(rounds) > 1 else ''}ours p50 {ours['p50_ms']:.2f} ms, "
        f"{ours['throughput']:.1f} req/s; hive p50 {hive['p50_ms']:.2f} ms, "
        f"{hive['throughput']:.1f} req/s"
    )
    if not overhead:
        print(
            f"p50 ours/hive x{ours['p50_ms'] / hive['p50_ms']:.2f} (target <= 1), "
            f"throughput ours/hive x{ours['throughput'] / hive['throughput']:.2f} (target >= 1)"
        )
        return
    single, alone = (
        overhead["ours, one-subgraph, 1 client"],
        overhead["direct, one-subgraph, 1 client"],
    )
    gateway, direct = overhead["ours, one-subgraph query"], overhead["direct, one-subgraph query"]
    print(
        f"p50 ours/hive x{ours['p50_ms'] / hive['p50_ms']:.2f} (target <= 1), "
        f"throughput ours/hive x{ours['throughput'] / hive['throughput']:.2f} (target >= 1); "
        f"overhead over direct, 1 client: p50 +{single['p50_ms'] - alone['p50_ms']:.2f} ms "
        f"(x{single['p50_ms'] / alone['p50_ms']:.2f}; hive "
        f"+{overhead['hive, one-subgraph, 1 client']['p50_ms'] - alone['p50_ms']:.2f} ms); "
        f"{args.concurrency} clients: "
        f"{gateway['p50_ms'] - direct['p50_ms']:+.2f} ms (x{gateway['p50_ms'] / direct['p50_ms']:.2f})"
    )


if __name__ == "__main__":
    main()
