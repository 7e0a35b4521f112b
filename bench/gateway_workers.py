"""Throughput of the suite with one worker process per service against two (issue 18).

Run (a stack of its own: a private cluster in PARTYGRID_DATA_DIR with the demo district, the
three subgraphs and the gateway on free 127.0.0.1 ports, all stopped at the end):
    PARTYGRID_DATA_DIR=/tmp/bench-workers .venv/bin/python bench/gateway_workers.py \
        [--seconds 6] [--rounds 2] [--concurrency 8] [--gateway-only]

Each round starts the services once with PARTYGRID_<NAME>_WORKERS=1 and once with 2 (every
service; `--gateway-only`: the gateway alone, the subgraphs keep one), the order alternating
between rounds, and loads the gateway with gateway_vs_hive.py's load client (a separate
process, a closed loop of `--concurrency` clients over one keep-alive pool, 2 s of warm-up,
then `--seconds` measured) cycling through a mix of the demo district's reads as a district
user: one subgraph, org → grid, and org → grid → org. Printed: requests, errors, p50, p99 and
req/s per run, the medians, the ratio 2/1, and the load average before and after (the machine
is shared: with 2 cores, the subgraphs, the load client and PostgreSQL share them too).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

from gateway_vs_hive import Operation, run_load

from gateway.auth.tokens import AccessTokens
from infra.settings import SuiteSettings
from infra.setup import token_keys
from infra.stack import PROCESSES, prepared, services
from services.common.auth import Identity, Role

DISTRICT, COMMUNITY = "410104", "410104001001"
MIX: list[Operation] = [
    f'{{ region(code: "{DISTRICT}") {{ name }} }}',
    f'{{ community(code: "{COMMUNITY}") {{ name zones {{ name buildings {{ name }} }} }} }}',
    f"""{{ community(code: "{COMMUNITY}") {{ name organization {{ name }}
        zones {{ name buildings {{ name residentMemberCount }} }} }} }}""",
]


def _env(workers: int, gateway_only: bool) -> dict[str, dict[str, str]]:
    env = {
        name: {
            f"PARTYGRID_{name.upper()}_WORKERS": str(
                workers if name == "gateway" or not gateway_only else 1
            )
        }
        for name in PROCESSES
    }
    env["gateway"]["PARTYGRID_GATEWAY_ACCESS_LOG"] = "off"
    return env


def _row(name: str, r: dict[str, Any]) -> str:
    return (
        f"{name:28} {r['requests']:9d} {r['errors']:7d} {r['p50_ms']:8.2f} "
        f"{r['p99_ms']:8.2f} {r['throughput']:8.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--gateway-only", action="store_true", help="subgraphs keep 1 worker")
    args = parser.parse_args()
    settings = SuiteSettings()
    keys = token_keys(settings)
    token = AccessTokens(keys["access"], ttl=dt.timedelta(hours=2)).issue(
        Identity("bench-district", Role.DISTRICT, DISTRICT)
    )
    # What run_load reads: the load's length, clients and headers, and a folder for the mix.
    args.header = [f"authorization: Bearer {token.token}"]
    args.logs = Path(tempfile.mkdtemp(prefix="workers-bench-"))
    load_before = os.getloadavg()
    results: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    with prepared(settings) as ready:
        for number in range(args.rounds):
            for workers in (1, 2) if number % 2 == 0 else (2, 1):
                logs = args.logs / f"round{number + 1}-{workers}"
                env = _env(workers, args.gateway_only)
                with services(ready.database, keys, logs, env=env, timeout=120) as stack:
                    result = run_load(stack.gateway, MIX, args)
                results[workers].append(result)
                print(_row(f"{workers} worker(s), round {number + 1}", result), flush=True)
    load_after = os.getloadavg()
    medians = {
        n: {k: statistics.median(r[k] for r in rs) for k in ("p50_ms", "p99_ms", "throughput")}
        for n, rs in results.items()
    }
    one, two = medians[1], medians[2]
    who = "the gateway" if args.gateway_only else "every service"
    print(
        f"{args.seconds:g} s per run, {args.concurrency} clients, {args.rounds} round(s), "
        f"workers of {who}; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )
    for n in (1, 2):
        m = medians[n]
        print(
            f"medians, {n} worker(s): p50 {m['p50_ms']:.2f} ms, p99 {m['p99_ms']:.2f} ms, "
            f"{m['throughput']:.1f} req/s"
        )
    print(
        f"2/1: throughput x{two['throughput'] / one['throughput']:.2f}, "
        f"p50 x{two['p50_ms'] / one['p50_ms']:.2f}, p99 x{two['p99_ms'] / one['p99_ms']:.2f}"
    )


if __name__ == "__main__":
    main()
