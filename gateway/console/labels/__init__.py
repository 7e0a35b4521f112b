"""The console's words, Chinese (zh-CN) first and English, one module per page family.

Each module defines `ZH` and `EN` with the same keys (tests/gateway/console/test_labels.py
checks); a key used by two families is an error at import, so families cannot overwrite
each other's words. Templates read them with `t("key")`.
"""

from __future__ import annotations

from types import ModuleType

from gateway.console.labels import (
    assessment,
    commendations,
    common,
    community,
    home,
    members,
    overview,
    records,
    reports,
)

# Each page family adds its module here (one line each).
FAMILIES: tuple[ModuleType, ...] = (
    common,
    assessment,
    commendations,
    community,
    home,
    members,
    overview,
    records,
    reports,
)


def _merge(attr: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for module in FAMILIES:
        words: dict[str, str] = getattr(module, attr)
        clash = merged.keys() & words.keys()
        if clash:
            raise RuntimeError(f"console label keys defined twice: {sorted(clash)}")
        merged.update(words)
    return merged


LABELS = {"zh": _merge("ZH"), "en": _merge("EN")}


def labels_for(lang: str) -> dict[str, str]:
    return LABELS["en" if lang == "en" else "zh"]
