"""Which organizations a zone or building may be assigned to, as org says.

DOMAIN coverage graph: building -> Party group, zone -> grid branch (or, in a branch
community, the zone's Party group). An assignment points only at a live organization of the
building's or zone's own community; when org does not answer the write is refused
(UNAVAILABLE), never guessed. Used by assignments, zone creation and split, and undo.
"""

from __future__ import annotations

import uuid

from services.common.errors import DomainError, UserErrorCode, not_found
from services.common.subgraph_client import SubgraphUnavailableError
from services.grid.org_client import OrganizationFact, OrgClient


def _unavailable(down: SubgraphUnavailableError, field: str) -> DomainError:
    return down.refusal("无法确认该组织", "cannot check the organization", field)


async def _organization(org: OrgClient, org_id: uuid.UUID, field: str) -> OrganizationFact:
    try:
        fact = (await org.organizations([org_id])).get(org_id)
    except SubgraphUnavailableError as down:
        raise _unavailable(down, field) from None
    if fact is None:
        raise not_found("党组织", "organization", org_id, field)
    return fact


def _refuse(
    fact: OrganizationFact, community_code: str, kinds: tuple[str, ...]
) -> tuple[str, str] | None:
    """Why an organization cannot take the assignment (Chinese, English), or None."""
    if not fact.is_live:
        return "已撤销", "is dissolved"
    if fact.community_code != community_code:
        return f"不属于社区 {community_code}", f"is not of community {community_code}"
    if fact.kind not in kinds:
        return f"类型为 {fact.kind}，应为 {'/'.join(kinds)}", f"is a {fact.kind}, not {kinds}"
    return None


async def _check(
    org: OrgClient, org_id: uuid.UUID, community_code: str, kinds: tuple[str, ...], field: str
) -> None:
    fact = await _organization(org, org_id, field)
    why = _refuse(fact, community_code, kinds)
    if why is not None:
        raise DomainError(
            UserErrorCode.RULE_VIOLATION,
            f"党组织 {fact.name} {why[0]}",
            f"Organization {fact.name} {why[1]}",
            [field],
            rule="assignment.live_organization_of_community",
        )


async def check_group(org: OrgClient, group_id: uuid.UUID, community_code: str) -> None:
    """A building's Party group: a live party_group of its community."""
    await _check(org, group_id, community_code, ("party_group",), "partyGroupId")


async def check_zone_organization(
    org: OrgClient, org_id: uuid.UUID, community_code: str, field: str = "organizationId"
) -> None:
    """A zone's organization: a live grid branch of its community, or in a branch (党支部)
    community, where there are no grid branches, a Party group."""
    kinds: tuple[str, ...] = ("grid_branch",)
    fact = await _organization(org, org_id, field)
    if fact.kind == "party_group":
        try:
            community_kind = (await org.community_kinds([community_code])).get(community_code)
        except SubgraphUnavailableError as down:
            raise _unavailable(down, field) from None
        if community_kind == "branch":
            kinds = ("party_group",)
    await _check(org, org_id, community_code, kinds, field)


async def check_restorable(
    org: OrgClient,
    community_code: str,
    zone_organizations: list[uuid.UUID],
    groups: list[uuid.UUID],
    field: str = "communityCode",
) -> None:
    """Undo re-points zones and buildings at organizations they had before; each must still be
    one they could be assigned to now (live, of this community, of the right kind), checked
    through org in one request. Undo is refused otherwise, naming them."""
    ids = list(dict.fromkeys([*zone_organizations, *groups]))
    if not ids:
        return
    try:
        facts = await org.organizations(ids)
        branch = False
        if any(f.kind == "party_group" for i, f in facts.items() if i in zone_organizations):
            community_kinds = await org.community_kinds([community_code])
            branch = community_kinds.get(community_code) == "branch"
    except SubgraphUnavailableError as down:
        raise _unavailable(down, field) from None
    zone_kinds = ("party_group",) if branch else ("grid_branch",)
    refused: list[tuple[str, str]] = []
    for ids_of, kinds in ((zone_organizations, zone_kinds), (groups, ("party_group",))):
        for org_id in dict.fromkeys(ids_of):
            fact = facts.get(org_id)
            if fact is None:
                refused.append((f"党组织 {org_id} 不存在", f"organization {org_id} does not exist"))
                continue
            why = _refuse(fact, community_code, kinds)
            if why is not None:
                refused.append((f"{fact.name} {why[0]}", f"{fact.name} {why[1]}"))
    if refused:
        raise DomainError(
            UserErrorCode.RULE_VIOLATION,
            "无法撤销：原党组织已不可用（" + "；".join(zh for zh, _ in refused) + "）",
            "Cannot undo: organizations it would restore are no longer valid ("
            + "; ".join(en for _, en in refused)
            + ")",
            [field],
            rule="assignment.live_organization_of_community",
        )
