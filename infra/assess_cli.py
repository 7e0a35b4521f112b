"""`partygrid assess-demo`: a full assessment cycle of the demo district through the running
gateway, signed in as the demo district account; the workbooks land in the data folder."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import httpx

from infra.demo import assessment_cycle as cycle
from infra.demo.users import demo_password
from infra.settings import SuiteSettings

LOGIN = """mutation ($u: String!, $p: String!) { login(username: $u, password: $p) {
  session { accessToken } errors { code messageEn } } }"""


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser(
        "assess-demo",
        help="run a full assessment cycle of the demo district through the running gateway",
    )
    demo.add_argument("--district", default="410104")
    demo.add_argument(
        "--year", type=int, default=None, help="a past year (as of its 31 December); default now"
    )


def assess_demo(args: argparse.Namespace) -> int:
    settings = SuiteSettings()
    url = f"http://{settings.host}:{settings.gateway_port}/graphql"
    today = (
        dt.date.today() if args.year in (None, dt.date.today().year) else dt.date(args.year, 12, 31)
    )
    with httpx.Client(timeout=120) as client:
        answer = client.post(url, json={"query": LOGIN, "variables": {
            "u": "demo-district", "p": demo_password(settings.data_dir)}})  # fmt: skip
        login = answer.json()["data"]["login"]
        if login["errors"]:
            print(f"partygrid: cannot sign in as demo-district: {login['errors']}")
            return 1
        token = login["session"]["accessToken"]
        started = time.perf_counter()
        try:
            out = cycle.run(
                cycle.Gateway(url, lambda _role, _region: token, client), args.district, today
            )
        except cycle.CycleError as exc:
            print(f"partygrid: the cycle stopped: {exc} (a year runs once; --year picks another)")
            return 1
    folder = Path(settings.data_dir) / "reports" / out.month
    folder.mkdir(parents=True, exist_ok=True)
    for region, content in out.workbooks.items():
        (folder / f"{region}.xlsx").write_bytes(content)
    for code, assessment in sorted(out.communities.items()):
        snap = assessment["snapshots"][-1]
        print(f"{code}  {snap['score']:6.2f}  {assessment['determination']['grade']['name']}"
              f"  goals {len(assessment['goals'])}")  # fmt: skip
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in out.seconds.items())
    print(f"partygrid: {len(out.communities)} communities assessed in "
          f"{time.perf_counter() - started:.1f} s ({phases}); workbooks in {folder}")  # fmt: skip
    return 0


COMMANDS = {"assess-demo": assess_demo}
