"""Computed indicators: measures of the live graph, read from org and grid directly.

`measure` reads every community asked in one request to each (`metrics.reads`), as assess
itself (the service identity: the whole tree, read only), then applies each indicator's
measure to each community (`metrics.org`, `metrics.grid`). Nothing is read from another
service's tables, and nothing is guessed: SubgraphUnavailableError propagates. A community
a service does not know is unmeasured for that service's indicators (value None).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from services.assess.metrics.run import measure_all, read_for
from services.assess.shared.measures import Measure, Measured

if TYPE_CHECKING:
    from services.assess.metrics.reads import CommunityGraph
    from services.assess.shared.peers import Peers

_DECLARED = (
    Measure("org.people_in_post", "书记、专职副书记配备到位且符合条件", "Secretary and full-time deputy in post", ("org",)),
    Measure("org.committee_composition", "委员会职数和职务符合规定", "Committee size and roles", ("org",)),
    Measure("org.leadership_profile", "班子以40岁左右、大专以上为主体", "Leadership age and education", ("org",)),
    Measure("grid.zones_with_branch", "片区建有网格党支部（党小组）", "Zones with their branch or group", ("grid", "org")),
    Measure("grid.member_buildings_with_group", "有党员居住的楼栋建有党小组", "Buildings with resident members and a group", ("grid", "org")),
    Measure("org.functional_units", "功能型党组织", "Functional branches and groups", ("org",)),
    Measure("org.big_committee", "社区“大党委”", "Big committee with part-time members", ("org",)),
    Measure("org.reporting_rate", "非自管党员报到率", "Reporting-in rate", ("org",)),
    Measure("org.joint_volunteer_team", "党员志愿者服务队", "Joint volunteer service team", ("org",)),
    Measure("org.post_rate", "明岗定责比例", "Post-claim rate", ("org",)),
    Measure("org.special_category_helpers", "特殊类别党员帮扶", "Helpers for special-category members", ("org",)),
)  # fmt: skip
METRICS: dict[str, Measure] = {m.name: m for m in _DECLARED}


async def read(
    peers: Peers,
    indicators: Sequence[Mapping[str, Any]],
    communities: Sequence[str],
    as_of: dt.date,
    *,
    grid: bool = False,
) -> dict[str, CommunityGraph]:
    """What the computed indicators among `indicators` need of the graph, in one request
    to each service (`services.assess.metrics.reads`); `grid`: read grid's coverage even when no indicator
    needs it (the monthly report keeps the coverage figures of the same read)."""
    return await read_for(peers, indicators, communities, as_of, grid=grid)


async def measure(
    peers: Peers,
    indicators: Sequence[Mapping[str, Any]],
    communities: Sequence[str],
    as_of: dt.date,
    graph: Mapping[str, CommunityGraph] | None = None,
) -> dict[str, dict[str, Measured]]:
    """Each community's computed indicators (rows with `measured == "computed"`), by code.

    One request to each service for all communities; only the services the indicators need are
    asked. `as_of` dates ages and Party standing (the rows are read as they are now).
    `graph`: what `read` already read for these communities and indicators (no second
    request)."""
    return await measure_all(peers, indicators, communities, as_of, graph)
