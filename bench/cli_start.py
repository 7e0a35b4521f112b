"""How fast `partygrid` starts: `partygrid --help` and `partygrid user list` against
`python -c pass` (the interpreter's own start), medians of alternating runs.

`user list` is a real subcommand: it imports the auth schema's code and connects. Pointed at
a closed port (`--database-url` to 127.0.0.1:9), it measures everything up to the database's
answer without needing one. Issue 13's target: any command starts in ≤ 1 s.

Run: .venv/bin/python bench/cli_start.py -n 10 [--root /tmp/old-checkout]
(`python -m infra.cli` from --root: that checkout's code, this venv.)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTYGRID = [sys.executable, "-m", "infra.cli"]
CLOSED = "postgresql+psycopg://nobody:none@127.0.0.1:9/none"
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "partygrid --help": [*PARTYGRID, "--help"],
    "partygrid user list": [*PARTYGRID, "user", "--database-url", CLOSED, "list"],
    "partygrid import regions --help": [*PARTYGRID, "import", "regions", "--help"],
}


def _once(command: list[str], root: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=root, capture_output=True, check=False)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=10, help="runs of each command")
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="another checkout to measure (e.g. main's)"
    )
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.n):  # alternate, so load on a shared machine hits all alike
        for name, command in COMMANDS.items():
            times[name].append(_once(command, args.root))
    baseline = statistics.median(times["python -c pass"])
    for name, runs in times.items():
        median = statistics.median(runs)
        print(
            f"{name:34s} p50 {median * 1000:7.0f} ms  max {max(runs) * 1000:7.0f} ms  "
            f"×{median / baseline:5.1f} python -c pass"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
