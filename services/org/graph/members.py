"""Root queries of members: one by id, and lists filtered and paged (types in `core`)."""

from __future__ import annotations

import strawberry

from services.common.auth import caller
from services.common.pagination import connection
from services.common.text import MAX_NAME, clean_text
from services.org import members
from services.org.context import Info
from services.org.graph.access import scoped_region
from services.org.graph.core import Member, MemberConnection, optional_uuid
from services.org.graph.enums import Management, ReportingStatus, SpecialCategory
from services.org.regions import tree as regions


@strawberry.input(description="Which members to list.")
class MemberFilterInput:
    region_code: str | None = strawberry.field(
        default=None, description="A district, street or community code: members under it."
    )
    organization_id: strawberry.ID | None = None
    building_id: strawberry.ID | None = None
    category: SpecialCategory | None = None
    management: Management | None = None
    reporting: ReportingStatus | None = strawberry.field(
        default=None,
        description="Reporting-in status (党员报到): only non-self-managed and jointly managed "
        "members have one.",
    )
    name_contains: str | None = None
    include_left: bool = False


@strawberry.type(description="An organization's able members and those holding a post (明岗定责).")
class PostHoldingCount:
    organization_id: strawberry.ID
    able_members: int = strawberry.field(
        description="Members able to take part (有活动能力), not left, living under the region."
    )
    with_posts: int = strawberry.field(description="Of them, those holding a current post.")


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
        async with info.context.engine.connect() as conn:
            codes = None
            if wanted:
                under = await regions.communities_under(conn, scoped) if scoped else []
                codes = [r["code"] for r in under]
            page = await members.list_members(
                conn,
                members.MemberFilter(
                    community_codes=codes,
                    organization_id=optional_uuid(f.organization_id),
                    building_id=optional_uuid(f.building_id),
                    category=f.category.value if f.category else None,
                    management=f.management.value if f.management else None,
                    reporting=f.reporting.value if f.reporting else None,
                    # The one text rule: a NUL is INVALID, not a database error.
                    name_contains=clean_text(
                        f.name_contains, ["filter", "nameContains"], MAX_NAME, what_zh="姓名"
                    ),
                    include_left=f.include_left,
                ),
                first=first,
                after=after,
            )
        return connection(page, lambda row: Member.from_row(row, identity), MemberConnection)

    @strawberry.field(
        description="Per organization, its able members living under a region and those "
        "holding a post: what `members(filter: {regionCode})` pages would count, in one answer "
        "(organizations with no able member left out; ordered by organization id)."
    )
    async def post_holdings(self, info: Info, region_code: str) -> list[PostHoldingCount]:
        scoped = scoped_region(info, region_code)
        async with info.context.engine.connect() as conn:
            under = await regions.communities_under(conn, scoped) if scoped else []
            found = await members.post_holdings(conn, [r["code"] for r in under])
        return [
            PostHoldingCount(
                organization_id=strawberry.ID(str(h.organization_id)),
                able_members=h.able,
                with_posts=h.with_posts,
            )
            for h in found
        ]


QUERY_TYPES = (MemberQueries,)
MUTATION_TYPES: tuple[type, ...] = ()
TYPES = (Member, PostHoldingCount)
