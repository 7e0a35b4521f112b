"""The `graphql-http` server audit (npm, pinned in infra/) against the running gateway.

`infra/audit.mjs` runs the audit's `auditServer` and prints every result as JSON; these tests
hold the gateway to all of them: no MUST errors, no SHOULD warnings, no MAY notices.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest
from gateway_stack import ROOT, Stack

pytestmark = pytest.mark.slow  # starts subgraph and gateway processes

AUDIT_SCRIPT = ROOT / "infra" / "audit.mjs"


def run_audit(url: str) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node is not None, "node is not on PATH; install Node.js 20"
    return subprocess.run(
        [node, str(AUDIT_SCRIPT), url],
        capture_output=True,
        text=True,
        cwd=ROOT / "infra",
        timeout=120,
        check=False,
    )


def audit(url: str) -> dict[str, Any]:
    """The audit's report for `url`; fails the test if the audit itself could not run."""
    done = run_audit(url)
    assert done.returncode == 0, f"audit.mjs failed:\n{done.stderr[-3000:]}"
    return json.loads(done.stdout)


def not_ok(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in report["results"] if r["status"] != "ok"]


def describe(results: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"  [{r['status']}] {r['id']} {r['name']}: {r.get('reason')} "
        f"(HTTP {r.get('responseStatus')}: {r.get('responseBody', '')[:200]})"
        for r in results
    )


def test_gateway_passes_the_whole_audit(stack: Stack) -> None:
    report = audit(stack.gateway.base + "/graphql")
    results = report["results"]
    assert results, "the audit ran no checks"
    assert len({r["id"] for r in results}) == len(results)
    counts = report["counts"]
    assert sum(counts.values()) == len(results)
    failing = not_ok(report)
    notices = [r["name"] for r in failing if r["status"] == "notice"]
    assert not failing, (
        f"audit: {counts['error']} errors, {counts['warn']} warnings, "
        f"{counts['notice']} MAY notices {notices}\n{describe(failing)}"
    )
    assert counts == {"ok": len(results), "notice": 0, "warn": 0, "error": 0}


def test_audit_reports_an_endpoint_that_is_not_graphql(stack: Stack) -> None:
    """The audit is not vacuous: a JSON endpoint that does not speak GraphQL fails MUSTs."""
    report = audit(stack.gateway.base + "/healthz")
    errors = [r for r in not_ok(report) if r["status"] == "error"]
    assert errors, "the audit found nothing wrong with /healthz"
    assert all(r["name"].startswith("MUST") for r in errors)
    assert report["counts"]["error"] == len(errors)


@pytest.mark.parametrize("url", ["", "not-a-url"])
def test_audit_script_refuses_bad_usage(url: str) -> None:
    done = run_audit(url)
    assert done.returncode == 2
    assert "usage" in done.stderr
    assert done.stdout == ""
