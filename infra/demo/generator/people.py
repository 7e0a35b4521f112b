"""The people of one community: its residents and its committee, placed in its organizations."""

from __future__ import annotations

import numpy as np

from infra.demo.generator.committees import committee
from infra.demo.generator.draws import STAGE_PEOPLE, Ids, stage_rng
from infra.demo.generator.grids import Grid
from infra.demo.generator.members import member_counts, resident
from infra.demo.generator.organizations import OrgTree, org_tree
from infra.demo.generator.plans import LifePlan, OrgPlan
from infra.demo.model import Member


def community_people(
    index: int,
    grid: Grid,
    plan: OrgPlan,
    life: LifePlan,
    pilots: frozenset[str],
    ids: Ids,
) -> tuple[OrgTree, list[Member]]:
    """The organizations and members of one community."""
    rng = stage_rng(ids.seed, STAGE_PEOPLE, index)
    code = grid.place.code
    kind = plan.kinds[code]
    counts, ungrouped = member_counts(rng, grid, kind)
    tree = org_tree(rng, grid, plan, life, ungrouped, ids)
    homes: list[int | None] = list(np.repeat(np.arange(len(counts)), counts).tolist())
    homes += [None] * int(rng.integers(1, 3))  # a few members with no known home building
    members = [resident(rng, ids, grid, tree, serial, home) for serial, home in enumerate(homes)]
    members += committee(
        rng,
        ids,
        grid,
        tree,
        kind,
        plan.breaches.get(code),
        code in pilots,
        code == life.local_pilot_secretary,
    )
    return tree, members
