"""Every enum value of the graph a console user may read, by its label (zh-CN, en).

Templates write `{{ value|enum("OrganizationKind") }}`; a page never shows a raw value
(GRID_BRANCH, P2). tests/gateway/console/test_enum_labels.py sweeps the supergraph's enums
(every user-facing value has both labels) and compares the labels with the services' own
where they have them (the roster's words, the record vocabularies, the rule messages, the
role labels), so the console says what the rest of the system says. The gateway imports no
service (import contract), hence the words are restated here and checked there.
"""

from __future__ import annotations

# enum name -> value -> (zh, en)
ENUMS: dict[str, dict[str, tuple[str, str]]] = {
    # -- org ------------------------------------------------------------------------------
    "RegionLevel": {
        "DISTRICT": ("区", "district"),
        "STREET": ("街道", "street office"),
        "TOWNSHIP": ("乡", "township"),
        "COMMUNITY": ("社区", "community"),
    },
    # services.org.rules.facts.KIND_NAMES
    "OrganizationKind": {
        "COMMUNITY_COMMITTEE": ("社区党委", "community Party committee"),
        "GENERAL_BRANCH": ("社区党总支", "community general Party branch"),
        "BRANCH": ("社区党支部", "community Party branch"),
        "GRID_BRANCH": ("网格党支部", "grid Party branch"),
        "PARTY_GROUP": ("党小组", "Party group"),
        "FUNCTIONAL_BRANCH": ("功能型党支部", "functional Party branch"),
        "FUNCTIONAL_GROUP": ("功能型党小组", "functional Party group"),
        "SPECIAL_BRANCH": ("特色党支部", "special Party branch"),
        "SPECIAL_GROUP": ("特色党小组", "special Party group"),
    },
    # services.org.roster.columns.UNIT_LABELS
    "Unit": {
        "WORKSTATION": ("社区工作站", "community workstation"),
        "ZONGZHIBAN": ("综治办", "comprehensive governance office"),
        "JUWEIHUI": ("居委会", "residents' committee"),
        "OWNERS_COMMITTEE": ("业主委员会", "owners' committee"),
        "VOLUNTEER_TEAM": ("志愿者服务队", "volunteer service team"),
        "CULTURE_TEAM": ("文体活动宣传队", "culture and publicity team"),
    },
    "Management": {
        "SELF": ("自管党员", "self-managed"),
        "NON_SELF": ("非自管党员", "not self-managed"),
        "JOINT": ("联管党员", "jointly managed"),
    },
    # services.org.roster.columns.EDUCATION_LABELS
    "Education": {
        "PRIMARY": ("小学", "primary school"),
        "JUNIOR": ("初中", "junior secondary"),
        "SENIOR": ("高中", "senior secondary"),
        "SECONDARY_VOCATIONAL": ("中专", "secondary vocational"),
        "ASSOCIATE": ("大专", "associate degree"),
        "BACHELOR": ("大学本科", "bachelor's degree"),
        "MASTER": ("硕士研究生", "master's degree"),
        "DOCTORATE": ("博士研究生", "doctorate"),
    },
    # services.org.roster.columns.REPORTING_LABELS
    "ReportingStatus": {
        "PENDING": ("待报到", "not yet reported in"),
        "REPORTED": ("已报到", "reported in"),
        "LEFT": ("已迁出", "moved away"),
    },
    # services.org.rules.activity (special categories)
    "SpecialCategory": {
        "MOBILE": ("外出流动", "mobile"),
        "ELDERLY_FRAIL": ("年老体弱", "elderly or frail"),
        "HARDSHIP": ("生活困难", "in hardship"),
    },
    "PostKind": {
        "JOB": ("本职岗位", "own job"),
        "GRID_MANAGEMENT": ("网格化管理岗位", "grid management post"),
        "VOLUNTEER": ("义务奉献岗位", "volunteer post"),
    },
    "PostDutyKind": {
        "ANY": ("任一岗位", "any post"),
        "GRID_MANAGEMENT": ("网格化管理岗位", "grid management post"),
        "VOLUNTEER": ("义务奉献岗位", "volunteer post"),
    },
    "CommitteeRole": {
        "SECRETARY": ("书记", "secretary"),
        "FULLTIME_DEPUTY": ("专职副书记", "full-time deputy secretary"),
        "PARTTIME_DEPUTY": ("兼职副书记", "part-time deputy secretary"),
        "MEMBER": ("委员", "committee member"),
        "PARTTIME_MEMBER": ("大党委兼职委员", "part-time member of the big committee"),
    },
    "Office": {
        "WORKSTATION_HEAD": ("社区工作站站长", "head of the community workstation"),
        "ZONGZHIBAN_DIRECTOR": ("综治办主任", "director of the governance office"),
        "JUWEIHUI_DIRECTOR": ("居委会主任", "director of the residents' committee"),
        "RESIDENT_UNIT_PARTY_HEAD": ("驻社区单位党组织负责人", "Party head of a resident unit"),
    },
    "PersonalDataAccess": {
        "GRANTED": ("可查看", "shown"),
        "WITHHELD_ROLE": ("当前角色不可查看", "withheld from your role"),
        "WITHHELD_SCOPE": ("不在辖区内，不可查看", "withheld outside your region"),
    },
    "Severity": {
        "ERROR": ("不符合", "error"),
        "WARNING": ("需关注", "warning"),
        "INFO": ("提示", "note"),
    },
    "EvaluationTitle": {
        "MANAGEMENT_VANGUARD": ("社区管理先锋", "vanguard of community management"),
        "SERVICE_MODEL": ("服务群众模范", "model of serving the people"),
    },
    "EvaluationStage": {
        "NOMINATED": ("已提名", "nominated"),
        "PUBLICIZED": ("公示中", "publicized"),
        "CHOSEN": ("评为优秀", "chosen"),
        "NOT_CHOSEN": ("未评上", "not chosen"),
    },
    # -- grid -----------------------------------------------------------------------------
    # gateway.maps.labels (the legend of the coverage map)
    "CoverageState": {
        "COVERED": ("已覆盖（有党小组）", "covered (has a Party group)"),
        "GAP": ("未覆盖（无党小组）", "gap (no Party group)"),
        "GAP_WITH_MEMBERS": ("未覆盖且有党员居住", "gap with resident members"),
        "ORPHAN": ("不在任何片区", "in no zone"),
    },
    "GapKind": {
        "BUILDING_WITH_MEMBERS": ("有党员居住的楼栋未覆盖", "building with members not covered"),
        "BUILDING": ("楼栋未覆盖", "building not covered"),
        "ZONE": ("片区无网格党支部", "zone without a grid branch"),
        "ORPHAN": ("楼栋不在任何片区", "building in no zone"),
        "NOT_REPORTED_IN": ("党员未报到", "members not reported in"),
    },
    "PlanFindingSeverity": {
        "ERROR": ("错误", "error"),
        "WARNING": ("警告", "warning"),
        "INFO": ("提示", "note"),
    },
    # -- auth -----------------------------------------------------------------------------
    # services.common.auth.ROLE_LABELS
    "UserRole": {
        "DISTRICT": ("区委组织部", "district organization department"),
        "STREET": ("办事处党工委", "street office"),
        "SECRETARY": ("社区党组织书记", "community secretary"),
        "PLANNER": ("网格规划员", "grid planner"),
        "VIEWER": ("只读用户", "viewer"),
    },
    # -- assess ---------------------------------------------------------------------------
    # services.assess.records.kinds.KINDS
    "RecordKind": {
        "FUNDS": ("党建工作经费", "Party-building funds"),
        "FUND_USE": ("经费使用记录", "Use of funds"),
        "FACILITY": ("活动场所", "Facility"),
        "WORK_RULE": ("社区党组织工作规则", "The community's work rule"),
        "TRAINING": ("党务工作者培训", "Training of Party workers"),
        "WORK_SYSTEM": ("工作制度的建立", "A work system adopted"),
        "SITTING": ("工作制度的运行", "A sitting of a work system"),
        "ACTIVITY": ("活动", "Activity"),
        "AGREEMENT": ("共建协议", "Co-building agreement"),
        "DISCLOSURE": ("党务公开", "Party affairs disclosure"),
    },
    # services.assess.records.vocab
    "FacilityKind": {
        "OFFICE": ("办公室", "Office"),
        "MEETING_ROOM": ("会议室", "Meeting room"),
        "ACTIVITY_ROOM": ("党员活动室", "Members' activity room"),
        "DISCLOSURE_BOARD": ("党务公开栏", "Party affairs disclosure board"),
        "PUBLICITY_BOARD": ("党建宣传栏", "Party-building publicity board"),
    },
    "WorkSystem": {
        "DELIBERATION": ("党员群众议事建言制度", "Members' and residents' deliberation"),
        "COLLECTIVE_DECISION": ("党委（总支、支部）集体决策制度", "Collective decision"),
        "JOINT_MEETING": ("社区组织联席会议制度", "Joint meeting of community organizations"),
        "BIG_COMMITTEE_CONSULTATION": ("社区“大党委”会商共建制度", "Big-committee consultation"),
        "DEMOCRATIC_EVALUATION": (
            "社区事务民主评议制度",
            "Democratic evaluation of community affairs",
        ),
    },
    "TrainingForm": {
        "CENTRALIZED": ("集中培训", "Centralized training"),
        "MEETING": ("以会代训", "Training at meetings"),
        "OBSERVATION": ("观摩交流", "Observation and exchange"),
        "SELF_STUDY": ("个人自学", "Self-study"),
    },
    "ActivityKind": {
        "SHUANGCHUANG_SHUANGZHENG": ("“双创双争”活动", "双创双争 activity"),
        "THEME_PARTY_DAY": ("主题党日", "Theme Party day"),
        "VOLUNTEER_SERVICE": ("志愿服务", "Volunteer service"),
        "OTHER": ("其他活动", "Other activity"),
    },
    "AssessmentState": {
        "SELF_ASSESSMENT": ("自查自评", "self-assessment"),
        "OPINION_SURVEY": ("民意测评", "opinion survey"),
        "DETERMINED": ("已认定等级", "grade determined"),
    },
    "GradingStep": {
        "OPENED": ("开启定级", "opened"),
        "SELF_ASSESSED": ("自查自评", "self-assessed"),
        "SURVEYED": ("民意测评", "surveyed"),
        "DETERMINED": ("认定等级", "determined"),
    },
    "GradingAction": {
        "OPEN": ("开启定级", "open"),
        "SELF_ASSESS": ("自查自评", "self-assess"),
        "SURVEY": ("民意测评", "survey"),
        "DETERMINE": ("认定等级", "determine the grade"),
        "EDIT_GOAL": ("修改整改目标", "edit an improvement goal"),
    },
    "SurveyRespondents": {
        "MEMBERS": ("党员", "members"),
        "RESIDENTS": ("群众", "residents"),
    },
    "GoalStatus": {
        "OPEN": ("未完成", "open"),
        "DONE": ("已完成", "done"),
    },
    # services.common.auth.ROLE_LABELS
    "GoalOwnerRole": {
        "SECRETARY": ("社区党组织书记", "community secretary"),
        "STREET": ("办事处党工委", "street office"),
        "DISTRICT": ("区委组织部", "district organization department"),
    },
    "Measurement": {
        "COMPUTED": ("系统计算", "computed"),
        "ATTESTED": ("记录佐证", "attested"),
    },
    "MilestoneScope": {
        "ALL": ("全部社区", "all communities"),
        "PILOT": ("试点社区", "pilot communities"),
    },
    "MilestoneProof": {
        "DETERMINED": ("认定等级", "grade determined"),
        "INDICATORS": ("指标达标", "indicators met"),
        "MEETS_STANDARD": ("达到“三有四化”", "三有四化 met"),
        "ATTESTED": ("街道确认", "attested by the street office"),
    },
    "MilestoneStatusKind": {
        "DONE": ("已完成", "done"),
        "PENDING": ("未到期", "pending"),
        "OVERDUE": ("已逾期", "overdue"),
    },
    "ReportStatus": {
        "NOT_GENERATED": ("未生成", "not generated"),
        "DRAFT": ("草稿", "draft"),
        "SUBMITTED": ("已报送", "submitted"),
    },
    "CommendationCategory": {
        "FIVE_GOOD_ORGANIZATION": ("“五好”社区党组织", "five-good community organization"),
        "EXCELLENT_PARTY_WORKER": ("优秀党务工作者", "excellent Party worker"),
        "EXCELLENT_MEMBER": ("优秀共产党员", "excellent Party member"),
    },
    "CommendationListState": {
        "DRAFT": ("草稿", "draft"),
        "PUBLISHED": ("已公布", "published"),
    },
    "FiveGoodStage": {
        "NOMINATED": ("已推荐", "nominated"),
        "CONFIRMED": ("已确认", "confirmed"),
        "REJECTED": ("未通过", "rejected"),
    },
}


def enum_label(enum: str, value: object, lang: str) -> str:
    """The label of `value` of `enum` in `lang`; an unknown value shows as it is (the sweep
    test makes sure none is unknown)."""
    if value is None:
        return ""
    pair = ENUMS.get(enum, {}).get(str(value))
    if pair is None:
        return str(value)
    return pair[1] if lang == "en" else pair[0]
