"""Which console forms a caller is shown: the same role sets the subgraphs enforce.

The subgraphs decide every write (role and scope, at their chokepoints); the console only
hides the forms a caller could not use, so a viewer sees none. The gateway does not import
the services, so the sets are restated here and tests/gateway/console/test_permissions.py
compares each with the service's own (a change there fails the test until this follows).
Scope is not restated: a form is shown only on pages of the caller's own region.
"""

from __future__ import annotations

from services.common.auth import GRID_WRITERS, ORG_WRITERS, Identity, Role

_DISTRICT = frozenset({Role.DISTRICT})
_STREET_UP = frozenset({Role.DISTRICT, Role.STREET})
_SECRETARY_UP = frozenset({Role.DISTRICT, Role.STREET, Role.SECRETARY})

# form family -> roles whose writes the services accept (each page family adds its own)
WRITERS: dict[str, frozenset[Role]] = {
    "org": ORG_WRITERS,  # services.common.auth
    "grid": GRID_WRITERS,  # services.common.auth
    "record": _SECRETARY_UP,  # services.assess.records.writes.RECORD_WRITERS
    "report": _STREET_UP,  # services.assess.reports.access.REPORT_WRITERS
    "report_return": _DISTRICT,  # services.assess.reports.access.REPORT_RETURNERS
    "dual": ORG_WRITERS,  # services.org.graph.access.OrgWriter (双争 evaluation steps)
    # services.assess.grading.workflow.MAY[Step.<step>].roles, one family per step
    "grading_open": _SECRETARY_UP,  # OPEN
    "grading_self": _SECRETARY_UP,  # SELF_ASSESS
    "grading_survey": _STREET_UP,  # SURVEY
    "grading_determine": _STREET_UP,  # DETERMINE
    "grading_goal": _SECRETARY_UP,  # EDIT_GOAL
    "commend_street": _STREET_UP,  # services.assess.commendations.graph.stars.STREET_WRITERS
    "commend_district": _DISTRICT,  # services.assess.commendations.graph.stars.DISTRICT_WRITERS
}


def may(identity: Identity, family: str) -> bool:
    """Whether `identity`'s role may use the forms of `family` (a KeyError for an unknown
    family: a typo must not hide or show a form silently)."""
    return identity.role in WRITERS[family]
