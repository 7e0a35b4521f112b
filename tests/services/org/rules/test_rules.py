"""The rule checker's pure checks over small constructed facts: for every rule a community
that keeps it and one that breaks it, each citing the plan clause it comes from."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest
from pydantic import ValidationError
from rule_builders import (
    AS_OF,
    BRANCH,
    CODE,
    COMMITTEE,
    CTX,
    GENERAL,
    add_member,
    add_org,
    found,
    good,
    holder,
    new_id,
    replace_member,
    seat,
    top_of,
)

from services.org.grid_client import BuildingFact, CommunityGrid, ZoneFact
from services.org.rules import checker
from services.org.rules.facts import (
    CategoryFact,
    CommunityFacts,
    ResidentUnitFact,
    RuleContext,
)
from services.org.rules.settings import RulesSettings

# --- the registry ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [COMMITTEE, GENERAL, BRANCH])
@pytest.mark.parametrize("pilot", [False, True])
def test_a_community_keeping_every_rule_has_no_findings(kind: str, pilot: bool) -> None:
    """Every rule of plan 二、三、五 holds for the constructed community."""
    assert checker.check([good(kind, pilot=pilot)], CTX) == []


def test_every_rule_has_a_stable_id_severity_and_a_plan_clause() -> None:
    for rule_id, rule in checker.RULES.items():
        assert rule.id == rule_id and "." in rule_id and rule_id == rule_id.lower()
        assert rule.plan_clause[:2] in ("二、", "三、", "五、"), rule_id
        assert rule.title and rule.title_en
        assert not (rule.hard and rule.severity is not checker.Severity.ERROR), rule_id
    assert checker.is_hard("committee.size") and not checker.is_hard("leadership.age")
    assert not checker.is_hard("no.such.rule")


def test_findings_come_in_the_deterministic_order() -> None:
    c = good()
    top = top_of(c)
    c.seats = [s for s in c.seats if s.role not in ("secretary", "parttime_member")]
    for i in range(3):
        add_member(c, f"甲{i}", post=None)
    result = checker.check([c], CTX)
    assert [f.sort_key for f in result] == sorted(f.sort_key for f in result)
    assert {f.rule for f in result} >= {"committee.secretary", "big_committee.members"}
    assert all(f.community_code == CODE for f in result)
    assert next(f for f in result if f.rule == "committee.secretary").organization_id == top.id


# --- committee composition (plan 二) ---------------------------------------------------------


def test_committee_size_limits() -> None:
    # plan (二): 社区党委设委员5至7人；社区党总支、党支部委员会设委员3至5人
    assert checker.committee_size_limit(COMMITTEE) == (5, 7)
    assert checker.committee_size_limit(GENERAL) == checker.committee_size_limit(BRANCH) == (3, 5)
    assert checker.role_limit(COMMITTEE, "parttime_deputy") == (1, 1)
    assert checker.role_limit(BRANCH, "parttime_deputy") == (0, 1)
    assert checker.role_limit(BRANCH, "secretary") == (1, 1)


@pytest.mark.parametrize(
    ("kind", "members", "breaks"),
    [(COMMITTEE, 2, False), (COMMITTEE, 3, True), (GENERAL, 2, False), (GENERAL, 3, True)],
)
def test_committee_size(kind: str, members: int, breaks: bool) -> None:
    """plan (二): 社区党委设委员5至7人；社区党总支、党支部委员会设委员3至5人."""
    c = good(kind)
    top = top_of(c)
    for i in range(members):
        seat(c, top, add_member(c, f"增补{i}"), "member")
    result = found(c, "committee.size")
    assert bool(result) == breaks
    if breaks:
        n = sum(1 for s in c.seats if s.organization_id == top.id and s.role != "parttime_member")
        assert f"现有委员{n}人" in result[0].message and f"has {n} members" in result[0].message_en


def test_committee_size_too_small_and_parttime_members_not_counted() -> None:
    """plan (二): 社区党委设委员5至7人 — big-committee 兼职委员 (plan 三) are extra."""
    c = good()
    top = top_of(c)
    c.seats.remove(next(s for s in c.seats if s.role == "member"))
    for i in range(3):
        seat(c, top, add_member(c, f"兼职{i}", management="non_self"), "parttime_member")
    (finding,) = found(c, "committee.size")
    assert "现有委员4人" in finding.message and finding.severity is checker.Severity.ERROR
    assert finding.plan_clause.startswith("二、社区党委设委员5至7人")


@pytest.mark.parametrize("role", ["secretary", "fulltime_deputy"])
def test_exactly_one_secretary_and_fulltime_deputy(role: str) -> None:
    """plan (二): 其中书记1人、专职副书记1人."""
    rule = "committee.secretary" if role == "secretary" else "committee.fulltime_deputy"
    c = good(GENERAL)
    assert found(c, rule) == []
    seat(c, top_of(c), add_member(c, "第二人"), role)
    (two,) = found(c, rule)
    assert "有2名" in two.message and "第二人" in two.message
    c.seats = [s for s in c.seats if s.role != role]
    (none,) = found(c, rule)
    assert "没有" in none.message and "has no" in none.message_en


def test_parttime_deputy_one_on_a_committee_at_most_one_on_a_branch() -> None:
    """plan (二): 社区党委……兼职副书记1人；党总支、党支部……可再设兼职副书记1人."""
    committee = good(COMMITTEE)
    committee.seats = [s for s in committee.seats if s.role != "parttime_deputy"]
    assert len(found(committee, "committee.parttime_deputy")) == 1
    branch = good(BRANCH)
    assert found(branch, "committee.parttime_deputy") == []  # 可再设: none is fine
    for name in ("甲", "乙"):
        seat(branch, top_of(branch), add_member(branch, name), "parttime_deputy")
    (finding,) = found(branch, "committee.parttime_deputy")
    assert "有2名兼职副书记" in finding.message


def test_fulltime_deputy_party_standing_on_the_check_date() -> None:
    """plan (二): 专职副书记应由党龄2年以上……的党员担任."""
    c = good()
    deputy = replace_member(c, holder(c, "fulltime_deputy"), joined_on=dt.date(2018, 10, 1))
    (finding,) = found(c, "deputy.standing")
    assert finding.member_id == deputy.id and "党龄1年" in finding.message
    assert found(c, "deputy.standing", RuleContext(dt.date(2020, 10, 1), RulesSettings())) == []
    replace_member(c, deputy, joined_on=dt.date(2018, 4, 30))  # exactly 2 years on AS_OF
    assert found(c, "deputy.standing") == []
    assert checker.meets_fulltime_deputy_standing(dt.date(2018, 4, 30), AS_OF)
    assert not checker.meets_fulltime_deputy_standing(dt.date(2018, 5, 1), AS_OF)


def test_parttime_deputy_is_a_full_member() -> None:
    """plan (二): 另一名副书记一般应由是正式党员的社区综治办主任兼任."""
    c = good()
    assert found(c, "deputy.full_member") == []
    deputy = replace_member(c, holder(c, "parttime_deputy"), is_probationary=True)
    (finding,) = found(c, "deputy.full_member")
    assert finding.member_id == deputy.id and "预备党员" in finding.message
    assert checker.may_be_parttime_deputy(False) and not checker.may_be_parttime_deputy(True)


def _age_committee(ages: list[int], educations: list[str] | None = None) -> CommunityFacts:
    c = good(GENERAL)
    top = top_of(c)
    c.seats = [s for s in c.seats if s.organization_id != top.id]
    roles = ["secretary", "fulltime_deputy"] + ["member"] * (len(ages) - 2)
    for i, (age, role) in enumerate(zip(ages, roles, strict=True)):
        education = educations[i] if educations else "bachelor"
        seat(c, top, add_member(c, f"委员{i}", age=age, education=education), role)
    c.offices[holder(c, "secretary").id] = frozenset({"workstation_head"})
    return c


def test_leadership_mainly_around_40() -> None:
    """plan (二): 社区党委领导班子应以40岁左右……的同志为主体 (a strict majority in the band)."""
    assert found(_age_committee([38, 44, 60]), "leadership.age") == []
    (finding,) = found(_age_committee([38, 55, 60, 62]), "leadership.age")
    assert finding.severity is checker.Severity.WARNING and "4人中40岁左右（35至45岁）的1人" in (
        finding.message
    )
    # Exactly half is not "为主体".
    assert len(found(_age_committee([38, 44, 60, 62]), "leadership.age")) == 1
    # The band is a setting: a district may read "around 40" as 35-65.
    wide = RuleContext(AS_OF, RulesSettings(age_band_low=35, age_band_high=65))
    assert found(_age_committee([38, 55, 60, 62]), "leadership.age", wide) == []


def test_leadership_mainly_associate_degree_or_higher() -> None:
    """plan (二): 社区党委领导班子应以……大专以上文化程度的同志为主体."""
    ok = _age_committee([40, 40, 40], ["associate", "doctorate", "senior"])
    assert found(ok, "leadership.education") == []
    low = _age_committee([40, 40, 40], ["associate", "junior", "senior"])
    (finding,) = found(low, "leadership.education")
    assert "大专以上文化程度的1人" in finding.message
    assert checker.is_associate_or_higher("associate")
    assert not checker.is_associate_or_higher("secondary_vocational")


def test_secretary_heads_the_workstation() -> None:
    """plan (二): 书记兼任社区工作站站长."""
    c = good()
    assert found(c, "secretary.workstation_head") == []
    secretary = holder(c, "secretary")
    c.offices[secretary.id] = frozenset({"zongzhiban_director"})
    (finding,) = found(c, "secretary.workstation_head")
    assert finding.member_id == secretary.id and secretary.name in finding.message


def test_pilot_secretary_is_a_sent_down_cadre() -> None:
    """plan (二): 试点社区书记由下派科级干部担任."""
    pilot = good(pilot=True)
    assert found(pilot, "secretary.sent_down_cadre") == []
    replace_member(pilot, holder(pilot, "secretary"), is_sent_down_cadre=False)
    (finding,) = found(pilot, "secretary.sent_down_cadre")
    assert "试点社区" in finding.message
    assert found(good(pilot=False), "secretary.sent_down_cadre") == []  # not a pilot


def test_a_community_without_its_organization() -> None:
    """plan (二): 建立与社区领导核心地位相适应的强有力社区党委（总支、支部）."""
    c = good()
    top = top_of(c)
    c.organizations[top.id] = dataclasses.replace(top, is_live=False)
    (finding,) = found(c, "organization.community")
    assert finding.organization_id is None
    # The committee rules have no committee to look at; they stay silent.
    assert {f.rule for f in checker.check([c], CTX)} <= {
        "organization.community",
        "placement.unchecked",
    } | {r for r in checker.RULES if r.startswith(("post.", "category.", "reporting."))}


# --- placement on the grid (plan 二) ---------------------------------------------------------


def _with_zone(c: CommunityFacts, organization_id: uuid.UUID | None) -> CommunityFacts:
    assert c.grid is not None
    zone = ZoneFact(new_id(), "新片区", organization_id)
    c.grid = CommunityGrid(c.code, [*c.grid.zones, zone], c.grid.buildings)
    return c


def test_every_zone_has_a_grid_branch_in_committee_and_general_branch_communities() -> None:
    """plan (二): 社区党委、党总支应将分支部建在片区."""
    (missing,) = found(_with_zone(good(), None), "placement.zone_branch")
    assert "片区「新片区」没有网格党支部" in missing.message
    c = good(GENERAL)
    assert found(c, "placement.zone_branch") == []
    dissolved = add_org(c, "grid_branch", parent=top_of(c), live=False)
    (finding,) = found(_with_zone(c, dissolved.id), "placement.zone_branch")
    assert "已撤销" in finding.message and "dissolved" in finding.message_en


def test_a_zone_assigned_elsewhere_or_of_the_wrong_kind_has_no_grid_branch() -> None:
    """plan (二): 分支部建在片区 — the zone's own community's live grid branch."""
    c = good()
    foreign = add_org(c, "grid_branch", code="410104001002")
    (other,) = found(_with_zone(c, foreign.id), "placement.zone_branch")
    assert "属于其他社区（410104001002）" in other.message
    c = good()
    group = add_org(c, "party_group", parent=top_of(c))
    (wrong,) = found(_with_zone(c, group.id), "placement.zone_branch")
    assert "是党小组，不是网格党支部" in wrong.message
    (unknown,) = found(_with_zone(good(), new_id()), "placement.zone_branch")
    assert "不存在" in unknown.message


def test_every_zoned_building_has_a_party_group() -> None:
    """plan (二): 社区党委、党总支应将……党小组建到楼栋上."""
    c = good()
    assert c.grid is not None
    zone = c.grid.zones[0]
    bare = BuildingFact(new_id(), "9号楼", zone.id, None)
    orphan = BuildingFact(new_id(), "孤楼", None, None)  # in no zone: grid's coverage reports it
    c.grid = CommunityGrid(c.code, c.grid.zones, [*c.grid.buildings, bare, orphan])
    add_member(c, "住户", home_building_id=bare.id)
    (finding,) = found(c, "placement.building_group")
    assert "楼栋「9号楼」没有党小组（住有党员1人）" in finding.message
    assert finding.organization_id == zone.organization_id  # the zone's grid branch keeps it


def test_a_branch_community_has_a_group_in_every_zone_not_every_building() -> None:
    """plan (二): 社区党支部应将党小组建在片区."""
    c = good(BRANCH)
    assert c.grid is not None
    bare = BuildingFact(new_id(), "9号楼", c.grid.zones[0].id, None)
    c.grid = CommunityGrid(c.code, c.grid.zones, [bare])
    assert found(c, "placement.building_group") == []
    assert found(c, "placement.zone_group") == []
    (finding,) = found(_with_zone(c, None), "placement.zone_group")
    assert "没有党小组" in finding.message
    assert found(c, "placement.zone_branch") == []


def test_placement_unchecked_without_grid_facts() -> None:
    """plan (二): 分支部建在片区、党小组建到楼栋 — said once, never guessed, when grid is away."""
    c = _with_zone(good(), None)
    assert found(c, "placement.unchecked") == []
    c.grid, c.grid_problem = None, ("网格服务暂不可用", "the grid service is unavailable")
    result = [f for f in checker.check([c], CTX) if f.rule.startswith("placement.")]
    assert [(f.rule, f.severity) for f in result] == [
        ("placement.unchecked", checker.Severity.INFO)
    ]
    assert "网格服务暂不可用" in result[0].message


def test_placement_predicates() -> None:
    # plan (二): 社区党委、党总支应将分支部建在片区、党小组建到楼栋上，社区党支部应将党小组建在片区
    assert checker.zone_unit_kind(COMMITTEE) == checker.zone_unit_kind(GENERAL) == "grid_branch"
    assert checker.zone_unit_kind(BRANCH) == "party_group"
    assert checker.needs_building_groups(GENERAL) and not checker.needs_building_groups(BRANCH)


def test_functional_branches_cover_workstation_zongzhiban_and_juweihui() -> None:
    """plan (二): 在社区工作站、综治办、居委会等社区组织中单独或联合建立党支部（党小组）."""
    c = good()
    functional = next(o for o in c.organizations.values() if o.kind == "functional_branch")
    c.organizations[functional.id] = dataclasses.replace(functional, units=("workstation",))
    (finding,) = found(c, "functional.units")
    assert "综治办、居委会" in finding.message and "workstation" not in finding.message_en
    add_org(c, "functional_group", parent=top_of(c), units=("zongzhiban", "juweihui"))
    assert found(c, "functional.units") == []  # 单独或联合: two organizations cover all three
    c.organizations[functional.id] = dataclasses.replace(functional, is_live=False)
    assert "社区工作站" in found(c, "functional.units")[0].message


def test_a_special_branch_in_a_volunteer_team() -> None:
    """plan (二): 探索在……社区志愿者服务队……中建立特色党支部（党小组） (探索: info only)."""
    c = good()
    special = next(o for o in c.organizations.values() if o.kind == "special_branch")
    c.organizations[special.id] = dataclasses.replace(special, units=("culture_team",))
    (finding,) = found(c, "special.volunteer_team")
    assert finding.severity is checker.Severity.INFO


# --- the regional pattern (plan 三) ----------------------------------------------------------


@pytest.mark.parametrize("kind", [COMMITTEE, BRANCH])
def test_a_big_committee_has_parttime_members(kind: str) -> None:
    """plan (三): 吸纳为社区党委（总支、支部）委员会兼职委员，组成社区“大党委（总支、支部）”."""
    c = good(kind)
    assert found(c, "big_committee.members") == []
    c.seats = [s for s in c.seats if s.role != "parttime_member"]
    (finding,) = found(c, "big_committee.members")
    assert "没有兼职委员" in finding.message


def test_non_self_managed_members_report_in() -> None:
    """plan (三): 党员向社区党组织报到 — pending is a finding; 'left' (moved out) is not."""
    c = good()
    pending = add_member(c, "未报到", management="non_self", reporting="pending", post=None)
    add_member(c, "已迁出", management="non_self", reporting="left", post=None)
    (finding,) = found(c, "reporting.pending")
    assert finding.member_id == pending.id and "未报到" in finding.message
    assert finding.organization_id == top_of(c).id  # they report in to the community organization


def test_a_volunteer_team_joins_all_three_kinds_of_member() -> None:
    """plan (三): ……非自管的社区居民党员与社区党组织自管党员一起……联合组建社区党员志愿者服务队."""
    c = good()
    team = c.teams[0]
    c.teams = [dataclasses.replace(team, member_ids=team.member_ids[:2])]
    (finding,) = found(c, "volunteer_team.joint")
    assert "缺少联管党员" in finding.message
    c.teams = []
    (none,) = found(c, "volunteer_team.joint")
    assert "没有党员志愿者服务队" in none.message


# --- posts and helpers (plan 五) -------------------------------------------------------------


def test_members_with_a_seat_or_office_hold_a_post() -> None:
    """plan (五): 对能够正常参加组织活动的党员实行明岗定责，社区组织在职党员以本职岗位为责任岗."""
    c = good()
    group = next(o for o in c.organizations.values() if o.kind == "party_group")
    director = add_member(c, "居委会主任", organization=group, post=None)
    c.offices[director.id] = frozenset({"juweihui_director"})
    (finding,) = found(c, "post.held")
    assert finding.member_id == director.id and finding.organization_id == group.id
    assert "没有在岗的岗位" in finding.message
    c.post_kinds[director.id] = frozenset({"job"})
    assert found(c, "post.held") == []


def test_members_unable_away_or_not_reported_in_owe_no_post() -> None:
    """plan (五): 对能够正常参加组织活动的党员实行明岗定责 — only those able to take part."""
    c = good()
    add_member(c, "卧床", post=None, is_able=False)
    add_member(c, "待报到", management="non_self", reporting="pending", post=None)
    away = add_member(c, "外出", post=None)
    c.categories.append(CategoryFact(away.id, "mobile", helper_contact="家属"))
    assert [f for f in checker.check([c], CTX) if f.rule.startswith("post.")] == []


def test_members_without_office_claim_a_volunteer_post() -> None:
    """plan (五): 无职党员通过设岗定责各自认领一个以上的社区管理服务义务奉献岗位."""
    c = good()
    plain = add_member(c, "无职", post="job")
    idle = add_member(c, "无岗", post=None)
    first, second = found(c, "post.volunteer")
    assert {first.member_id, second.member_id} == {plain.id, idle.id}
    assert "现无在岗岗位" in (first if first.member_id == idle.id else second).message
    assert found(c, "post.held") == []  # each member falls under one post rule
    c.offices[plain.id] = frozenset({"juweihui_director"})  # an office: not 无职 any more
    c.post_kinds[idle.id] = frozenset({"volunteer", "job"})
    assert found(c, "post.volunteer") == []


def test_grid_leaders_hold_a_grid_management_post() -> None:
    """plan (五): 居民楼栋党支部书记、党小组长兼任网格化管理岗位."""
    c = good()
    group = next(o for o in c.organizations.values() if o.kind == "party_group")
    leader = next(c.members[s.member_id] for s in c.seats if s.organization_id == group.id)
    c.post_kinds[leader.id] = frozenset({"volunteer"})
    (finding,) = found(c, "post.grid_management")
    assert finding.member_id == leader.id and leader.name in finding.message
    assert found(c, "post.volunteer") == []  # a leader holds a seat: not 无职


def test_every_grid_branch_and_party_group_has_a_leader() -> None:
    """plan (五): 居民楼栋党支部书记、党小组长 — each grid unit has its secretary (组长)."""
    c = good()
    group = next(o for o in c.organizations.values() if o.kind == "party_group")
    c.seats = [s for s in c.seats if s.organization_id != group.id]
    (finding,) = found(c, "unit.leader")
    assert finding.organization_id == group.id and "没有组长" in finding.message
    c.organizations[group.id] = dataclasses.replace(group, is_live=False)
    assert found(c, "unit.leader") == []


def test_resident_units_with_a_party_organization_sign_an_agreement() -> None:
    """plan (三): 社区党组织与驻社区党组织签订协议."""
    c = good()
    c.resident_units += [
        ResidentUnitFact(new_id(), "小超市", None, None),  # no Party organization: nothing to sign
        ResidentUnitFact(new_id(), "供电所", "供电所党支部", None),
    ]
    (finding,) = found(c, "resident_unit.agreement")
    assert "供电所" in finding.message and "共建协议" in finding.message


def test_special_category_members_have_a_helper() -> None:
    """plan (五): 加强对外出流动、年老体弱、生活困难等特殊类别党员的服务帮扶."""
    c = good()
    old = add_member(c, "老党员", is_able=False, post=None)
    helper = add_member(c, "帮扶人")
    c.categories += [
        CategoryFact(old.id, "elderly_frail", helper_member_id=helper.id),
        CategoryFact(old.id, "hardship", helper_contact="居委会 王主任"),
    ]
    assert found(c, "category.helper") == []
    c.categories += [
        CategoryFact(helper.id, "mobile", helper_contact="  "),
        CategoryFact(helper.id, "hardship"),
    ]
    (finding,) = found(c, "category.helper")
    assert finding.member_id == helper.id and "外出流动、生活困难" in finding.message


# --- settings ----------------------------------------------------------------------------------


def test_settings_from_the_environment_and_their_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    # plan (二): 以40岁左右……为主体; 专职副书记应由党龄2年以上 — configurable thresholds.
    monkeypatch.setenv("PARTYGRID_ORG_RULES_AGE_BAND_HIGH", "48")
    monkeypatch.setenv("PARTYGRID_ORG_RULES_MAJORITY_SHARE", "0.6")
    settings = RulesSettings()
    assert (settings.age_band_low, settings.age_band_high) == (35, 48)
    assert settings.majority_share == 0.6 and settings.fulltime_deputy_min_standing == 2
    with pytest.raises(ValidationError):
        RulesSettings(age_band_low=50, age_band_high=40)
    with pytest.raises(ValidationError):
        RulesSettings(majority_share=1.0)
    assert checker.is_majority(3, 5, 0.5) and not checker.is_majority(2, 4, 0.5)
