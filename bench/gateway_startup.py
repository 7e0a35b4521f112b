"""Gateway start-up: from process start to ready, ours beside Hive Gateway, on a generated
supergraph of at least 50 types (issue 17's target: ours ≤ 1 s).

Run: `.venv/bin/python bench/gateway_startup.py [-n 7] [--entities 32]`

The supergraph is composed (`infra.supergraph.compose`, the pinned composer) from the
generated subgraphs of `bench/startup_supergraph.py` (entities across four subgraphs with
`@requires`, interfaces, unions, enums, inputs; 53 API types with the default 32 entities),
served by one fixture process the way the federation corpus's `fed_server` serves its
families. Then, `-n` times each, alternating which goes first:

- ours is started as `partygrid up` and the tests' `start_gateway` start it (`python -m
  uvicorn gateway.app:create_app --factory`, `PARTYGRID_GATEWAY_SUPERGRAPH_PATH` and
  `_SUBGRAPH_URLS`); "ready" is the first 200 of `/healthz`: uvicorn accepts connections only
  once the lifespan has loaded the supergraph and built the API schema and planner, so that
  200 means GraphQL can be served (`/readyz` asks the subgraphs as well; Hive's readiness
  does not);
- Hive Gateway (`infra/node_modules/.bin/hive-gateway supergraph FILE`, as the differential
  harness starts it); "ready" is the first 200 of `/readiness` (its supergraph loaded).

Both are polled every 5 ms from the moment the process is spawned. After ready, the first
GraphQL request (three subgraphs and an entity hop) is timed too: work deferred to first use
shows there. Printed: median and max of each, the CPU time each process (Hive: with its
workers) had used by ready (from /proc: the machine is shared, and CPU time moves less with
its load than wall time), and the ratio ours / Hive. Load average goes with the figures.

`--in-process` prints instead, in this process, the time to parse the supergraph, build the
API schema and the planner, for the generated supergraph and for PartyGrid's own
`supergraph.graphql` (modules imported first, so only the work on the file counts).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
CORPUS = ROOT / "tests" / "gateway" / "differential" / "federation"
# The generated subgraphs are corpus fixtures: these folders import them.
PATHS = (BENCH, CORPUS, CORPUS.parent, CORPUS.parents[1], ROOT)
sys.path[:0] = [str(p) for p in PATHS]

from startup_supergraph import api_types, first_query, subgraphs  # noqa: E402

from infra.supergraph import Subgraph, compose  # noqa: E402

HIVE = ROOT / "infra" / "node_modules" / ".bin" / "hive-gateway"
PORTS = {"subgraphs": 4671, "ours": 4672, "hive": 4673}
POLL = 0.005


def _uvicorn(app: str, port: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "uvicorn", app, *extra, "--host", "127.0.0.1", "--port",
            str(port), "--log-level", "warning"]  # fmt: skip


def start_subgraphs(entities: int, logs: Path) -> tuple[subprocess.Popen, dict[str, str]]:
    """The generated subgraphs in one process; their URLs by name."""
    port = PORTS["subgraphs"]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(p) for p in PATHS),
        "STARTUP_ENTITIES": str(entities),
    }
    args = _uvicorn("startup_supergraph:create_app", port, "--factory", "--app-dir", str(BENCH))
    with (logs / "subgraphs.log").open("wb") as handle:
        popen = subprocess.Popen(args, cwd=ROOT, env=env, stdout=handle, stderr=handle)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/ready", timeout=1.0).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        popen.terminate()
        raise RuntimeError("the generated subgraphs did not start: see subgraphs.log")
    return popen, {s.name: f"{base}/{s.name}/graphql" for s in subgraphs(entities)}


def write_supergraph(entities: int, urls: dict[str, str], path: Path) -> int:
    """Compose the generated subgraphs at `urls` into `path`; the API schema's type count."""
    composition = compose([Subgraph(s.name, urls[s.name], s.full_sdl) for s in subgraphs(entities)])
    path.write_text(composition.supergraph_sdl, encoding="utf-8")
    return api_types(composition.public_sdl)


def _ours(supergraph: Path, urls: dict[str, str], log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "PARTYGRID_GATEWAY_SUPERGRAPH_PATH": str(supergraph),
        "PARTYGRID_GATEWAY_SUBGRAPH_URLS": json.dumps(urls),
    }
    args = _uvicorn("gateway.app:create_app", PORTS["ours"], "--factory")
    with log.open("wb") as handle:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=handle, stderr=handle)


def _hive(supergraph: Path, _urls: dict[str, str], log: Path) -> subprocess.Popen:
    # Nothing of ours tells Hive to report anywhere; drop inherited settings that would.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HIVE_", "APOLLO_", "OTEL_", "OPENTELEMETRY"))
    }
    env["NODE_ENV"] = "production"
    args = [str(HIVE), "supergraph", str(supergraph), "--host", "127.0.0.1",
            "--port", str(PORTS["hive"]), "--disable-websockets", "--polling", "1h"]  # fmt: skip
    with log.open("wb") as handle:
        return subprocess.Popen(args, cwd=supergraph.parent, env=env, stdout=handle, stderr=handle)


TARGETS: dict[str, tuple[Callable[..., subprocess.Popen], str]] = {
    "ours": (_ours, "/healthz"),
    "hive": (_hive, "/readiness"),
}


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its descendants so far, from /proc: what
    the start-up cost, whatever else the shared machine was doing."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += (int(fields[11]) + int(fields[12])) / _TICKS
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += cpu_seconds(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total


def start_once(
    name: str, supergraph: Path, urls: dict[str, str], query: str, logs: Path
) -> tuple[float, float, float]:
    """Start one gateway; (seconds from spawn to ready, its CPU seconds by then, seconds of
    the first request)."""
    spawn, ready_path = TARGETS[name]
    base = f"http://127.0.0.1:{PORTS[name]}"
    with httpx.Client(timeout=10.0, trust_env=False) as client:
        began = time.perf_counter()
        popen = spawn(supergraph, urls, logs / f"{name}.log")
        try:
            while True:
                if popen.poll() is not None:
                    raise RuntimeError(f"{name} exited: see {logs / (name + '.log')}")
                try:
                    if client.get(base + ready_path).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.perf_counter() - began > 60:
                    raise RuntimeError(f"{name} not ready after 60 s")
                time.sleep(POLL)
            ready = time.perf_counter() - began
            cpu = cpu_seconds(popen.pid)
            asked = time.perf_counter()
            response = client.post(
                base + "/graphql",
                json={"query": query},
                headers={"accept": "application/json"},
            )
            first = time.perf_counter() - asked
            body = response.json()
            if response.status_code != 200 or body.get("errors") or not body.get("data"):
                raise RuntimeError(f"{name}'s first answer is wrong: {response.text[:500]}")
        finally:
            popen.terminate()
            try:
                popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait(timeout=10)
    return ready, cpu, first


def in_process(entities: int) -> None:
    """Parse, API schema and planner build for the generated and PartyGrid's supergraphs."""
    from gateway.api_schema import build_api_schema
    from gateway.planner import Planner
    from gateway.supergraph import parse_supergraph

    urls = {s.name: f"http://127.0.0.1:9/{s.name}/graphql" for s in subgraphs(entities)}
    generated = compose([Subgraph(s.name, urls[s.name], s.full_sdl) for s in subgraphs(entities)])
    files = {
        f"generated ({api_types(generated.public_sdl)} types)": generated.supergraph_sdl,
        "PartyGrid supergraph.graphql": (ROOT / "supergraph.graphql").read_text(encoding="utf-8"),
    }
    print(f"{'supergraph':34} {'parse ms':>9} {'API schema ms':>14} {'planner ms':>11}")
    for label, sdl in files.items():
        runs = []
        for _ in range(5):
            began = time.perf_counter()
            supergraph = parse_supergraph(sdl)
            parsed = time.perf_counter()
            schema = build_api_schema(supergraph)
            built = time.perf_counter()
            Planner(supergraph, schema, cache_size=512)
            runs.append((parsed - began, built - parsed, time.perf_counter() - built))
        parse_s, api_s, plan_s = (statistics.median(r[k] for r in runs) * 1000 for k in range(3))
        print(f"{label:34} {parse_s:9.1f} {api_s:14.1f} {plan_s:11.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=7, help="starts of each gateway")
    parser.add_argument("--entities", type=int, default=32, help="entity types generated")
    parser.add_argument("--in-process", action="store_true", help="parse/schema/planner only")
    parser.add_argument("--only", choices=sorted(TARGETS), help="start only this gateway")
    parser.add_argument("--logs", type=Path, default=ROOT / ".data" / "bench-gateway-startup")
    args = parser.parse_args()
    if args.in_process:
        in_process(args.entities)
        return
    logs = args.logs.resolve()
    logs.mkdir(parents=True, exist_ok=True)
    server, urls = start_subgraphs(args.entities, logs)
    try:
        supergraph = logs / "supergraph.graphql"
        types = write_supergraph(args.entities, urls, supergraph)
        query = first_query(args.entities)
        names = [args.only] if args.only else list(TARGETS)
        results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in names}
        for number in range(args.n):
            for name in names if number % 2 == 0 else reversed(names):
                results[name].append(start_once(name, supergraph, urls, query, logs))
    finally:
        server.terminate()
        server.wait(timeout=10)
    report(results, types, len(urls), args.n)
    print("load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


def report(
    results: dict[str, list[tuple[float, float, float]]], types: int, graphs: int, n: int
) -> None:
    print(f"supergraph: {types} API types, {graphs} subgraphs; {n} starts each")
    print(f"{'gateway':8} {'ready p50 ms':>13} {'ready max ms':>13} {'CPU p50 ms':>11} "
          f"{'1st req p50':>12} {'1st req max':>12}")  # fmt: skip
    medians = {}
    for name, runs in results.items():
        ready = [r[0] * 1000 for r in runs]
        cpu = [r[1] * 1000 for r in runs]
        first = [r[2] * 1000 for r in runs]
        medians[name] = statistics.median(ready)
        print(
            f"{name:8} {statistics.median(ready):13.0f} {max(ready):13.0f} "
            f"{statistics.median(cpu):11.0f} {statistics.median(first):12.1f} {max(first):12.1f}"
        )
    if "ours" in medians:
        verdict = "met" if medians["ours"] <= 1000 else "NOT met"
        line = f"ours ready p50 {medians['ours']:.0f} ms: target ≤ 1000 ms {verdict}"
        if "hive" in medians:
            line += f"; ours / hive x{medians['ours'] / medians['hive']:.2f}"
        print(line)


if __name__ == "__main__":
    main()
