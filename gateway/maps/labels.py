"""User-facing map labels: Chinese first, English with `?lang=en`."""

from __future__ import annotations

from services.common.auth import ROLE_LABELS


def _roles(lang: str) -> dict[str, str]:
    """`role_<value>`: each role's label, from its one source (services.common.auth), as a
    header shows it (English capitalised)."""
    out = {}
    for role, (zh, en) in ROLE_LABELS.items():
        out[f"role_{role.value}"] = zh if lang == "zh" else en[:1].upper() + en[1:]
    return out


LABELS: dict[str, dict[str, str]] = {
    "zh": {
        **_roles("zh"),
        "title": "党建网格覆盖图",
        "district_title": "全区党建网格覆盖图",
        "boundary": "社区范围",
        "zones": "片区",
        "buildings": "楼栋",
        "covered": "已覆盖（有党小组）",
        "gap": "未覆盖（无党小组）",
        "gap_members": "未覆盖且有党员居住",
        "orphan": "不在任何片区",
        "coverage": "楼栋覆盖率",
        "gaps": "覆盖缺口",
        "zone_without_org": "无网格党支部的片区",
        "organization": "党组织",
        "zone": "片区",
        "group": "党小组",
        "branch": "网格党支部",
        "residents": "居住党员",
        "none": "无",
        "community": "社区",
        "communities": "社区",
        "open": "打开社区覆盖图",
        "not_found": "未找到该社区",
        "region_not_found": "未找到该区划",
        "forbidden": "该区划不在您的权限范围内",
        "forbidden_hint": "您只能查看本辖区的党建网格覆盖图。",
        "street_title": "街道党建网格覆盖图",
        "members_more": "等",
        "people": "人",
        "state": "覆盖状态",
        "address": "地址",
        "zone_labels": "片区名称",
        "gap_with_members_short": "有党员居住",
        "basemap": "底图",
        "map_date": "制图日期",
        "scale": "比例尺",
        "print": "打印版",
        "print_title": "党建网格覆盖图（月督查）",
        "loading": "正在读取…",
        "load_failed": "读取失败",
        "zoom_for_buildings": "放大到 14 级以上显示楼栋",
        "no_zones": "暂无片区：尚未划分或导入片区",
        "no_buildings": "暂无楼栋：尚未导入楼栋",
        "data_sources": "数据：党建网格（区划、片区、楼栋、党员）",
        # The header and the navigation of every map page (the planner's too).
        "nav_district": "全区覆盖图",
        "nav_street": "街道覆盖图",
        "nav_community": "社区覆盖图",
        "nav_planner": "网格规划",
        "nav_console": "工作台",
        "sign_out": "退出登录",
        "session_expired": "登录已过期，请重新登录",
    },
    "en": {
        **_roles("en"),
        "title": "Party-building grid coverage",
        "district_title": "District grid coverage",
        "boundary": "Community boundary",
        "zones": "Zones",
        "buildings": "Buildings",
        "covered": "Covered (has a Party group)",
        "gap": "Gap (no Party group)",
        "gap_members": "Gap with resident members",
        "orphan": "In no zone",
        "coverage": "Buildings covered",
        "gaps": "Coverage gaps",
        "zone_without_org": "Zones without a grid branch",
        "organization": "Party organization",
        "zone": "Zone",
        "group": "Party group",
        "branch": "Grid branch",
        "residents": "Resident members",
        "none": "none",
        "community": "Community",
        "communities": "Communities",
        "open": "Open the community map",
        "not_found": "No such community",
        "region_not_found": "No such region",
        "forbidden": "This region is outside your scope",
        "forbidden_hint": "You can see the coverage maps of your own region only.",
        "street_title": "Street office grid coverage",
        "members_more": "and others",
        "people": "",
        "state": "Coverage",
        "address": "Address",
        "zone_labels": "Zone names",
        "gap_with_members_short": "members live here",
        "basemap": "Base map",
        "map_date": "Map date",
        "scale": "Scale",
        "print": "Printable map",
        "print_title": "Grid coverage (monthly supervision)",
        "loading": "Loading…",
        "load_failed": "Could not load",
        "zoom_for_buildings": "Zoom in to level 14 or more to see buildings",
        "no_zones": "No zones yet: none drawn or imported",
        "no_buildings": "No buildings yet: none imported",
        "data_sources": "Data: PartyGrid (regions, zones, buildings, members)",
        "nav_district": "District map",
        "nav_street": "Street office map",
        "nav_community": "Community map",
        "nav_planner": "Grid planner",
        "nav_console": "Console",
        "sign_out": "Sign out",
        "session_expired": "Your sign-in has expired; please sign in again",
    },
}


def labels_for(lang: str | None) -> dict[str, str]:
    """The labels of a page: English for `lang=en`, Chinese otherwise."""
    return LABELS["en"] if lang == "en" else LABELS["zh"]
