"""Applying the metrics: each indicator's measure to each community's graph facts.

Kept apart from `metrics` (the names `standard` checks documents against) so that module stays
a short list of declarations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from services.assess.metrics import grid as metric_grid
from services.assess.metrics import org as metric_org
from services.assess.metrics.reads import CommunityGraph, GridCounts, OrgCounts, read_graph
from services.assess.shared.measures import Measured
from services.assess.shared.peers import Peers

# What each metric applies to: org's counts of the community, or grid's coverage of it.
ORG_MEASURES: dict[str, Callable[[OrgCounts], Measured]] = {
    "org.people_in_post": metric_org.people_in_post,
    "org.committee_composition": metric_org.committee_composition,
    "org.leadership_profile": metric_org.leadership_profile,
    "org.functional_units": metric_org.functional_units,
    "org.big_committee": metric_org.big_committee,
    "org.reporting_rate": metric_org.reporting_rate,
    "org.joint_volunteer_team": metric_org.joint_volunteer_team,
    "org.post_rate": metric_org.post_rate,
    "org.special_category_helpers": metric_org.special_category_helpers,
}
GRID_MEASURES: dict[str, Callable[[GridCounts], Measured]] = {
    "grid.zones_with_branch": metric_grid.zones_with_branch,
    "grid.member_buildings_with_group": metric_grid.member_buildings_with_group,
}

UNKNOWN_TO_ORG = Measured(None, "组织数据中没有该社区", "org does not know the community")
UNKNOWN_TO_GRID = Measured(None, "网格中没有该社区", "grid has not mapped the community")


def _unknown_metric(name: str) -> Measured:
    return Measured(None, f"未知的计算指标：{name}", f"unknown metric {name}")


def measure_one(name: str, graph: CommunityGraph) -> Measured:
    """One metric of one community, from what the graph said about it."""
    if name in ORG_MEASURES:
        return ORG_MEASURES[name](graph.org) if graph.org is not None else UNKNOWN_TO_ORG
    if name in GRID_MEASURES:
        return GRID_MEASURES[name](graph.grid) if graph.grid is not None else UNKNOWN_TO_GRID
    return _unknown_metric(name)


def _metric_rows(indicators: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [r for r in indicators if r.get("metric")]


async def read_for(
    peers: Peers,
    indicators: Sequence[Mapping[str, Any]],
    communities: Sequence[str],
    as_of: dt.date,
    *,
    grid: bool = False,
) -> dict[str, CommunityGraph]:
    """See `metrics.read`."""
    names = {r["metric"] for r in _metric_rows(indicators)}
    org = bool(names & set(ORG_MEASURES))
    grid = grid or bool(names & set(GRID_MEASURES))
    if not communities:
        return {}
    if org or grid:
        return await read_graph(
            peers, communities, as_of, org=org, grid=grid, rules=metric_org.FINDING_RULES
        )
    return {c: CommunityGraph(c, None, None) for c in communities}


async def measure_all(
    peers: Peers,
    indicators: Sequence[Mapping[str, Any]],
    communities: Sequence[str],
    as_of: dt.date,
    graph: Mapping[str, CommunityGraph] | None = None,
) -> dict[str, dict[str, Measured]]:
    """See `metrics.measure`."""
    if not communities:
        return {}
    if graph is None:
        graph = await read_for(peers, indicators, communities, as_of)
    rows = _metric_rows(indicators)
    return {
        code: {r["code"]: measure_one(r["metric"], graph[code]) for r in rows}
        for code in communities
    }
