"""双争 evaluations (nominations, publicity, choices) and their feedback."""

from __future__ import annotations

import datetime as dt

import numpy as np

from infra.demo.generator.draws import pick, pick_weighted, random_day
from infra.demo.generator.town import Town, Traits, party_org_name
from infra.demo.model import (
    CHOSEN,
    MANAGEMENT_VANGUARD,
    NOMINATED,
    NOT_CHOSEN,
    PUBLICIZED,
    SELF_MANAGED,
    SERVICE_MODEL,
    Evaluation,
    EvaluationFeedback,
    ResidentUnit,
)

_TITLE_NAMES = {MANAGEMENT_VANGUARD: "社区管理先锋", SERVICE_MODEL: "服务群众模范"}


_REASONS = {
    MANAGEMENT_VANGUARD: (
        "疫情防控期间坚守社区卡点值守一线",
        "带头参与老旧小区楼院环境整治",
        "主动承担楼栋信息采集和网格巡查",
        "积极参与社区治安巡逻，及时排查安全隐患",
    ),
    SERVICE_MODEL: (
        "长期结对帮扶空巢老人和困难群众",
        "热心调解邻里纠纷，群众口碑好",
        "坚持开展义务理发、便民维修等志愿服务",
        "疫情期间为居家隔离群众代购生活物资",
    ),
}


_STAGES = (NOMINATED, PUBLICIZED, CHOSEN, NOT_CHOSEN)


_STAGE_SHARES = np.cumsum((0.25, 0.2, 0.4, 0.15))


_YEAR = 2020  # the 双争 round in the snapshot


def town_evaluations(
    town: Town, traits: Traits, units: list[ResidentUnit]
) -> tuple[list[Evaluation], list[EvaluationFeedback]]:
    """双争 of 2020 (plan 三): 统一组织评选优秀社区党员，评选结果在社区公示并向党员所在单位党组织反馈."""
    rng, members, code = town.rng, town.members, town.code
    full = np.array([not m.is_probationary for m in members])
    candidates = np.flatnonzero(traits.active & full)
    n = min(int(rng.integers(3, 9)), len(candidates))
    top_name = town.org_name[town.top]
    community_name = town.grid.place.name
    unit_party = {u.name: u.party_organization_name for u in units if u.party_organization_name}
    evaluations, feedback = [], []
    for i in rng.choice(candidates, n, replace=False).tolist():
        m = members[i]
        title = pick(rng, (MANAGEMENT_VANGUARD, SERVICE_MODEL))
        stage = pick_weighted(rng, _STAGES, _STAGE_SHARES)
        if stage in (CHOSEN, NOT_CHOSEN):
            nominated = random_day(rng, dt.date(2020, 1, 6), dt.date(2020, 3, 20))
        elif stage == PUBLICIZED:
            nominated = random_day(rng, dt.date(2020, 3, 16), dt.date(2020, 4, 10))
        else:
            nominated = random_day(rng, dt.date(2020, 4, 1), dt.date(2020, 4, 28))
        nominated = max(nominated, m.joined_on)
        pub_from = pub_until = decided = None
        if stage != NOMINATED:
            pub_from = nominated + dt.timedelta(days=int(rng.integers(2, 11)))
            pub_until = pub_from + dt.timedelta(days=6)  # 公示 for seven days
        if stage in (CHOSEN, NOT_CHOSEN) and pub_until is not None:
            decided = pub_until + dt.timedelta(days=int(rng.integers(1, 8)))
        by = pick(rng, (top_name, town.org_name[town.home_org(i)], "党员群众联名推荐"))
        evaluation = Evaluation(
            id=town.ids("evaluation", _YEAR, title, m.id),
            community_code=code,
            year=_YEAR,
            title=title,
            member_id=m.id,
            stage=stage,
            nominated_on=nominated,
            nominated_by=by,
            reason=pick(rng, _REASONS[title]),
            publicized_from=pub_from,
            publicized_until=pub_until,
            decided_on=decided,
        )
        evaluations.append(evaluation)
        if stage == CHOSEN and decided is not None:
            # The member's own unit: for non-self-managed members their employer, whose Party
            # organization a resident unit of that name records; for self-managed ones the
            # community and its own organization.
            if m.management == SELF_MANAGED:
                unit, party = community_name, top_name
            else:
                unit = town.employer[i] or community_name
                party = unit_party.get(unit) or party_org_name(unit)
            feedback.append(
                EvaluationFeedback(
                    id=town.ids("feedback", evaluation.id),
                    community_code=code,
                    evaluation_id=evaluation.id,
                    unit_name=unit,
                    unit_party_organization=party,
                    sent_on=decided + dt.timedelta(days=int(rng.integers(1, 11))),
                    content=(
                        f"{m.name}同志在{community_name}{_YEAR}年“双争”活动中被评为"
                        f"“{_TITLE_NAMES[title]}”，经社区公示无异议，特此反馈。"
                    ),
                )
            )
    return evaluations, feedback
