"""Every enum value a console user may read has a Chinese and an English label (issue 16:
no raw GRID_BRANCH or P2 on a page), and the labels say what the services say where they
have words of their own (roster columns, record vocabularies, rule messages, role labels)."""

from __future__ import annotations

import re

import pytest
from supergraph_enums import MACHINE_ENUMS, supergraph_enums

from gateway.console.labels.enums import ENUMS, enum_label
from services.assess.records import kinds, vocab
from services.common.auth import ROLE_LABELS, Role
from services.org.roster import columns
from services.org.rules.facts import KIND_NAMES

SUPERGRAPH = supergraph_enums()
USER_FACING = {name: values for name, values in SUPERGRAPH.items() if name not in MACHINE_ENUMS}


def test_the_sweep_sees_the_enums() -> None:
    # A parser that found nothing would pass everything below.
    assert len(USER_FACING) > 30 and "OrganizationKind" in USER_FACING
    assert SUPERGRAPH.keys() >= MACHINE_ENUMS


@pytest.mark.parametrize("enum", sorted(USER_FACING))
def test_every_user_facing_value_has_both_labels(enum: str) -> None:
    labels = ENUMS.get(enum, {})
    missing = sorted(USER_FACING[enum] - labels.keys())
    assert not missing, f"{enum}: no label for {missing}"
    for value in USER_FACING[enum]:
        zh, en = labels[value]
        assert zh.strip() and en.strip(), (enum, value)
        assert re.search(r"[\u4e00-\u9fff]", zh), (enum, value, zh)
        assert enum_label(enum, value, "zh") == zh and enum_label(enum, value, "en") == en


def test_no_label_for_a_value_the_graph_does_not_have() -> None:
    stale = {
        f"{enum}.{value}"
        for enum, labels in ENUMS.items()
        for value in labels
        if value not in SUPERGRAPH.get(enum, set())
    }
    assert not stale


def test_each_enum_shows_distinct_words() -> None:
    for enum, labels in ENUMS.items():
        for lang in (0, 1):
            words = [pair[lang] for pair in labels.values()]
            assert len(set(words)) == len(words), (enum, words)


def _upper(code: str) -> str:
    return code.upper()


def test_the_labels_are_the_services_own_words() -> None:
    said = {
        "OrganizationKind": {_upper(k): v for k, v in KIND_NAMES.items()},
        "RecordKind": {_upper(k.code): (k.zh, k.en) for k in kinds.KINDS},
        "FacilityKind": {_upper(k): v for k, v in vocab.FACILITIES.items()},
        "WorkSystem": {_upper(k): v for k, v in vocab.WORK_SYSTEMS.items()},
        "TrainingForm": {_upper(k): v for k, v in vocab.TRAINING_FORMS.items()},
        "ActivityKind": {_upper(k): v for k, v in vocab.ACTIVITY_KINDS.items()},
        "UserRole": {
            r.name: ROLE_LABELS[r]
            for r in (Role.DISTRICT, Role.STREET, Role.SECRETARY, Role.PLANNER, Role.VIEWER)
        },
        "GoalOwnerRole": {
            r.name: ROLE_LABELS[r] for r in (Role.DISTRICT, Role.STREET, Role.SECRETARY)
        },
    }
    for enum, words in said.items():
        assert ENUMS[enum] == words, enum
    # The roster's column words (Chinese only: a roster has no English).
    roster = {
        "Unit": columns.UNIT_LABELS,
        "Education": columns.EDUCATION_LABELS,
        "ReportingStatus": columns.REPORTING_LABELS,
    }
    for enum, by_word in roster.items():
        assert {_upper(code): word for word, code in by_word.items()} == {
            value: zh for value, (zh, _) in ENUMS[enum].items()
        }, enum


def test_a_page_shows_the_label_in_its_language() -> None:
    from gateway.console.templating import ENV

    template = ENV.from_string('{{ v|enum("OrganizationKind") }}')
    assert template.render(v="GRID_BRANCH", lang="zh") == "网格党支部"
    assert template.render(v="GRID_BRANCH", lang="en") == "grid Party branch"
