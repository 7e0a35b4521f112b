"""The console shows a form only to the roles whose writes the service accepts (issue 16:
"a viewer sees no form that writes"): each set restated in gateway.console.permissions is
the service's own."""

from __future__ import annotations

import pytest

from gateway.console.permissions import WRITERS
from services.assess.commendations.graph.stars import DISTRICT_WRITERS as COMMEND_DISTRICT
from services.assess.commendations.graph.stars import STREET_WRITERS as COMMEND_STREET
from services.assess.grading.workflow import MAY, Step
from services.assess.records.writes import RECORD_WRITERS
from services.assess.reports.access import REPORT_RETURNERS, REPORT_WRITERS
from services.common.auth import GRID_WRITERS, ORG_WRITERS, Role
from services.org.graph.access import OrgWriter

# family -> the service's set (each page family adds its row)
SERVICE_SETS = {
    "org": ORG_WRITERS,
    "grid": GRID_WRITERS,
    "record": RECORD_WRITERS,
    "report": REPORT_WRITERS,
    "report_return": REPORT_RETURNERS,
    "dual": OrgWriter.writers,
    "grading_open": MAY[Step.OPEN].roles,
    "grading_self": MAY[Step.SELF_ASSESS].roles,
    "grading_survey": MAY[Step.SURVEY].roles,
    "grading_determine": MAY[Step.DETERMINE].roles,
    "grading_goal": MAY[Step.EDIT_GOAL].roles,
    "commend_street": COMMEND_STREET,
    "commend_district": COMMEND_DISTRICT,
}


def test_every_family_is_compared() -> None:
    assert WRITERS.keys() == SERVICE_SETS.keys()


@pytest.mark.parametrize("family", sorted(SERVICE_SETS))
def test_the_console_shows_a_form_to_the_roles_the_service_accepts(family: str) -> None:
    # The service's own internal role (SERVICE) is no console user.
    assert WRITERS[family] == SERVICE_SETS[family] - {Role.SERVICE}
    assert Role.VIEWER not in WRITERS[family]
