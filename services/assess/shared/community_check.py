"""Whether a community (and a resident unit of it) exists, asked of org through the gateway.

Assess keeps records by community code; it never reads org's tables, so a write naming a
community (or a resident unit, for a co-building agreement) asks the graph first, as the
assess service. If the graph does not answer, the write is refused (UNAVAILABLE), not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.assess.shared.gateway_client import GatewayClient, GatewayUnavailableError
from services.common.auth import is_region_code
from services.common.errors import DomainError, UserErrorCode, invalid

_COMMUNITY = "query ($c: String!) { community(code: $c) { code } }"
_UNITS = """query ($c: String!) {
  community(code: $c) { code }
  residentUnits(communityCode: $c) { id name }
}"""


def check_community_code(code: str, field: list[str]) -> None:
    """INVALID unless `code` is a community's region code (12 digits); before the gateway
    is asked, so a malformed code is a typed error, not an unknown community."""
    if not (is_region_code(code) and len(code) == 12):
        raise invalid(
            f"社区代码应为12位数字：{code}", f"A community code has 12 digits: {code!r}", field
        )


def _unavailable() -> DomainError:
    return DomainError(
        UserErrorCode.UNAVAILABLE,
        "暂时无法核实社区信息，请稍后再试",
        "The organization service could not be asked; try again later",
    )


def _no_community(code: str, field: list[str]) -> DomainError:
    return DomainError(
        UserErrorCode.NOT_FOUND, f"未找到社区：{code}", f"No community {code}", field
    )


async def community_or_refuse(
    gateway: GatewayClient, code: str, field: list[str] | None = None
) -> None:
    try:
        data = await gateway.query(_COMMUNITY, {"c": code})
    except GatewayUnavailableError:
        raise _unavailable() from None
    if data.get("community") is None:
        raise _no_community(code, field or ["community"])


async def resident_unit_name(
    gateway: GatewayClient, code: str, unit_id: str, field: list[str]
) -> str:
    """The name of a resident unit of the community; NOT_FOUND when org has no such unit."""
    try:
        data = await gateway.query(_UNITS, {"c": code})
    except GatewayUnavailableError:
        raise _unavailable() from None
    if data.get("community") is None:
        raise _no_community(code, ["input", "communityCode"])
    for unit in data.get("residentUnits") or []:
        if unit["id"] == unit_id:
            return str(unit["name"])
    raise DomainError(
        UserErrorCode.NOT_FOUND,
        f"本社区没有这个驻社区单位：{unit_id}",
        f"No resident unit {unit_id} in community {code}",
        field,
    )


# -- the communities, from org through the gateway ---------------------------------------------

COMMUNITIES = """query ($code: String!) {
  communities(regionCode: $code) { code name isPilot region { parent { code name } } }
}"""


@dataclass(frozen=True)
class CommunityFacts:
    code: str
    name: str
    is_pilot: bool  # 试点社区, as org marks it
    street_code: str
    street_name: str


async def communities_in(gateway: GatewayClient, region_code: str) -> list[CommunityFacts]:
    """The communities at or under a region, by code (org's, read as the service)."""
    data = await gateway.query(COMMUNITIES, {"code": region_code})
    found = []
    for c in data["communities"]:
        parent = (c.get("region") or {}).get("parent") or {}
        found.append(
            CommunityFacts(
                c["code"],
                c["name"],
                bool(c["isPilot"]),
                parent.get("code") or c["code"][:9],
                parent.get("name") or "",
            )
        )
    return sorted(found, key=lambda c: c.code)
