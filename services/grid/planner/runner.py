"""Preview and commit of a planner operation: one runner for every edit of the grid.

A preview is the very write a commit would make, run in a transaction that is rolled back:
the database's own triggers (building zone derivation, the zone shape check) decide exactly
as they would on commit, and the diff is read back before the rollback. A commit keeps the
write and records it as a change set (services/grid/planner/history.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common.errors import DomainError, UserErrorCode
from services.common.text import MAX_NOTE, clean_text
from services.grid.org_client import OrgClient
from services.grid.planner import history, plan_warnings
from services.grid.planner.plan import (
    BuildingChange,
    Figures,
    Operation,
    Outcome,
    Placement,
    Placements,
    Plan,
    RuleFigures,
    ZoneOrganizations,
    snapshot,
)
from services.grid.validation import Finding, PlanRefusedError, Severity

NO_CHANGE = Finding(
    "NO_CHANGE",
    "没有任何改动，未记录变更集",
    "Nothing changed; no change set was recorded",
    severity=Severity.INFO,
)


@dataclass(frozen=True)
class Run:
    """How to run an operation: what it is (the change set's kind), who asks and why,
    whether only to preview it, and org (for coverage figures and warnings; None: grid's
    figures only)."""

    kind: str
    author: str
    reason: str
    dry_run: bool
    org: OrgClient | None = None


def _figures(placements: Placements, zone_orgs: ZoneOrganizations, rule: RuleFigures) -> Figures:
    return Figures(
        buildings=len(placements),
        with_group=sum(1 for p in placements.values() if p.group_id),
        orphans=sum(1 for p in placements.values() if p.zone_id is None),
        zones=len(zone_orgs),
        zones_without_organization=sum(1 for o in zone_orgs.values() if o is None),
        covered=rule.covered,
        percent=rule.percent,
        gaps_with_members=rule.gaps_with_members,
    )


async def _warnings(plan: Plan, outcome: Outcome, zone_orgs: ZoneOrganizations) -> list[Finding]:
    """Findings that do not refuse the plan but a planner should see (plan_warnings)."""
    return [
        *plan_warnings.gaps_created(outcome.coverage_before, outcome.coverage_after),
        *await plan_warnings.groups_outside_zone(
            plan.conn, plan.org, plan.community, outcome, plan.placements, zone_orgs
        ),
        *plan_warnings.orphans_created(outcome),
        *plan_warnings.zones_without_organization(outcome, zone_orgs),
    ]


_OVERLAP = re.compile(r"overlaps zone ([0-9a-f-]{36})")


def _refusal_of(clash: IntegrityError) -> PlanRefusedError | None:
    """The zone shape trigger's refusals (SQLSTATE 23P01 / 23514) as typed errors."""
    diag = getattr(clash.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    detail = getattr(diag, "message_primary", "") or ""
    if name == "zone_no_overlap":
        match = _OVERLAP.search(detail)
        other = match.group(1) if match else None
        message, message_en = f"片区与片区 {other} 重叠", f"The zone overlaps zone {other}"
        code = "OVERLAP"
    elif name == "zone_within_community":
        message, message_en = "片区超出社区范围", "The zone lies outside its community"
        code, other = "OUTSIDE_COMMUNITY", None
    else:
        return None
    return PlanRefusedError(
        UserErrorCode.RULE_VIOLATION,
        message,
        message_en,
        None,
        rule=f"zone.{code.lower()}",
        findings=[Finding(code, message, message_en, zone_id=other)],
    )


async def _outcome(plan: Plan) -> Outcome:
    after, after_orgs = await snapshot(plan.conn, plan.community)
    before = plan.placements
    changes = [
        BuildingChange(i, before.get(i, Placement(None, None, None)), p)
        for i, p in after.items()
        if before.get(i) != p
    ]
    outcome = Outcome(
        buildings=sorted(changes, key=lambda c: str(c.building_id)),
        zones_created=[i for i in after_orgs if i not in plan.zone_orgs],
        zones_deleted=[i for i in plan.zone_orgs if i not in after_orgs],
        buildings_deleted=sorted((i for i in before if i not in after), key=str),
        coverage_before=_figures(before, plan.zone_orgs, plan.rule_before),
        coverage_after=_figures(after, after_orgs, await plan.rule_after()),
    )
    outcome.findings = [*plan.findings, *await _warnings(plan, outcome, after_orgs)]
    return outcome


async def _run(engine: AsyncEngine, operation: Operation, run: Run) -> Outcome:
    async with engine.connect() as conn:
        transaction = await conn.begin()
        try:
            reason = clean_text(run.reason, ["reason"], MAX_NOTE, what_zh="理由") or ""
            plan = Plan(conn, run.org)
            await operation.apply(plan)
            outcome = await _outcome(plan)  # the plan's own findings first, then warnings
            if run.dry_run:
                await transaction.rollback()
                return outcome
            outcome.change_set = await history.record(
                plan, outcome, kind=run.kind, author=run.author, reason=reason
            )
            if outcome.change_set is None:
                # Nothing changed: keep versions as they were and say so.
                await transaction.rollback()
                outcome.findings.append(NO_CHANGE)
                return outcome
            await transaction.commit()
            return outcome
        finally:
            if transaction.is_active:
                await transaction.rollback()


async def run_plan(engine: AsyncEngine, operation: Operation, run: Run) -> Outcome:
    """Run `operation`; preview (roll back) or commit it with its change set. A refusal comes
    back as the outcome's errors (and findings), nothing written."""
    try:
        return await _run(engine, operation, run)
    except DomainError as refused:
        return refused_outcome(refused)
    except IntegrityError as clash:
        shape_refusal = _refusal_of(clash)
        if shape_refusal is None:
            raise
        return Outcome(findings=shape_refusal.findings, errors=shape_refusal.user_errors())


def refused_outcome(refused: DomainError) -> Outcome:
    """The outcome of an operation refused before or while it ran."""
    if isinstance(refused, PlanRefusedError):
        return Outcome(
            findings=refused.findings,
            errors=refused.user_errors(),
            current_version=refused.current_version,
        )
    return Outcome(errors=refused.user_errors())
