"""User-facing map labels: Chinese first, English with `?lang=en`."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "zh": {
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
    },
    "en": {
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
    },
}


def labels_for(lang: str | None) -> dict[str, str]:
    return LABELS["en"] if lang == "en" else LABELS["zh"]
