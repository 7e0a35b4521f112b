"""The plan's milestones and each community's status in the graph: the schedule of a year,
statuses per community as of a day, overdue lists per street, and the street office's
attestations of the milestones no data proves.

Years: the schedule, the statuses and the overdue lists are a plan view and may be asked of
a future year too (what is due, and what live data would already prove), up to 50 years
ahead (dates.check_plan_year; INVALID beyond, or before 2000); an
attestation or its withdrawal is a write and names a year from 2000 to the current one
(services/assess/shared/dates.py)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from services.assess.grading import assessing
from services.assess.grading import reads as grading_reads
from services.assess.grading import workflow as grading
from services.assess.metrics import catalog as metrics
from services.assess.milestones import schedule as milestones
from services.assess.shared import dates, plan_schedule
from services.assess.shared.community_check import (
    CommunityFacts,
    communities_in,
)
from services.assess.shared.context import Info
from services.assess.shared.document_owners import district_of
from services.assess.shared.graph import caller_community, plan_year
from services.common.auth import Role, caller, is_region_code, require_role
from services.common.errors import DomainError, UserError, UserErrorCode, run_write
from services.common.subgraph_client import SubgraphUnavailableError

# "others attested as done (a date + note by the street office)"; the district may too.
ATTESTERS = frozenset({Role.DISTRICT, Role.STREET})


@strawberry.enum(description="Which communities a milestone applies to.")
class MilestoneScope(Enum):
    ALL = "all"
    PILOT = "pilot"  # 试点社区


@strawberry.enum(description="What proves a milestone for a community.")
class MilestoneProof(Enum):
    DETERMINED = "determined"  # the assessment of the year is determined
    INDICATORS = "indicators"  # listed indicators passed
    MEETS_STANDARD = "meets_standard"  # 三有四化
    ATTESTED = "attested"  # recorded by the street office


@strawberry.enum(description="A community against a milestone, as of a day.")
class MilestoneStatusKind(Enum):
    DONE = "done"
    PENDING = "pending"
    OVERDUE = "overdue"


@strawberry.type(description="A milestone of the plan in one year.")
class Milestone:
    id: str
    year: int
    name: str = strawberry.field(description="Chinese.")
    name_en: str
    due: dt.date
    applies_to: MilestoneScope
    proof: MilestoneProof
    indicators: list[str] = strawberry.field(description="Indicators that prove it, if any.")
    plan_clause: str

    @classmethod
    def of(cls, m: plan_schedule.Milestone) -> Milestone:
        return cls(
            id=m.id,
            year=m.year,
            name=m.name,
            name_en=m.name_en,
            due=m.due,
            applies_to=MilestoneScope(m.applies_to),
            proof=MilestoneProof(m.proof),
            indicators=list(m.indicators),
            plan_clause=m.plan_clause,
        )


@strawberry.type(description="One community against one milestone.")
class MilestoneStatus:
    milestone: Milestone
    status: MilestoneStatusKind
    done_on: dt.date | None
    how: str = strawberry.field(description="What proved it or what is missing (Chinese).")
    how_en: str

    @classmethod
    def of(cls, s: milestones.CommunityStatus) -> MilestoneStatus:
        return cls(
            milestone=Milestone.of(s.milestone),
            status=MilestoneStatusKind(s.status.value),
            done_on=s.done_on,
            how=s.how,
            how_en=s.how_en,
        )


@strawberry.type(description="A community's milestones that apply to it, by deadline.")
class CommunityMilestones:
    community_code: str
    community_name: str
    street_code: str
    is_pilot: bool
    milestones: list[MilestoneStatus]


@strawberry.type(description="A milestone a community has missed.")
class OverdueMilestone:
    community_code: str
    community_name: str
    milestone: Milestone
    days_overdue: int
    how: str
    how_en: str


@strawberry.type(description="A street office's overdue milestones.")
class StreetOverdue:
    street_code: str
    street_name: str
    count: int
    items: list[OverdueMilestone]


@strawberry.type(description="Overdue milestones under a region, per street office.")
class OverdueMilestones:
    region_code: str
    year: int
    as_of: dt.date
    count: int
    streets: list[StreetOverdue]


@strawberry.type
class MilestoneAttestationPayload:
    status: MilestoneStatus | None = strawberry.field(
        description="The community's status against it afterwards (as of today)."
    )
    errors: list[UserError]


async def _statuses(
    info: Info, region_code: str, year: int, as_of: dt.date
) -> list[tuple[CommunityFacts, list[milestones.CommunityStatus]]]:
    """Every community under the region the caller sees, with its applicable milestones."""
    if not is_region_code(region_code):
        return []
    scoped = caller(info).narrow(region_code)
    if scoped is None:
        return []
    engine, peers = info.context.engine, info.context.peers
    try:
        communities = await communities_in(peers.org, scoped)
    except SubgraphUnavailableError as down:
        raise down.refusal("无法读取社区信息", "the communities cannot be read") from down
    codes = [c.code for c in communities]
    async with engine.connect() as conn:
        assessed = await grading_reads.assessments_for(conn, codes, year)
        snapshots = await grading_reads.snapshots_for(conn, codes, year)
        attested = await milestones.attestations_for(conn, codes, year)
    plan = plan_schedule.schedule(year)
    today = dates.today()
    live: dict[str, dict] = {}
    if codes and as_of >= today and any(milestones.needs_live(m) for m in plan):
        live = await _live(info, codes, assessed, year, today)
    found = []
    for c in communities:
        row = assessed.get(c.code)
        evidence = milestones.Evidence(
            determined_on=(
                dates.local_day(row["determined_at"]) if row and row["determined_at"] else None
            ),
            snapshots=tuple(snapshots.get(c.code, ())),
            live=live.get(c.code),
            attested=attested.get(c.code, {}),
        )
        found.append(
            (
                c,
                [
                    milestones.status_of(m, c.code, evidence, as_of, today)
                    for m in plan
                    if m.applies(c.is_pilot)
                ],
            )
        )
    return found


async def _live(
    info: Info, codes: list[str], assessed: dict[str, dict], year: int, today: dt.date
) -> dict[str, dict]:
    """Live scores: under each community's assessment standard, else its district's current
    one. Communities whose standards resolve to the same version are scored together, and the
    graph (org's counts, grid's coverage) is read once for all of them: one request to each
    service however many standards and districts the region holds."""
    engine, peers = info.context.engine, info.context.peers
    by_standard: dict[tuple[str | None, str], list[str]] = defaultdict(list)
    for code in codes:
        row = assessed.get(code)
        by_standard[row["standard_id"] if row else None, district_of(code)].append(code)
    versions: dict[Any, tuple[assessing.StandardRows, list[str]]] = {}
    for (standard_id, district), group in by_standard.items():
        rows = await assessing.standard_rows(engine, standard_id, district)
        if rows is not None:
            versions.setdefault(rows.standard["id"], (rows, []))[1].extend(group)
    if not versions:
        return {}
    computed = [
        r for rows, _ in versions.values() for r in rows.indicators if r["measured"] == "computed"
    ]
    live: dict[str, dict] = {}
    try:
        graph = await metrics.read(
            peers, computed, [c for _, group in versions.values() for c in group], today
        )
        for rows, group in versions.values():
            scores = await assessing.assess(
                engine, peers, rows, group, year, today, graph={c: graph[c] for c in group}
            )
            live.update({c: grading.snapshot_values(s, today) for c, s in scores.items()})
    except SubgraphUnavailableError as down:
        raise down.refusal(
            "无法读取组织和网格数据", "the organization and grid data cannot be read"
        ) from down
    return live


@strawberry.type
class MilestoneQueries:
    @strawberry.field(description="The plan's milestones in a year, by deadline.")
    def milestones(self, year: int) -> list[Milestone]:
        return [Milestone.of(m) for m in plan_schedule.schedule(plan_year(year))]

    @strawberry.field(
        description="Each community under a region (as far as the caller sees) against the "
        "milestones that apply to it, as of a day (today by default)."
    )
    async def milestone_statuses(
        self, info: Info, region_code: str, year: int, as_of: dt.date | None = None
    ) -> list[CommunityMilestones]:
        found = await _statuses(info, region_code, plan_year(year), as_of or dates.today())
        return [
            CommunityMilestones(
                community_code=c.code,
                community_name=c.name,
                street_code=c.street_code,
                is_pilot=c.is_pilot,
                milestones=[MilestoneStatus.of(s) for s in statuses],
            )
            for c, statuses in found
        ]

    @strawberry.field(
        description="Milestones missed as of a day (today by default) under a district or "
        "street, per street office, by community and deadline."
    )
    async def overdue_milestones(
        self, info: Info, region_code: str, year: int, as_of: dt.date | None = None
    ) -> OverdueMilestones:
        plan_year(year)
        day = as_of or dates.today()
        streets: dict[str, StreetOverdue] = {}
        for c, statuses in await _statuses(info, region_code, year, day):
            street = streets.setdefault(
                c.street_code,
                StreetOverdue(
                    street_code=c.street_code, street_name=c.street_name, count=0, items=[]
                ),
            )
            for s in statuses:
                if s.status is milestones.Status.OVERDUE:
                    street.items.append(
                        OverdueMilestone(
                            community_code=c.code,
                            community_name=c.name,
                            milestone=Milestone.of(s.milestone),
                            days_overdue=(day - s.milestone.due).days,
                            how=s.how,
                            how_en=s.how_en,
                        )
                    )
            street.count = len(street.items)
        listed = [streets[k] for k in sorted(streets)]
        return OverdueMilestones(
            region_code=region_code,
            year=year,
            as_of=day,
            count=sum(s.count for s in listed),
            streets=listed,
        )


async def _status_now(
    info: Info, milestone: plan_schedule.Milestone, community_code: str
) -> MilestoneStatus:
    """An attested milestone's status after its attestation or withdrawal: it rests on the
    attestation alone (only attested milestones may be attested), so no live scoring."""
    async with info.context.engine.connect() as conn:
        found = await milestones.attestations_for(conn, [community_code], milestone.year)
    today = dates.today()
    evidence = milestones.Evidence(attested=found.get(community_code, {}))
    return MilestoneStatus.of(
        milestones.status_of(milestone, community_code, evidence, today, today)
    )


@strawberry.type
class MilestoneMutations:
    @strawberry.mutation(
        description="Record that a community did an attested milestone (street office or "
        "district): the date (not in the future, in the milestone's year) and a note. "
        "Recording again replaces it."
    )
    async def attest_milestone(
        self,
        info: Info,
        community_code: str,
        year: int,
        milestone_id: str,
        done_on: dt.date,
        note: str,
    ) -> MilestoneAttestationPayload:
        identity = caller(info)
        require_role(identity, ATTESTERS, what_zh="确认工作节点", what_en="attest a milestone")

        today = dates.today()
        try:
            # Org is read before the transaction opens: no pooled connection waits on it.
            dates.check_year(year, today)  # before reading org: a future year is refused as is
            community = await caller_community(info.context.peers.org, caller(info), community_code)
            milestone = milestones.milestone_or_refuse(year, milestone_id)
        except DomainError as refused:
            return MilestoneAttestationPayload(status=None, errors=refused.user_errors())

        async def write(conn: AsyncConnection) -> dict:
            return await milestones.attest(
                conn,
                milestone,
                community_code=community_code,
                is_pilot=community.is_pilot,
                done_on=done_on,
                note=note,
                by=identity.subject,
                today=today,
            )

        done, errors = await run_write(info.context.engine, write)
        status = await _status_now(info, milestone, community_code) if done else None
        return MilestoneAttestationPayload(status=status, errors=errors)

    @strawberry.mutation(
        description="Withdraw a milestone attestation (street office or district)."
    )
    async def withdraw_milestone_attestation(
        self, info: Info, community_code: str, year: int, milestone_id: str
    ) -> MilestoneAttestationPayload:
        require_role(
            caller(info),
            ATTESTERS,
            what_zh="撤回工作节点的确认",
            what_en="withdraw a milestone attestation",
        )

        try:
            dates.check_year(year, dates.today())  # like its attestation
            await caller_community(info.context.peers.org, caller(info), community_code)
            milestone = milestones.milestone_or_refuse(year, milestone_id)
        except DomainError as refused:
            return MilestoneAttestationPayload(status=None, errors=refused.user_errors())

        async def write(conn: AsyncConnection) -> bool:
            if not await milestones.withdraw(conn, milestone, community_code):
                raise DomainError(
                    UserErrorCode.NOT_FOUND,
                    "该社区没有这一节点的确认记录",
                    "The community has no attestation of this milestone",
                    ["milestoneId"],
                )
            return True

        done, errors = await run_write(info.context.engine, write)
        status = await _status_now(info, milestone, community_code) if done else None
        return MilestoneAttestationPayload(status=status, errors=errors)


QUERY_TYPES = (MilestoneQueries,)
MUTATION_TYPES = (MilestoneMutations,)
TYPES: list[type] = []
