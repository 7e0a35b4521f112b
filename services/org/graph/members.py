"""GraphQL of members: the Member entity, its posts, categories, seats; member lists."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from services.common.auth import ANONYMOUS, Identity, caller
from services.common.pagination import Connection, connection
from services.org import members
from services.org.graph.core import Building, Community, PartyOrganization, parse_uuid
from services.org.graph.queries import scoped_region
from services.org.members import whole_years
from services.org.regions import tree as regions


@strawberry.enum(description="How a member is managed (plan 三).")
class Management(Enum):
    SELF = "self"  # 自管党员
    NON_SELF = "non_self"  # 非自管党员
    JOINT = "joint"  # 联管党员


@strawberry.enum(description="Education level.")
class Education(Enum):
    PRIMARY = "primary"  # 小学
    JUNIOR = "junior"  # 初中
    SENIOR = "senior"  # 高中
    SECONDARY_VOCATIONAL = "secondary_vocational"  # 中专
    ASSOCIATE = "associate"  # 大专
    BACHELOR = "bachelor"  # 本科
    MASTER = "master"  # 硕士
    DOCTORATE = "doctorate"  # 博士


@strawberry.enum(description="Reporting-in status of a non-self-managed member (党员报到).")
class ReportingStatus(Enum):
    PENDING = "pending"  # 待报到
    REPORTED = "reported"  # 已报到
    LEFT = "left"  # 已迁出


@strawberry.enum(description="Members needing service or assistance (plan 五).")
class SpecialCategory(Enum):
    MOBILE = "mobile"  # 外出流动
    ELDERLY_FRAIL = "elderly_frail"  # 年老体弱
    HARDSHIP = "hardship"  # 生活困难


@strawberry.enum(description="Kinds of post (明岗定责, plan 五).")
class PostKind(Enum):
    JOB = "job"  # 本职岗位
    GRID_MANAGEMENT = "grid_management"  # 网格化管理岗位
    VOLUNTEER = "volunteer"  # 义务奉献岗位


@strawberry.enum(description="Roles on a committee (plan 二).")
class CommitteeRole(Enum):
    SECRETARY = "secretary"  # 书记 (组长 of a group)
    FULLTIME_DEPUTY = "fulltime_deputy"  # 专职副书记
    PARTTIME_DEPUTY = "parttime_deputy"  # 兼职副书记
    MEMBER = "member"  # 委员
    PARTTIME_MEMBER = "parttime_member"  # 大党委兼职委员


@strawberry.enum(description="Offices held concurrently (兼任).")
class Office(Enum):
    WORKSTATION_HEAD = "workstation_head"  # 社区工作站站长
    ZONGZHIBAN_DIRECTOR = "zongzhiban_director"  # 综治办主任
    JUWEIHUI_DIRECTOR = "juweihui_director"  # 居委会主任
    RESIDENT_UNIT_PARTY_HEAD = "resident_unit_party_head"  # 驻社区单位党组织负责人


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
        row = await info.context["loaders"].organization.load(self.organization_id)
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
        row = await info.context["loaders"].member.load(self.helper_id)
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
        return PartyOrganization.from_row(
            await info.context["loaders"].organization.load(self.organization_id)
        )

    @strawberry.field
    async def member(self, info: Info) -> Member:
        return Member.from_row(
            await info.context["loaders"].member.load(self.member_id), caller(info)
        )

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


@strawberry.enum(description="Whether a member's personal fields (phone, birth date) are shown.")
class PersonalDataAccess(Enum):
    GRANTED = "granted"
    WITHHELD_ROLE = "withheld_role"  # the caller's role may not see personal data
    WITHHELD_SCOPE = "withheld_scope"  # the member lies outside the caller's node


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
        row = await info.context["loaders"].organization.load(self.row["organization_id"])
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
        rows = await info.context["loaders"].posts_of_member.load(parse_uuid(self.id))
        return [Post.from_row(row) for row in rows]

    @strawberry.field(description="Special categories and their helpers.")
    async def categories(self, info: Info) -> list[CategoryCare]:
        rows = await info.context["loaders"].categories_of_member.load(parse_uuid(self.id))
        personal = self.personal_data_access is PersonalDataAccess.GRANTED
        return [CategoryCare.from_row(row, personal=personal) for row in rows]

    @strawberry.field(description="Committee seats currently held.")
    async def committee_seats(self, info: Info) -> list[CommitteeSeat]:
        rows = await info.context["loaders"].seats_of_member.load(parse_uuid(self.id))
        return [CommitteeSeat.from_row(row) for row in rows]

    @strawberry.field(description="Offices held concurrently (兼任).")
    async def offices(self, info: Info) -> list[Office]:
        rows = await info.context["loaders"].offices_of_member.load(parse_uuid(self.id))
        return [Office(row["office"]) for row in rows]

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Member | None:
        key = parse_uuid(id)
        row = await info.context["loaders"].member.load(key) if key else None
        identity = caller(info)
        if row is None or not identity.covers(row["community_code"]):
            return None
        return cls.from_row(row, identity)


@strawberry.input(description="Which members to list.")
class MemberFilterInput:
    region_code: str | None = strawberry.field(
        default=None, description="A district, street or community code: members under it."
    )
    organization_id: strawberry.ID | None = None
    building_id: strawberry.ID | None = None
    category: SpecialCategory | None = None
    management: Management | None = None
    name_contains: str | None = None
    include_left: bool = False


@strawberry.type
class MemberQueries:
    @strawberry.field(description="A member by id.")
    async def member(self, info: Info, id: strawberry.ID) -> Member | None:
        return await Member.resolve_reference(info, id)

    @strawberry.field(description="Members, filtered and paged (ordered by community, name).")
    async def members(
        self,
        info: Info,
        filter: MemberFilterInput | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> MemberConnection:
        f = filter or MemberFilterInput()
        identity = caller(info)
        # Only members under the caller's node, whatever the filter asks ("" for the
        # service principal: the whole tree).
        wanted = f.region_code if f.region_code is not None else identity.region
        scoped = scoped_region(info, wanted) if wanted else None
        async with info.context["engine"].connect() as conn:
            codes = None
            if wanted:
                under = await regions.communities_under(conn, scoped) if scoped else []
                codes = [r["code"] for r in under]
            page = await members.list_members(
                conn,
                members.MemberFilter(
                    community_codes=codes,
                    organization_id=_optional_uuid(f.organization_id),
                    building_id=_optional_uuid(f.building_id),
                    category=f.category.value if f.category else None,
                    management=f.management.value if f.management else None,
                    name_contains=f.name_contains,
                    include_left=f.include_left,
                ),
                first=first,
                after=after,
            )
        return connection(page, lambda row: Member.from_row(row, identity), MemberConnection)


@strawberry.type(description="A page of members.")
class MemberConnection(Connection[Member]):
    """Named so other modules can refer to it lazily (generic aliases cannot be lazy)."""


async def resident_members(
    info: Info,
    building_id: strawberry.ID,
    management: Management | None,
    first: int | None,
    after: str | None,
) -> Connection[Member]:
    """Members living in one building (Building.residentMembers), under the caller's node."""
    identity = caller(info)
    async with info.context["engine"].connect() as conn:
        codes = None
        if identity.region:
            codes = [r["code"] for r in await regions.communities_under(conn, identity.region)]
        page = await members.list_members(
            conn,
            members.MemberFilter(
                community_codes=codes,
                building_id=_optional_uuid(building_id),
                management=management.value if management else None,
            ),
            first=first,
            after=after,
        )
    return connection(page, lambda row: Member.from_row(row, identity), MemberConnection)


def _optional_uuid(value: strawberry.ID | None) -> uuid.UUID | None:
    if value is None:
        return None
    # A malformed id matches nothing rather than everything.
    return parse_uuid(value) or uuid.UUID(int=0)


QUERY_TYPES = (MemberQueries,)
MUTATION_TYPES: tuple[type, ...] = ()
TYPES = (Member,)
LOADERS = {
    "member": members.members_by_id,
    "posts_of_member": members.posts_of,
    "categories_of_member": members.categories_of,
    "seats_of_member": members.seats_of,
    "offices_of_member": members.offices_of,
    "seats_of_organization": members.seats_of_organizations,
}
