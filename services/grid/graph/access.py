"""Who may write in the grid subgraph: planners (网格规划员) within their region node, and
the district; everyone else reads only. Previews (`dryRun`) count as writes: they are the
planner's tool."""

from __future__ import annotations

from services.common.auth import GRID_WRITERS, caller, require_scope
from services.common.auth_permissions import write_permission
from services.grid.context import Info
from services.grid.models import building, change_set, community, zone

GridWriter = write_permission(
    GRID_WRITERS,
    what_zh="编辑网格",
    what_en="edit the grid",
    communities=community.c.code,
    tables={
        "zone_id": zone,
        "zone_ids": zone,
        "building_id": building,
        "building_ids": building,
        "change_set_id": change_set,
    },
)


def scoped_code(info: Info, code: str) -> str:
    """The part of the tree under `code` the caller sees, as one node (a street office asking
    for its district gets its street); ForbiddenError when apart (or malformed: codes reach
    resolvers parsed by `auth_codes.ParseRegionCodes`, and `narrow` refuses anything else)."""
    identity = caller(info)
    narrowed = identity.narrow(code)
    if narrowed is None:
        require_scope(identity, code)  # raises: outside the caller's node
    return narrowed or code
