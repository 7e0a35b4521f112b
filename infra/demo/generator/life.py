"""The regional pattern and member life of one community (plan 三、五), stage by stage."""

from __future__ import annotations

import uuid

import numpy as np

from infra.demo.generator.categories import special_categories
from infra.demo.generator.departures import left_members
from infra.demo.generator.draws import AS_OF, Ids
from infra.demo.generator.evaluations import town_evaluations
from infra.demo.generator.grids import Grid
from infra.demo.generator.members import YEAR_DAYS
from infra.demo.generator.offices import seats_and_offices
from infra.demo.generator.organizations import OrgTree
from infra.demo.generator.plans import LifePlan
from infra.demo.generator.posts import member_posts, volunteer_team
from infra.demo.generator.resident_units import town_resident_units
from infra.demo.generator.town import Life, Town, member_traits
from infra.demo.model import Member


def community_life(  # noqa: PLR0913 -- one community's stream, ids, grid, kind, organizations and members, and the district's plan
    rng: np.random.Generator,
    ids: Ids,
    grid: Grid,
    kind: str,
    tree: OrgTree,
    members: list[Member],
    plan: LifePlan,
) -> Life:
    # Keyed by UUID | None so a member without a home building looks up -1 like an unknown one.
    building_index: dict[uuid.UUID | None, int] = {b.id: i for i, b in enumerate(grid.buildings)}
    home = np.array([building_index.get(m.home_building_id, -1) for m in members])
    zone = np.where(home >= 0, grid.zone_of[np.maximum(home, 0)], -1)
    age = np.array([(AS_OF - m.birth_date).days for m in members]) / YEAR_DAYS
    town = Town(
        rng,
        ids,
        grid,
        kind,
        tree,
        plan,
        members,
        {o.id: o.name for o in tree.organizations},
        home,
        zone,
        age,
        [m.employer_unit for m in members],
    )
    traits = member_traits(town)
    units, heads = town_resident_units(town, traits)
    seats, leaders, offices = seats_and_offices(town, traits, units, heads)
    categories = special_categories(town, traits)
    holders = {o.member_id for o in offices} | {s.member_id for s in seats if s.ended_on is None}
    posts = member_posts(town, traits, leaders, holders)
    teams, team_members = volunteer_team(town, traits, posts)
    evaluations, feedback = town_evaluations(town, traits, units)
    people = [
        Member(
            **{
                **vars(m),
                "employer_unit": town.employer[i],
                "reporting_unit": town.employer[i] if traits.unit_known[i] else None,
                "is_able": not traits.unable[i],
                "phone": traits.phones[i],
            }
        )
        for i, m in enumerate(members)
    ]
    return Life(
        people + left_members(town),
        seats,
        units,
        offices,
        categories,
        posts,
        teams,
        team_members,
        evaluations,
        feedback,
    )
