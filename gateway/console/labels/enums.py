"""Every enum value of the graph a console user may read, by its label (zh-CN, en).

Templates write `{{ value|enum("OrganizationKind") }}`; a page never shows a raw value
(GRID_BRANCH, P2). tests/gateway/console/test_enum_labels.py sweeps the supergraph's enums.
"""

from __future__ import annotations

# enum name -> value -> (zh, en)
ENUMS: dict[str, dict[str, tuple[str, str]]] = {
    "OrganizationKind": {
        "COMMUNITY_COMMITTEE": ("社区党委", "community Party committee"),
        "GENERAL_BRANCH": ("党总支", "general branch"),
        "BRANCH": ("党支部", "branch"),
        "GRID_BRANCH": ("网格党支部", "grid branch"),
        "PARTY_GROUP": ("党小组", "Party group"),
        "FUNCTIONAL_BRANCH": ("功能型党支部", "functional branch"),
        "FUNCTIONAL_GROUP": ("功能型党小组", "functional group"),
        "SPECIAL_BRANCH": ("特设党支部", "special branch"),
        "SPECIAL_GROUP": ("特设党小组", "special group"),
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
