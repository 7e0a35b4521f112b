"""Container health check: exit 0 when the given /healthz URL answers 200."""

from __future__ import annotations

import sys

import httpx


def main(url: str) -> int:
    try:
        return 0 if httpx.get(url, timeout=3).status_code == 200 else 1
    except httpx.HTTPError:
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
