"""Who may read and write monthly reports (issue 7, 6.): street users of that street, and the
district, generate, edit and submit; only the district returns a submitted report;
secretaries and viewers read in their scope. Shared by the graph and the .xlsx download."""

from __future__ import annotations

from typing import Any

from services.assess.reports.monthly import Report
from services.common.auth import Identity, Role, require_role, require_scope

REPORT_WRITERS = frozenset({Role.DISTRICT, Role.STREET})
REPORT_RETURNERS = frozenset({Role.DISTRICT})
REPORT_READERS = frozenset({Role.DISTRICT, Role.STREET, Role.SECRETARY, Role.VIEWER, Role.SERVICE})


def require_reader(identity: Identity, code: str) -> None:
    """Read access to a street's report (or a district's roll-up): a reading role, and the
    place at, under or above the caller's node (a secretary reads their street's report)."""
    require_role(identity, REPORT_READERS, what_zh="查看月报表", what_en="read monthly reports")
    if not identity.sees(code):
        require_scope(identity, code)  # raises


def visible_rows(report: Report, identity: Identity) -> list[dict[str, Any]]:
    """A caller below the street (a secretary) sees only the communities it covers."""
    if identity.covers(report.head["street_code"]):
        return report.rows
    return [r for r in report.rows if identity.covers(r["community_code"])]
