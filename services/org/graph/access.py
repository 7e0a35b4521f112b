"""Who may write in the org subgraph: community secretaries and above (street office,
district), each within its own region node; planners and viewers only read. And what part
of the tree a caller sees."""

from __future__ import annotations

from services.common.auth import ORG_WRITERS, caller
from services.common.auth_permissions import write_permission
from services.org.context import Info
from services.org.models import (
    committee_membership,
    evaluation,
    member,
    party_organization,
    post,
    region,
    resident_unit,
    volunteer_team,
)

OrgWriter = write_permission(
    ORG_WRITERS,
    what_zh="编辑党组织和党员",
    what_en="edit organizations and members",
    communities=region.c.code,
    tables={
        "member_id": member,
        "helper_member_id": member,
        "organization_id": party_organization,
        "parent_id": party_organization,
        "new_parent_id": party_organization,
        "seat_id": committee_membership,
        "post_id": post,
        "team_id": volunteer_team,
        "resident_unit_id": resident_unit,
    },
    id_tables={
        "updateOrganization": party_organization,
        "moveOrganization": party_organization,
        "dissolveOrganization": party_organization,
        "updateMember": member,
        "updateResidentUnit": resident_unit,
        "signAgreement": resident_unit,
        "publicizeEvaluation": evaluation,
        "decideEvaluation": evaluation,
        "recordEvaluationFeedback": evaluation,
    },
)


def scoped_region(info: Info, code: str) -> str | None:
    """The part of the tree under `code` the caller sees (see `Identity.narrow`); None when
    apart. Codes reach resolvers parsed (`auth_codes.ParseRegionCodes`)."""
    return caller(info).narrow(code)
