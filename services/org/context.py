"""What org's resolvers receive: the typed request context and its per-request loaders."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from services.common.context import SubgraphContext
from services.common.loaders import LoaderSet, loader
from services.org import evaluation as evaluations
from services.org import members, organizations, units
from services.org.grid_client import GridClient
from services.org.regions import tree as regions


class OrgLoaders(LoaderSet):
    """One DataLoader per batch query, made on first use within a request."""

    region = loader(regions.regions_by_code)
    region_children = loader(regions.children_of)
    organization = loader(organizations.organizations_by_id)
    organization_children = loader(organizations.children_of)
    community_organization = loader(organizations.community_organization_of)
    organization_member_count = loader(organizations.member_counts)
    resident_count = loader(organizations.resident_member_counts)
    resident_counts = loader(organizations.resident_counts)
    member = loader(members.members_by_id)
    posts_of_member = loader(members.posts_of)
    categories_of_member = loader(members.categories_of)
    seats_of_member = loader(members.seats_of)
    offices_of_member = loader(members.offices_of)
    seats_of_organization = loader(members.seats_of_organizations)
    evaluation = loader(evaluations.evaluations_by_id)
    feedback_of_evaluation = loader(evaluations.feedback_of)
    parttime_seats_of_unit = loader(units.parttime_seats_of_units)
    team_management_mix = loader(units.management_mix)


@dataclass(kw_only=True)
class OrgContext(SubgraphContext):
    loaders: OrgLoaders
    # The grid subgraph (zones and buildings), yielded by the app's resources.
    grid: GridClient


Info = strawberry.Info[OrgContext]
