"""GraphQL writes of the region tree, for district users within their own district:
createRegion, renameRegion, retireRegion, deleteRegion.

A new district (6 digits) is no user's to create: it comes in by the operator's bootstrap
(`partygrid import regions`), so a district user's scope — its own district — holds every
place it may create.
"""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import Role, caller, require_write
from services.common.errors import UserError, run_write
from services.common.subgraph_client import SubgraphUnavailableError
from services.org.context import Info
from services.org.graph.core import Region
from services.org.regions import tree as regions

DISTRICT_ONLY = frozenset({Role.DISTRICT})


@strawberry.type
class RegionPayload:
    region: Region | None
    errors: list[UserError]


def _payload(result: tuple[dict[str, Any] | None, list[UserError]]) -> RegionPayload:
    row, errors = result
    return RegionPayload(region=Region.from_row(row) if row else None, errors=errors)


def _allowed(info: Info, code: str, what: tuple[str, str]) -> None:
    # Role and scope first: a code outside the district is forbidden whatever its form.
    what_zh, what_en = what
    require_write(caller(info), DISTRICT_ONLY, [code], what_zh=what_zh, what_en=what_en)


def _grid_data_of(info: Info) -> regions.GridDataOf:
    grid = info.context.grid

    async def grid_data_of(code: str) -> bool:
        try:
            return await grid.has_grid_data(code)
        except SubgraphUnavailableError as down:
            raise down.refusal(
                "无法确认该社区没有边界、片区或楼栋",
                "cannot confirm the community has no boundary, zones or buildings",
                "code",
            ) from None

    return grid_data_of


@strawberry.type
class RegionMutations:
    @strawberry.mutation(
        description="Add a street office, township or community (district users, under their "
        "district). The parent must exist and be in use; the code nests under it by prefix."
    )
    async def create_region(
        self, info: Info, code: str, name: str, parent_code: str | None = None
    ) -> RegionPayload:
        _allowed(info, code, ("新建区划", "create regions"))

        async def write(conn: AsyncConnection) -> dict:
            return await regions.create_region(conn, code=code, name=name, parent_code=parent_code)

        return _payload(await run_write(info.context.engine, write))

    @strawberry.mutation(description="Rename a place (district users, in their district).")
    async def rename_region(self, info: Info, code: str, name: str) -> RegionPayload:
        _allowed(info, code, ("修改区划名称", "rename regions"))

        async def write(conn: AsyncConnection) -> dict:
            return await regions.rename_region(conn, code=code, name=name)

        return _payload(await run_write(info.context.engine, write))

    @strawberry.mutation(
        description="Retire a place that merged or split away: it keeps its organizations, "
        "members and grid data, refuses new data and is listed only when asked."
    )
    async def retire_region(self, info: Info, code: str) -> RegionPayload:
        _allowed(info, code, ("撤销区划", "retire regions"))

        async def write(conn: AsyncConnection) -> dict:
            return await regions.retire_region(conn, code=code)

        return _payload(await run_write(info.context.engine, write))

    @strawberry.mutation(
        description="Delete a place entered by mistake; refused (IN_USE) when anything "
        "hangs from it — retire it then."
    )
    async def delete_region(self, info: Info, code: str) -> RegionPayload:
        _allowed(info, code, ("删除区划", "delete regions"))
        grid_data_of = _grid_data_of(info)

        async def write(conn: AsyncConnection) -> dict:
            return await regions.delete_region(conn, code=code, grid_data_of=grid_data_of)

        return _payload(await run_write(info.context.engine, write))


QUERY_TYPES: tuple[type, ...] = ()
MUTATION_TYPES = (RegionMutations,)
TYPES: tuple[type, ...] = ()
