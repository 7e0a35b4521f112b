"""Gateway `/healthz` latency during a login flood, against the same with no flood.

Issue 12's target: healthz p99 through the gateway ≤ 50 ms while four clients log in as
fast as they can (argon2 on the event loop made it 2.4 s). Phases, in one run:

1. baseline: `GET /healthz` one after another for `--seconds`, nothing else;
2. flood of right passwords: four processes log in as a demo account (each login hashes:
   not throttled, since it succeeds) while healthz is measured the same way;
3. flood of a password spray: four processes try one wrong password each on random names
   from random addresses (X-Forwarded-For, as a proxy would set it; each costs a dummy
   verification, since neither an account nor an address repeats), same measurement.

The suite must be up (this script starts nothing); the demo password comes from its data
folder (`PARTYGRID_DATA_DIR`, default .data):
    .venv/bin/python bench/login_flood.py http://127.0.0.1:4000 [--seconds 10] [--clients 4]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time
import uuid
from pathlib import Path

import httpx

from infra.settings import ROOT

LOGIN = """mutation ($u: String!, $p: String!) { login(username: $u, password: $p) {
  session { expiresAt } errors { code } } }"""


def _demo_password() -> str:
    data_dir = Path(os.environ.get("PARTYGRID_DATA_DIR", ROOT / ".data"))
    return (data_dir / "demo-password").read_text().strip()


def _flood(base: str, mode: str, stop_at: float, counts: multiprocessing.Queue) -> None:
    done = refused = 0
    password = _demo_password()
    with httpx.Client(base_url=base, timeout=60) as client:
        while time.time() < stop_at:
            if mode == "right":
                variables, headers = {"u": "demo-viewer", "p": password}, {}
            else:
                octets = uuid.uuid4().bytes
                address = f"10.{octets[0]}.{octets[1]}.{octets[2]}"
                variables = {"u": f"spray-{uuid.uuid4().hex[:10]}", "p": "Winter2026!!"}
                headers = {"x-forwarded-for": address}
            body = client.post("/graphql", json={"query": LOGIN, "variables": variables},
                               headers=headers).json()  # fmt: skip
            done += 1
            refused += any(
                e.get("extensions", {}).get("code") == "RATE_LIMITED"
                for e in body.get("errors") or []
            )
    counts.put((done, refused))


def _healthz(base: str, seconds: float) -> list[float]:
    times = []
    with httpx.Client(base_url=base, timeout=60) as client:
        client.get("/healthz")  # a warm connection
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            started = time.perf_counter()
            client.get("/healthz").raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
            time.sleep(0.01)
    return times


def _summary(name: str, times: list[float], extra: str = "") -> None:
    q = statistics.quantiles(times, n=100)
    print(
        f"{name:<22} n={len(times):>5}  p50 {q[49]:7.1f} ms  p99 {q[98]:7.1f} ms"
        f"  max {max(times):7.1f} ms{extra}",
        flush=True,
    )


def _phase(base: str, mode: str, seconds: float, clients: int) -> tuple[list[float], str]:
    counts: multiprocessing.Queue = multiprocessing.Queue()
    stop_at = time.time() + seconds + 1
    workers = [
        multiprocessing.Process(target=_flood, args=(base, mode, stop_at, counts))
        for _ in range(clients)
    ]
    for worker in workers:
        worker.start()
    time.sleep(0.5)  # the flood under way before measuring
    times = _healthz(base, seconds)
    results = [counts.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join()
    logins = sum(done for done, _ in results)
    refused = sum(r for _, r in results)
    return times, f"  ({logins} logins, {logins / (seconds + 1):.1f}/s, {refused} rate-limited)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("base", help="the gateway, e.g. http://127.0.0.1:4000")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    base = args.base.rstrip("/")
    baseline = _healthz(base, args.seconds)
    _summary("healthz, no flood", baseline)
    for mode in ("right", "spray"):
        times, extra = _phase(base, mode, args.seconds, args.clients)
        _summary(f"healthz, {mode} flood", times, extra)
        ratio = statistics.quantiles(times, n=100)[98] / statistics.quantiles(baseline, n=100)[98]
        print(f"{'':<22} p99 ×{ratio:.1f} the baseline (target: p99 ≤ 50 ms)", flush=True)


if __name__ == "__main__":
    main()
