"""Time to measure every computed indicator of the whole demo district (issue 7: "the note gives
the number of indicators and the time to assess the whole district"), as `metrics.measure`
does it for assess — one request to org and one to grid side by side, each asked directly as
the assess service — against a baseline of one trivial query (`{ __typename }`) made the same
way to org, in the same run.

Against a running suite (`./partygrid up`; keys from PARTYGRID_DATA_DIR, default .data):
    .venv/bin/python bench/assess_district.py http://127.0.0.1:4001/graphql \
        http://127.0.0.1:4002/graphql [-n 20]
Or on a stack of its own (a private cluster in PARTYGRID_DATA_DIR, the demo district, the
three subgraphs and the gateway on free ports; everything is stopped at the end):
    PARTYGRID_DATA_DIR=/tmp/bench-data .venv/bin/python bench/assess_district.py --own-stack
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx

from infra.settings import ROOT, SuiteSettings
from services.assess.grading import assessing
from services.assess.metrics import catalog as metrics
from services.assess.metrics import org as metric_org
from services.assess.metrics.reads import read_graph
from services.assess.shared.peers import Peers
from services.assess.standard.documents import read_standard
from services.common.auth_tokens import InternalTokens
from services.common.database import make_engine

DISTRICT = "410104"
AS_OF = dt.date(2020, 5, 15)
COMMUNITIES = """query ($r: String!) { communities(regionCode: $r) { code } }"""


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


async def run(
    urls: dict[str, str], internal_key: str, n: int, assess_url: str | None = None
) -> None:
    standard = read_standard()
    rows = [
        {"code": i.code, "metric": i.metric, "params": i.params, "measured": i.measured}
        for i in standard.indicators
        if i.measured == "computed"
    ]
    async with httpx.AsyncClient(timeout=60) as client:
        peers = Peers.connect(urls, client, InternalTokens(internal_key, issuer="assess"))
        data = await peers.org.query(COMMUNITIES, {"r": DISTRICT})
        codes = [c["code"] for c in data["communities"]]
        baseline = await p50(lambda: peers.org.query("{ __typename }"), n)
        rules = metric_org.FINDING_RULES
        org = await p50(lambda: read_graph(peers, codes, AS_OF, grid=False, rules=rules), n)
        grid = await p50(lambda: read_graph(peers, codes, AS_OF, org=False), n)
        read = await p50(lambda: read_graph(peers, codes, AS_OF, rules=rules), n)
        whole = await p50(lambda: metrics.measure(peers, rows, codes, AS_OF), n)
        measured = await metrics.measure(peers, rows, codes, AS_OF)
        assessed = None
        if assess_url:  # all 23 indicators: computed and attested side by side, then scored
            engine = make_engine(assess_url, pool_size=2)
            try:
                graded = await assessing.standard_rows(engine, None, codes[0][:6])
                assert graded is not None
                assessed = await p50(
                    lambda: assessing.assess(engine, peers, graded, codes, AS_OF.year, AS_OF), n
                )
            finally:
                await engine.dispose()
    values = sum(1 for m in measured.values() for x in m.values() if x.value is not None)
    print(
        f"standard {standard.key}: {len(standard.indicators)} indicators, {len(rows)} computed; "
        f"district {DISTRICT}: {len(codes)} communities, {values} measurements (n={n})"
    )
    print(f"baseline {{ __typename }} of org: p50 {baseline:.1f} ms")
    print(f"  org's communityCounts alone: p50 {org:.1f} ms (×{org / baseline:.1f})")
    print(f"  grid's coverage alone: p50 {grid:.1f} ms (×{grid / baseline:.1f})")
    print(f"read_graph (org and grid side by side): p50 {read:.1f} ms (×{read / baseline:.1f})")
    print(f"metrics.measure, whole district: p50 {whole:.1f} ms (×{whole / baseline:.1f})")
    if assessed is not None:
        print(
            f"assessing.assess, whole district ({len(standard.indicators)} indicators, scores "
            f"and grades): p50 {assessed:.1f} ms (×{assessed / baseline:.1f})"
        )


@contextlib.contextmanager
def own_stack() -> Iterator[tuple[dict[str, str], str, str]]:
    """The demo district in a private cluster and the suite's processes, as the tests start
    them (infra/stack.py); yields the subgraphs' URLs, the internal token key and assess's
    database URL (the whole assessment is measured in process against it)."""
    from infra.stack import own_stack as started

    settings = SuiteSettings()  # PARTYGRID_DATA_DIR, default .data
    logs = Path(tempfile.mkdtemp(prefix="assess-bench-"))
    quiet = {"gateway": {"PARTYGRID_GATEWAY_ACCESS_LOG": "off"}}
    with started(settings, logs, env=quiet) as stack:
        yield stack.subgraphs, stack.keys["internal"], stack.database.service_urls["assess"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("org", nargs="?", help="org's GraphQL URL")
    parser.add_argument("grid", nargs="?", help="grid's GraphQL URL")
    parser.add_argument("--own-stack", action="store_true", help="start a stack of its own")
    parser.add_argument("-n", type=int, default=20)
    args = parser.parse_args()
    if args.own_stack:
        with own_stack() as (urls, key, assess_url):
            asyncio.run(run(urls, key, args.n, assess_url))
    elif args.org and args.grid:
        data_dir = Path(os.environ.get("PARTYGRID_DATA_DIR", ROOT / ".data"))
        key = (data_dir / "internal-token-key").read_text().strip()
        asyncio.run(run({"org": args.org, "grid": args.grid}, key, args.n))
    else:
        parser.error("give org's and grid's URLs or --own-stack")


if __name__ == "__main__":
    main()
