"""Entity types of the org subgraph: regions, communities, Party organizations, buildings."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry.types import Info

from services.common.auth import caller
from services.org import organizations
from services.org.regions import tree as regions

if TYPE_CHECKING:
    from services.org.graph.members import CommitteeSeat, Management, MemberConnection


@strawberry.enum(description="Level of a region in the tree.")
class RegionLevel(Enum):
    DISTRICT = "district"  # 区
    STREET = "street"  # 街道办事处
    TOWNSHIP = "township"  # 乡
    COMMUNITY = "community"  # 社区


@strawberry.enum(description="Kind of Party organization (plan 二).")
class OrganizationKind(Enum):
    COMMUNITY_COMMITTEE = "community_committee"  # 社区党委
    GENERAL_BRANCH = "general_branch"  # 社区党总支
    BRANCH = "branch"  # 社区党支部
    GRID_BRANCH = "grid_branch"  # 网格党支部
    PARTY_GROUP = "party_group"  # 党小组
    FUNCTIONAL_BRANCH = "functional_branch"  # 功能型党支部
    FUNCTIONAL_GROUP = "functional_group"  # 功能型党小组
    SPECIAL_BRANCH = "special_branch"  # 特色党支部
    SPECIAL_GROUP = "special_group"  # 特色党小组


@strawberry.enum(description="Units a functional or special branch sits in.")
class Unit(Enum):
    WORKSTATION = "workstation"  # 社区工作站
    ZONGZHIBAN = "zongzhiban"  # 综治办
    JUWEIHUI = "juweihui"  # 居委会
    OWNERS_COMMITTEE = "owners_committee"  # 业主委员会
    VOLUNTEER_TEAM = "volunteer_team"  # 志愿者服务队
    CULTURE_TEAM = "culture_team"  # 文体活动宣传队


def parse_uuid(value: strawberry.ID | str) -> uuid.UUID | None:
    """An id as a UUID, or None when malformed (an unknown id then resolves to null)."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


@strawberry.federation.type(
    keys=["code"], description="A node of the region tree, keyed by 统计用区划代码."
)
class Region:
    code: str
    name: str = strawberry.field(description="Name in Chinese.")
    name_en: str
    level: RegionLevel
    retired_at: dt.datetime | None = strawberry.field(
        description="When the place was retired (merged or split away): it keeps its data, "
        "takes no new data, and is listed only when asked. Null while in use."
    )
    parent_code: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Region:
        return cls(
            code=row["code"],
            name=row["name"],
            name_en=row["name_en"],
            level=RegionLevel(row["level"]),
            retired_at=row.get("retired_at"),
            parent_code=row["parent_code"],
        )

    @strawberry.field
    async def parent(self, info: Info) -> Region | None:
        if self.parent_code is None:
            return None
        row = await info.context["loaders"].region.load(self.parent_code)
        return Region.from_row(row) if row else None

    @strawberry.field(description="Child regions, ordered by code.")
    async def children(self, info: Info) -> list[Region]:
        rows = await info.context["loaders"].region_children.load(self.code)
        identity = caller(info)
        return [Region.from_row(row) for row in rows if identity.sees(row["code"])]

    @strawberry.field(description="The community, when this region is one.")
    def community(self) -> Community | None:
        if self.level is not RegionLevel.COMMUNITY:
            return None
        return Community(code=self.code)

    @classmethod
    async def resolve_reference(cls, info: Info, code: str) -> Region | None:
        # A caller sees its node, what lies under it, and the path down to it.
        if not caller(info).sees(code):
            return None
        row = await info.context["loaders"].region.load(code)
        return cls.from_row(row) if row else None


@strawberry.federation.type(keys=["code"], description="A community (社区).")
class Community:
    code: str

    async def _row(self, info: Info) -> dict[str, Any]:
        return await info.context["loaders"].region.load(self.code)

    @strawberry.field(description="Name in Chinese.")
    async def name(self, info: Info) -> str:
        return (await self._row(info))["name"]

    @strawberry.field
    async def name_en(self, info: Info) -> str:
        return (await self._row(info))["name_en"]

    @strawberry.field(description="A pilot community (试点社区).")
    async def is_pilot(self, info: Info) -> bool:
        return (await self._row(info))["is_pilot"]

    @strawberry.field
    async def region(self, info: Info) -> Region:
        return Region.from_row(await self._row(info))

    @strawberry.field(description="Its one community Party organization (党委/党总支/党支部).")
    async def organization(self, info: Info) -> PartyOrganization | None:
        row = await info.context["loaders"].community_organization.load(self.code)
        return PartyOrganization.from_row(row) if row else None

    @classmethod
    async def resolve_reference(cls, info: Info, code: str) -> Community | None:
        if not caller(info).covers(code):
            return None
        row = await info.context["loaders"].region.load(code)
        return cls(code=code) if row and row["level"] == "community" else None


@strawberry.federation.type(keys=["id"], description="A Party organization.")
class PartyOrganization:
    id: strawberry.ID
    name: str
    kind: OrganizationKind
    units: list[Unit] = strawberry.field(
        description="Units a functional or special one sits in (单独或联合: one or more)."
    )
    version: int = strawberry.field(description="Edit version, for optimistic concurrency.")
    dissolved_at: dt.datetime | None
    community_code: strawberry.Private[str]
    parent_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PartyOrganization:
        return cls(
            id=strawberry.ID(str(row["id"])),
            name=row["name"],
            kind=OrganizationKind(row["kind"]),
            units=[Unit(u) for u in row["units"]],
            version=row["version"],
            dissolved_at=row["dissolved_at"],
            community_code=row["community_code"],
            parent_id=row["parent_id"],
        )

    @strawberry.field(description="False once dissolved; grid assigns only live ones.")
    def is_live(self) -> bool:
        return self.dissolved_at is None

    @strawberry.field(description="Its committee (委员会), secretary first.")
    async def committee(
        self, info: Info
    ) -> list[Annotated[CommitteeSeat, strawberry.lazy("services.org.graph.members")]]:
        from services.org.graph.members import CommitteeSeat  # at call time: an import cycle

        rows = await info.context["loaders"].seats_of_organization.load(parse_uuid(self.id))
        return [CommitteeSeat.from_row(row) for row in rows]

    @strawberry.field
    def community(self) -> Community:
        return Community(code=self.community_code)

    @strawberry.field
    async def parent(self, info: Info) -> PartyOrganization | None:
        if self.parent_id is None:
            return None
        row = await info.context["loaders"].organization.load(self.parent_id)
        return PartyOrganization.from_row(row) if row else None

    @strawberry.field(description="Live organizations directly under this one.")
    async def children(self, info: Info) -> list[PartyOrganization]:
        rows = await info.context["loaders"].organization_children.load(parse_uuid(self.id))
        return [PartyOrganization.from_row(row) for row in rows]

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> PartyOrganization | None:
        key = parse_uuid(id)
        row = await info.context["loaders"].organization.load(key) if key else None
        if row is None or not caller(info).covers(row["community_code"]):
            return None
        return cls.from_row(row)


@strawberry.type(description="Party members living in a building, by management type.")
class ResidentCounts:
    total: int
    self_managed: int = strawberry.field(description="自管党员.")
    non_self_managed: int = strawberry.field(description="非自管党员.")
    jointly_managed: int = strawberry.field(description="联管党员.")
    not_reported_in: int = strawberry.field(description="Non-self-managed, not yet reported in.")

    @classmethod
    def from_counts(cls, counts: dict[str, int], **keys: Any) -> Self:
        """From `organizations.resident_counts`' dict; `keys` fill a subclass's own fields."""
        return cls(
            total=counts["total"],
            self_managed=counts["self"],
            non_self_managed=counts["non_self"],
            jointly_managed=counts["joint"],
            not_reported_in=counts["pending"],
            **keys,
        )


@strawberry.federation.type(keys=["id"], description="A building (楼栋), as org sees it.")
class Building:
    id: strawberry.ID

    @strawberry.field(description="Members living here, by management type (for ranking gaps).")
    async def resident_counts(self, info: Info) -> ResidentCounts:
        key = parse_uuid(self.id)
        if key is None:
            return ResidentCounts(
                total=0, self_managed=0, non_self_managed=0, jointly_managed=0, not_reported_in=0
            )
        return ResidentCounts.from_counts(await info.context["loaders"].resident_counts.load(key))

    @strawberry.field(description="Members whose home is this building, paged.")
    async def resident_members(
        self,
        info: Info,
        management: Annotated[Management, strawberry.lazy("services.org.graph.members")]
        | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> Annotated[MemberConnection, strawberry.lazy("services.org.graph.members")]:
        from services.org.graph.members import resident_members  # at call time: an import cycle

        return await resident_members(info, self.id, management, first, after)

    @strawberry.field(description="Party members whose home is this building.")
    async def resident_member_count(self, info: Info) -> int:
        key = parse_uuid(self.id)
        return await info.context["loaders"].resident_count.load(key) if key else 0

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Building:
        return cls(id=id)


QUERY_TYPES: tuple[type, ...] = ()
MUTATION_TYPES: tuple[type, ...] = ()
TYPES = (Region, Community, PartyOrganization, Building)
LOADERS = {
    "region": regions.regions_by_code,
    "region_children": regions.children_of,
    "organization": organizations.organizations_by_id,
    "organization_children": organizations.children_of,
    "community_organization": organizations.community_organization_of,
    "resident_count": organizations.resident_member_counts,
    "resident_counts": organizations.resident_counts,
}
