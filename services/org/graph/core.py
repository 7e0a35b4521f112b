"""Entity types of the org subgraph: regions, communities, Party organizations, buildings,
members and their posts, categories and committee seats.

They refer to one another both ways (an organization's committee seats name members, a
member names its organization, community and building), so they live in one module."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Self

import strawberry

from services.common.auth import ANONYMOUS, Identity, caller
from services.common.pagination import Connection, connection
from services.org import members
from services.org.context import Info
from services.org.graph.enums import (
    CommitteeRole,
    Education,
    Management,
    Office,
    OrganizationKind,
    PersonalDataAccess,
    PostKind,
    RegionLevel,
    ReportingStatus,
    SpecialCategory,
    Unit,
)
from services.org.members import whole_years
from services.org.regions import tree as regions


def parse_uuid(value: strawberry.ID | str) -> uuid.UUID | None:
    """An id as a UUID, or None when malformed (an unknown id then resolves to null)."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def uuid_key(value: strawberry.ID | str) -> uuid.UUID:
    """An id as a loader's key: a malformed one becomes the nil UUID, which names nothing."""
    return parse_uuid(value) or uuid.UUID(int=0)


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
        row = await info.context.loaders.region.load(self.parent_code)
        return Region.from_row(row) if row else None

    @strawberry.field(description="Child regions, ordered by code.")
    async def children(self, info: Info) -> list[Region]:
        rows = await info.context.loaders.region_children.load(self.code)
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
        row = await info.context.loaders.region.load(code)
        return cls.from_row(row) if row else None


@strawberry.federation.type(keys=["code"], description="A community (社区).")
class Community:
    code: str

    async def _row(self, info: Info) -> dict[str, Any]:
        row = await info.context.loaders.region.load(self.code)
        assert row is not None, self.code  # resolve_reference returned it only if it exists
        return row

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
        row = await info.context.loaders.community_organization.load(self.code)
        return PartyOrganization.from_row(row) if row else None

    @classmethod
    async def resolve_reference(cls, info: Info, code: str) -> Community | None:
        if not caller(info).covers(code):
            return None
        row = await info.context.loaders.region.load(code)
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
    async def committee(self, info: Info) -> list[CommitteeSeat]:
        rows = await info.context.loaders.seats_of_organization.load(uuid_key(self.id))
        return [CommitteeSeat.from_row(row) for row in rows]

    @strawberry.field(
        description="Members whose membership it holds (self-managed; those who left not "
        "counted): the organizations under it not included."
    )
    async def member_count(self, info: Info) -> int:
        return int(await info.context.loaders.organization_member_count.load(uuid_key(self.id)))

    @strawberry.field
    def community(self) -> Community:
        return Community(code=self.community_code)

    @strawberry.field
    async def parent(self, info: Info) -> PartyOrganization | None:
        if self.parent_id is None:
            return None
        row = await info.context.loaders.organization.load(self.parent_id)
        return PartyOrganization.from_row(row) if row else None

    @strawberry.field(description="Live organizations directly under this one.")
    async def children(self, info: Info) -> list[PartyOrganization]:
        rows = await info.context.loaders.organization_children.load(uuid_key(self.id))
        return [PartyOrganization.from_row(row) for row in rows]

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> PartyOrganization | None:
        key = parse_uuid(id)
        row = await info.context.loaders.organization.load(key) if key else None
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
        return ResidentCounts.from_counts(await info.context.loaders.resident_counts.load(key))

    @strawberry.field(description="Members whose home is this building, paged.")
    async def resident_members(
        self,
        info: Info,
        management: Management | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> MemberConnection:
        return await resident_members(info, self.id, management, first, after)

    @strawberry.field(description="Party members whose home is this building.")
    async def resident_member_count(self, info: Info) -> int:
        key = parse_uuid(self.id)
        return await info.context.loaders.resident_count.load(key) if key else 0

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Building:
        return cls(id=id)


@strawberry.type(description="Reporting in to the community (党员报到).")
class Reporting:
    status: ReportingStatus
    reported_on: dt.date | None
    unit: str | None = strawberry.field(description="The unit it reported in from.")


@strawberry.type(description="A post a member holds (明岗定责).")
class Post:
    id: strawberry.ID
    kind: PostKind
    title: str
    claimed_on: dt.date
    organization_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field
    async def organization(self, info: Info) -> PartyOrganization | None:
        if self.organization_id is None:
            return None
        row = await info.context.loaders.organization.load(self.organization_id)
        return PartyOrganization.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Post:
        return cls(
            id=strawberry.ID(str(row["id"])),
            kind=PostKind(row["kind"]),
            title=row["title"],
            claimed_on=row["claimed_on"],
            organization_id=row["organization_id"],
        )


@strawberry.type(description="A special category and who helps (分类管理).")
class CategoryCare:
    id: strawberry.ID
    category: SpecialCategory
    helper_contact: str | None = strawberry.field(
        description="Personal (a free-text contact, often a phone number): null unless the "
        "member's `personalDataAccess` is GRANTED."
    )
    helper_id: strawberry.Private[uuid.UUID | None]
    has_contact: strawberry.Private[bool]

    @strawberry.field(description="The member who helps, if a member does.")
    async def helper(self, info: Info) -> Member | None:
        if self.helper_id is None:
            return None
        row = await info.context.loaders.member.load(self.helper_id)
        return Member.from_row(row, caller(info)) if row else None

    @strawberry.field(description="Whether someone helps: a member or a contact.")
    def has_helper(self) -> bool:
        return self.helper_id is not None or self.has_contact

    @classmethod
    def from_row(cls, row: dict[str, Any], *, personal: bool) -> CategoryCare:
        """`personal`: whether the caller may read the member's personal data (the contact
        is withheld with the phone and birth date otherwise)."""
        return cls(
            id=strawberry.ID(str(row["id"])),
            category=SpecialCategory(row["category"]),
            helper_contact=row["helper_contact"] if personal else None,
            helper_id=row["helper_member_id"],
            has_contact=bool(row["helper_contact"]),
        )


@strawberry.type(description="A seat on a committee (委员会).")
class CommitteeSeat:
    id: strawberry.ID
    role: CommitteeRole
    term_start: dt.date | None
    term_end: dt.date | None
    organization_id: strawberry.Private[uuid.UUID]
    member_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def organization(self, info: Info) -> PartyOrganization:
        row = await info.context.loaders.organization.load(self.organization_id)
        assert row is not None, self.organization_id  # a seat's organization is kept, dissolved
        return PartyOrganization.from_row(row)

    @strawberry.field
    async def member(self, info: Info) -> Member:
        row = await info.context.loaders.member.load(self.member_id)
        assert row is not None, self.member_id  # members are never deleted, only leave
        return Member.from_row(row, caller(info))

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CommitteeSeat:
        return cls(
            id=strawberry.ID(str(row["id"])),
            role=CommitteeRole(row["role"]),
            term_start=row["term_start"],
            term_end=row["term_end"],
            organization_id=row["organization_id"],
            member_id=row["member_id"],
        )


def personal_data_access(identity: Identity, community_code: str) -> PersonalDataAccess:
    """District, street office and community secretary see personal fields within scope."""
    if not identity.covers(community_code):
        return PersonalDataAccess.WITHHELD_SCOPE
    if not identity.may_read_personal(community_code):
        return PersonalDataAccess.WITHHELD_ROLE
    return PersonalDataAccess.GRANTED


@strawberry.federation.type(keys=["id"], description="A Party member (党员).")
class Member:
    id: strawberry.ID
    name: str
    gender: str = strawberry.field(description="M or F.")
    birth_date: dt.date | None = strawberry.field(
        description="Personal: null unless `personalDataAccess` is GRANTED."
    )
    education: Education
    joined_on: dt.date = strawberry.field(description="Date joined the Party.")
    is_probationary: bool = strawberry.field(description="预备党员 (not yet a full member).")
    management: Management
    employer_unit: str | None
    is_able: bool = strawberry.field(description="Able to take part in activities.")
    is_sent_down_cadre: bool = strawberry.field(description="下派科级干部.")
    phone: str | None = strawberry.field(
        description="Personal: null unless `personalDataAccess` is GRANTED."
    )
    personal_data_access: PersonalDataAccess = strawberry.field(
        description="Whether the caller may see this member's personal fields, and if not why."
    )
    left_on: dt.date | None
    version: int
    row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any], identity: Identity = ANONYMOUS) -> Member:
        access = personal_data_access(identity, row["community_code"])
        granted = access is PersonalDataAccess.GRANTED
        return cls(
            id=strawberry.ID(str(row["id"])),
            name=row["name"],
            gender=row["gender"],
            birth_date=row["birth_date"] if granted else None,
            education=Education(row["education"]),
            joined_on=row["joined_on"],
            is_probationary=row["is_probationary"],
            management=Management(row["management"]),
            employer_unit=row["employer_unit"],
            is_able=row["is_able"],
            is_sent_down_cadre=row["is_sent_down_cadre"],
            phone=row["phone"] if granted else None,
            personal_data_access=access,
            left_on=row["left_on"],
            version=row["version"],
            row=row,
        )

    @strawberry.field
    def community(self) -> Community:
        return Community(code=self.row["community_code"])

    @strawberry.field(description="The organization holding its membership (self-managed).")
    async def organization(self, info: Info) -> PartyOrganization | None:
        if self.row["organization_id"] is None:
            return None
        row = await info.context.loaders.organization.load(self.row["organization_id"])
        return PartyOrganization.from_row(row) if row else None

    @strawberry.field(description="Its home building (a grid Building).")
    def home_building(self) -> Building | None:
        building = self.row["home_building_id"]
        return None if building is None else Building(id=strawberry.ID(str(building)))

    @strawberry.field(description="Reporting in (non-self-managed and jointly managed only).")
    def reporting(self) -> Reporting | None:
        if self.row["reporting_status"] is None:
            return None
        return Reporting(
            status=ReportingStatus(self.row["reporting_status"]),
            reported_on=self.row["reported_in_on"],
            unit=self.row["reporting_unit"],
        )

    @strawberry.field(description="Party standing (党龄) in whole years on a date (today).")
    def party_standing_years(self, as_of: dt.date | None = None) -> int:
        return whole_years(self.joined_on, as_of or dt.date.today())

    @strawberry.field(
        description="Age in whole years on a date (today). Personal, like the birth date it "
        "is derived from (ages on enough dates give the birth date): null unless "
        "`personalDataAccess` is GRANTED."
    )
    def age(self, as_of: dt.date | None = None) -> int | None:
        if self.personal_data_access is not PersonalDataAccess.GRANTED:
            return None
        return whole_years(self.row["birth_date"], as_of or dt.date.today())

    @strawberry.field(description="Posts currently held (明岗定责).")
    async def posts(self, info: Info) -> list[Post]:
        rows = await info.context.loaders.posts_of_member.load(uuid_key(self.id))
        return [Post.from_row(row) for row in rows]

    @strawberry.field(description="Special categories and their helpers.")
    async def categories(self, info: Info) -> list[CategoryCare]:
        rows = await info.context.loaders.categories_of_member.load(uuid_key(self.id))
        personal = self.personal_data_access is PersonalDataAccess.GRANTED
        return [CategoryCare.from_row(row, personal=personal) for row in rows]

    @strawberry.field(description="Committee seats currently held.")
    async def committee_seats(self, info: Info) -> list[CommitteeSeat]:
        rows = await info.context.loaders.seats_of_member.load(uuid_key(self.id))
        return [CommitteeSeat.from_row(row) for row in rows]

    @strawberry.field(description="Offices held concurrently (兼任).")
    async def offices(self, info: Info) -> list[Office]:
        rows = await info.context.loaders.offices_of_member.load(uuid_key(self.id))
        return [Office(row["office"]) for row in rows]

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Member | None:
        key = parse_uuid(id)
        row = await info.context.loaders.member.load(key) if key else None
        identity = caller(info)
        if row is None or not identity.covers(row["community_code"]):
            return None
        return cls.from_row(row, identity)


@strawberry.type(description="A page of members.")
class MemberConnection(Connection[Member]):
    """Named: a generic alias cannot name a GraphQL type."""


async def resident_members(
    info: Info,
    building_id: strawberry.ID,
    management: Management | None,
    first: int | None,
    after: str | None,
) -> MemberConnection:
    """Members living in one building (Building.residentMembers), under the caller's node."""
    identity = caller(info)
    async with info.context.engine.connect() as conn:
        codes = None
        if identity.region:
            codes = [r["code"] for r in await regions.communities_under(conn, identity.region)]
        page = await members.list_members(
            conn,
            members.MemberFilter(
                community_codes=codes,
                building_id=optional_uuid(building_id),
                management=management.value if management else None,
            ),
            first=first,
            after=after,
        )
    return connection(page, lambda row: Member.from_row(row, identity), MemberConnection)


def optional_uuid(value: strawberry.ID | None) -> uuid.UUID | None:
    if value is None:
        return None
    # A malformed id matches nothing rather than everything.
    return parse_uuid(value) or uuid.UUID(int=0)


QUERY_TYPES: tuple[type, ...] = ()
MUTATION_TYPES: tuple[type, ...] = ()
TYPES = (Region, Community, PartyOrganization, Building)
