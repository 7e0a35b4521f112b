"""Whether a community (and a resident unit of it) exists, asked of org directly.

Assess keeps records by community code; it never reads org's tables, so a write naming a
community (or a resident unit, for a co-building agreement) asks the graph first, as the
assess service. If org does not answer, the write is refused (UNAVAILABLE), not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.common.auth import is_region_code
from services.common.errors import DomainError, UserErrorCode, invalid
from services.common.subgraph_client import SubgraphClient, SubgraphUnavailableError

_COMMUNITY = "query ($c: String!) { community(code: $c) { code } }"
_UNITS = """query ($c: String!) {
  community(code: $c) { code }
  residentUnits(communityCode: $c) { id name }
}"""


def check_community_code(code: str, field: list[str]) -> None:
    """INVALID unless `code` is a community's region code (12 digits); before org is
    asked, so a malformed code is a typed error, not an unknown community."""
    if not (is_region_code(code) and len(code) == 12):
        raise invalid(
            f"社区代码应为12位数字：{code}", f"A community code has 12 digits: {code!r}", field
        )


def cannot_check(down: SubgraphUnavailableError) -> DomainError:
    """The write's refusal when the community cannot be checked: nothing was changed."""
    return down.refusal(
        "无法核实社区信息，未作更改", "the community cannot be checked; nothing was changed"
    )


def _no_community(code: str, field: list[str]) -> DomainError:
    return DomainError(
        UserErrorCode.NOT_FOUND, f"未找到社区：{code}", f"No community {code}", field
    )


async def community_or_refuse(
    org: SubgraphClient, code: str, field: list[str] | None = None
) -> None:
    try:
        data = await org.query(_COMMUNITY, {"c": code})
    except SubgraphUnavailableError as down:
        raise cannot_check(down) from down
    if data.get("community") is None:
        raise _no_community(code, field or ["community"])


async def resident_unit_name(org: SubgraphClient, code: str, unit_id: str, field: list[str]) -> str:
    """The name of a resident unit of the community; NOT_FOUND when org has no such unit."""
    try:
        data = await org.query(_UNITS, {"c": code})
    except SubgraphUnavailableError as down:
        raise cannot_check(down) from down
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


# -- the communities, from org -------------------------------------------------------------------

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


async def communities_in(org: SubgraphClient, region_code: str) -> list[CommunityFacts]:
    """The communities at or under a region, by code (org's, read as the service);
    SubgraphUnavailableError when org does not answer."""
    data = await org.query(COMMUNITIES, {"code": region_code})
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
