"""GraphQL helpers every assess package shares: ids, plan years, the caller's community
(resolvers pass what they need from their context; this module knows no context)."""

from __future__ import annotations

import uuid

import strawberry
from graphql import GraphQLError

from services.assess.shared import dates
from services.assess.shared.community_check import (
    CommunityFacts,
    check_community_code,
    communities_in,
)
from services.common.auth import Identity, require_scope
from services.common.errors import DomainError, UserErrorCode
from services.common.subgraph_client import SubgraphClient, SubgraphUnavailableError


def parse_id(value: strawberry.ID | str) -> uuid.UUID | None:
    """An id as a UUID; None when it is not one (found nowhere)."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def plan_year(year: int, field: str = "year") -> int:
    """A plan view's year (dates.check_plan_year), or an INVALID GraphQL error typed like a
    refused write (extensions: code, messageEn, field)."""
    try:
        return dates.check_plan_year(year, dates.today(), field)
    except DomainError as wrong:
        raise GraphQLError(
            wrong.message,
            extensions={
                "code": wrong.code.name,
                "messageEn": wrong.message_en,
                "field": wrong.field,
            },
        ) from wrong


def unavailable(down: SubgraphUnavailableError, cannot_zh: str, cannot_en: str) -> GraphQLError:
    """A query's answer when a subgraph it reads is down: the one typed UNAVAILABLE of a
    refused write (`SubgraphUnavailableError.refusal`: which service, what, retry later)."""
    refused = down.refusal(cannot_zh, cannot_en)
    return GraphQLError(
        refused.message, extensions={"code": refused.code.name, "messageEn": refused.message_en}
    )


async def caller_community(
    org: SubgraphClient, identity: Identity, community_code: str
) -> CommunityFacts:
    """A community the caller may act on, as org knows it: INVALID for a malformed code,
    FORBIDDEN outside the caller's scope, NOT_FOUND unknown, UNAVAILABLE when org is down."""
    check_community_code(community_code, ["communityCode"])
    require_scope(identity, community_code)
    try:
        found = await communities_in(org, community_code)
    except SubgraphUnavailableError as down:
        raise down.refusal(
            "无法读取社区信息，未作更改", "the community cannot be read; nothing was changed"
        ) from down
    for c in found:
        if c.code == community_code:
            return c
    raise DomainError(
        UserErrorCode.NOT_FOUND,
        f"未找到社区：{community_code}",
        f"No community {community_code}",
        ["communityCode"],
    )
