"""The planner page's words: Chinese first, English with `?lang=en`.

The page's script gets the whole table for its language (buttons, panel headings, messages),
so every label a planner reads is here, in one place.
"""

from __future__ import annotations

from gateway.maps.coverage import LABEL_KEYS, STATES
from gateway.maps.labels import LABELS as MAP_LABELS

PLANNER_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "网格规划",
        "loading": "正在加载…",
        "mode": "操作",
        "mode_zones": "编辑片区",
        "mode_groups": "调整党小组",
        "hint_zones": "用左侧工具：画多边形新建片区，画线分割片区，编辑顶点，删除片区。",
        "hint_groups": "点击楼栋选中，或画多边形圈选，再选择党小组并预览。",
        "mode_merge": "合并片区",
        "hint_merge": "依次点击要合并的相邻片区（第一个保留名称和网格党支部），再预览合并。",
        "merge_selected": "已选片区",
        "merge_kept": "保留",
        "merge_preview": "预览合并",
        "merge_two": "请至少选择两个相邻片区。",
        "group": "党小组",
        "no_group": "（无党小组）",
        "selected": "已选楼栋",
        "preview": "预览",
        "commit": "提交",
        "discard": "放弃",
        "undo": "撤销上次提交",
        "new_zone": "新片区",
        "new_zone_name": "新片区名称",
        "diff": "修改预览",
        "before": "修改前",
        "after": "修改后",
        "buildings": "楼栋数",
        "with_group": "有党小组的楼栋",
        "orphans": "不在任何片区的楼栋",
        "zones": "片区数",
        "zones_without_org": "无网格党支部的片区",
        "changed": "变化的楼栋",
        "findings": "检查结果",
        "none": "无",
        "zone": "片区",
        "previewing": "正在预览…",
        "committing": "正在提交…",
        "committed": "已提交（变更 #{n}）",
        "undone": "已撤销（变更 #{n}）",
        "discarded": "已放弃修改",
        "refused": "未能执行：",
        "conflict": "冲突：该对象已被他人修改（当前版本 {v}）。您的图形已保留，请放弃后重新编辑。",
        "network": "网络错误，提交未完成。您的图形已保留，可重试提交或放弃。",
        "one_edit": "一次只能修改一个片区，请放弃后逐个修改。",
        "no_zone_cut": "这条线没有把任何片区分成两部分。",
        "repaired": "已在地图上以虚线显示修复后的形状。",
        "use_repaired": "采用修复后的形状",
        "forbidden": "无权规划该社区",
        "forbidden_detail": "只有管辖该社区的网格规划员（或区委组织部）可以使用规划页面。",
        "not_found": "未找到该社区",
        "cross_site": "拒绝跨站请求",
        "sign_in": "请先登录",
        "bad_json": "请求内容不是 JSON",
        "unavailable": "服务暂不可用，请稍后重试",
        "coverage": "覆盖情况",
        "changes": "已提交变更",
    },
    "en": {
        "title": "Grid planner",
        "loading": "Loading…",
        "mode": "Action",
        "mode_zones": "Edit zones",
        "mode_groups": "Reassign Party groups",
        "hint_zones": "Use the tools on the left: draw a polygon for a new zone, a line to split "
        "a zone, edit vertices, delete a zone.",
        "hint_groups": "Click buildings to select them, or draw a polygon around them; then "
        "pick a Party group and preview.",
        "mode_merge": "Merge zones",
        "hint_merge": "Click the adjacent zones to merge, one after another (the first keeps "
        "its name and grid branch); then preview the merge.",
        "merge_selected": "Selected zones",
        "merge_kept": "kept",
        "merge_preview": "Preview the merge",
        "merge_two": "Select at least two adjacent zones.",
        "group": "Party group",
        "no_group": "(no Party group)",
        "selected": "Selected buildings",
        "preview": "Preview",
        "commit": "Commit",
        "discard": "Discard",
        "undo": "Undo last commit",
        "new_zone": "New zone",
        "new_zone_name": "New zone name",
        "diff": "Preview of the change",
        "before": "Before",
        "after": "After",
        "buildings": "Buildings",
        "with_group": "Buildings with a Party group",
        "orphans": "Buildings in no zone",
        "zones": "Zones",
        "zones_without_org": "Zones without a grid branch",
        "changed": "Buildings that change",
        "findings": "Findings",
        "none": "none",
        "zone": "Zone",
        "previewing": "Previewing…",
        "committing": "Committing…",
        "committed": "Committed (change #{n})",
        "undone": "Undone (change #{n})",
        "discarded": "Change discarded",
        "refused": "Not done: ",
        "conflict": "Conflict: someone else changed it meanwhile (current version {v}). Your "
        "drawing is kept; discard it and edit again.",
        "network": "Network error: the commit did not finish. Your drawing is kept; commit "
        "again or discard.",
        "one_edit": "Edit one zone at a time: discard and edit them one by one.",
        "no_zone_cut": "The line does not cut any zone in two.",
        "repaired": "The repaired shape is shown dashed on the map.",
        "use_repaired": "Use the repaired shape",
        "forbidden": "You may not plan this community",
        "forbidden_detail": "Only grid planners (or the district) whose region covers the "
        "community can use the planner page.",
        "not_found": "No such community",
        "cross_site": "Cross-site request refused",
        "sign_in": "Sign in first",
        "bad_json": "The request body is not JSON",
        "unavailable": "The service is unavailable; try again later",
        "coverage": "Coverage",
        "changes": "Committed changes",
    },
}

# Zone labels and the map's legend (static/planner/zone_labels.js): the building states'
# words are the coverage maps' own (gateway.maps.labels).
_LEGEND = {
    "zh": {
        "legend": "图例",
        "legend_zones": "片区颜色：网格党支部",
        "legend_no_branch": "虚线：无网格党支部的片区",
        "legend_buildings": "楼栋颜色：覆盖状态",
    },
    "en": {
        "legend": "Legend",
        "legend_zones": "Zone colours: grid branch",
        "legend_no_branch": "Dashed: zones without a grid branch",
        "legend_buildings": "Building colours: coverage",
    },
}
for _lang, _words in _LEGEND.items():
    PLANNER_LABELS[_lang].update(_words)
    PLANNER_LABELS[_lang].update({f"legend_{s}": MAP_LABELS[_lang][LABEL_KEYS[s]] for s in STATES})


def planner_labels(lang: str | None) -> dict[str, str]:
    return PLANNER_LABELS["en"] if lang == "en" else PLANNER_LABELS["zh"]


def both(key: str) -> tuple[str, str]:
    """A message in Chinese and English, for a typed error (`message`, `messageEn`)."""
    return PLANNER_LABELS["zh"][key], PLANNER_LABELS["en"][key]
