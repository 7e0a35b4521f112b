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
from services.assess.shared.gateway_client import GatewayClient, GatewayUnavailableError
from services.common.auth import Identity, require_scope
from services.common.errors import DomainError, UserErrorCode


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


async def caller_community(
    gateway: GatewayClient, identity: Identity, community_code: str
) -> CommunityFacts:
    """A community the caller may act on, as org knows it: INVALID for a malformed code,
    FORBIDDEN outside the caller's scope, NOT_FOUND unknown, UNAVAILABLE when org is down."""
    check_community_code(community_code, ["communityCode"])
    require_scope(identity, community_code)
    try:
        found = await communities_in(gateway, community_code)
    except GatewayUnavailableError as exc:
        raise DomainError(
            UserErrorCode.UNAVAILABLE,
            "暂时无法读取社区信息，未作更改",
            "The community cannot be read now; nothing was changed",
        ) from exc
    for c in found:
        if c.code == community_code:
            return c
    raise DomainError(
        UserErrorCode.NOT_FOUND,
        f"未找到社区：{community_code}",
        f"No community {community_code}",
        ["communityCode"],
    )
