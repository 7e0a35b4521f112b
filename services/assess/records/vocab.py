"""The words attested records are made of: facilities, work systems, training forms, activity
kinds (stored codes, with Chinese and English labels)."""

from __future__ import annotations

# plan (一、三): 办公室、会议室、党员活动室、党务公开栏、党建宣传栏.
FACILITIES = {
    "office": ("办公室", "Office"),
    "meeting_room": ("会议室", "Meeting room"),
    "activity_room": ("党员活动室", "Members' activity room"),
    "disclosure_board": ("党务公开栏", "Party affairs disclosure board"),
    "publicity_board": ("党建宣传栏", "Party-building publicity board"),
}
# Rooms have a floor area; boards need not.
ROOMS = frozenset({"office", "meeting_room", "activity_room"})

# plan (四): the five basic work systems.
WORK_SYSTEMS = {
    "deliberation": ("党员群众议事建言制度", "Members' and residents' deliberation"),
    "collective_decision": ("党委（总支、支部）集体决策制度", "Collective decision"),
    "joint_meeting": ("社区组织联席会议制度", "Joint meeting of community organizations"),
    "big_committee_consultation": ("社区“大党委”会商共建制度", "Big-committee consultation"),
    "democratic_evaluation": ("社区事务民主评议制度", "Democratic evaluation of community affairs"),
}

# plan (一): 集中培训、以会代训、观摩交流、个人自学.
TRAINING_FORMS = {
    "centralized": ("集中培训", "Centralized training"),
    "meeting": ("以会代训", "Training at meetings"),
    "observation": ("观摩交流", "Observation and exchange"),
    "self_study": ("个人自学", "Self-study"),
}

# plan (五): 双创双争 (创先争优 in building branches and groups); the others are kept too.
ACTIVITY_KINDS = {
    "shuangchuang_shuangzheng": ("“双创双争”活动", "双创双争 activity"),
    "theme_party_day": ("主题党日", "Theme Party day"),
    "volunteer_service": ("志愿服务", "Volunteer service"),
    "other": ("其他活动", "Other activity"),
}

WORK_RULE_TITLE = "《社区党组织工作规则》"
