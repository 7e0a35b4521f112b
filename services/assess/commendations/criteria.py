"""The criteria of 双创 and of the 七一 list as data: a versioned YAML document, validated.

plan (五): 争创"五好"社区党组织、星级模范楼栋党支部（党小组）. Like the grading standard, the
criteria are data the district edits and loads as new versions (`<id>@<version>`); a loaded
version never changes, so a rating or a list keeps the version it was made under.

- stars: criteria of grid branches and Party groups, each on a star level 1-5. A unit earns
  level n when it meets every criterion of levels 1..n (a ladder). A criterion is computed
  (`fact`, from facts.UNIT_FACTS) or attested by the street office with a note.
- five_good: the five goods, each met when all its conditions hold. A condition names an
  indicator of the grading standard (it passes), a group of it (a share of its indicators
  pass) or a community fact (facts.COMMUNITY_FACTS) with a threshold.
- july_first: who the 七一 list takes from the graph (see evaluation.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.assess.commendations.facts import COMMUNITY_FACTS, UNIT_FACTS
from services.assess.shared.yaml_documents import DocumentError, parse_document

DEFAULT_CRITERIA_FILE = Path(__file__).resolve().parent / "data" / "commendation_criteria.yaml"
MAX_STARS = 5
CODE = r"^[A-Z][A-Z0-9]{0,7}$"


# A criteria document that cannot be loaded; `problems` are (path, zh, en) triples.
CriteriaError = DocumentError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _threshold_fits(kind: str, threshold: float) -> None:
    if kind == "share" and not 0 <= threshold <= 1:
        raise ValueError(f"the threshold of a share is from 0 to 1, not {threshold:g}")
    if kind == "count" and (threshold < 0 or threshold != int(threshold)):
        raise ValueError(f"the threshold of a count is a whole number >= 0, not {threshold:g}")


class StarCriterion(_Strict):
    code: str = Field(pattern=CODE)
    star: int = Field(ge=1, le=MAX_STARS)
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    fact: str | None = None  # computed from the graph
    attested: bool = False  # recorded by the street office with a note
    threshold: float = 1.0
    plan_clause: str = ""

    @model_validator(mode="after")
    def _one_source(self) -> StarCriterion:
        if (self.fact is None) == (not self.attested):
            raise ValueError("a star criterion names a fact or is attested, one of the two")
        if self.fact is not None:
            if self.fact not in UNIT_FACTS:
                known = ", ".join(sorted(UNIT_FACTS))
                raise ValueError(f"unknown fact {self.fact!r}; known: {known}")
            _threshold_fits(UNIT_FACTS[self.fact][0].kind, self.threshold)
        return self


class Condition(_Strict):
    indicator: str | None = Field(default=None, pattern=CODE)
    group: str | None = None
    fact: str | None = None
    threshold: float | None = None  # group: share of its indicators passing (default 1)
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        named = [k for k in ("indicator", "group", "fact") if getattr(self, k) is not None]
        if len(named) != 1:
            raise ValueError("a condition names one of indicator, group or fact")
        if self.indicator is not None and (self.threshold is not None or self.params):
            raise ValueError("an indicator passes by the standard's own threshold; give none")
        if self.group is not None:
            self.threshold = 1.0 if self.threshold is None else self.threshold
            _threshold_fits("share", self.threshold)
        if self.fact is not None:
            if self.fact not in COMMUNITY_FACTS:
                known = ", ".join(sorted(COMMUNITY_FACTS))
                raise ValueError(f"unknown fact {self.fact!r}; known: {known}")
            spec = COMMUNITY_FACTS[self.fact][0]
            if self.threshold is None:
                raise ValueError(f"fact {self.fact} needs a threshold")
            _threshold_fits(spec.kind, self.threshold)
            self.params = spec.params.model_validate(self.params).model_dump(mode="json")
        elif self.params:
            raise ValueError("only a fact takes params")
        return self

    @property
    def kind(self) -> str:
        return "indicator" if self.indicator else "group" if self.group else "fact"


class Good(_Strict):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    conditions: list[Condition] = Field(min_length=1)


class ExcellentWorkers(_Strict):
    # Leaders of grid branches and Party groups awarded at least this many stars that year.
    min_awarded_stars: int = Field(default=MAX_STARS, ge=1, le=MAX_STARS)


class ExcellentMembers(_Strict):
    # 双争 evaluations chosen since the previous 七一, in these titles.
    titles: list[Literal["management_vanguard", "service_model"]] = Field(min_length=1)


class JulyFirst(_Strict):
    excellent_party_workers: ExcellentWorkers = Field(default_factory=ExcellentWorkers)
    excellent_members: ExcellentMembers


class StarSection(_Strict):
    criteria: list[StarCriterion] = Field(min_length=1)


class FiveGoodSection(_Strict):
    goods: list[Good] = Field(min_length=5, max_length=5)  # 五好: five, no more, no fewer


class CriteriaData(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    version: int = Field(ge=1)
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    source: str = ""
    standard: str = Field(min_length=1)  # the grading standard (its code) conditions name
    stars: StarSection
    five_good: FiveGoodSection
    july_first: JulyFirst

    @model_validator(mode="after")
    def _consistent(self) -> CriteriaData:
        codes = [c.code for c in self.stars.criteria] + [g.code for g in self.five_good.goods]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValueError(f"criteria codes repeated: {', '.join(repeated)}")
        levels = sorted({c.star for c in self.stars.criteria})
        if levels != list(range(1, levels[-1] + 1)):
            raise ValueError(f"star levels must run from 1 without a gap, not {levels}")
        return self

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def max_stars(self) -> int:
        return max(c.star for c in self.stars.criteria)

    def indicator_codes(self) -> set[str]:
        return {c.indicator for g in self.five_good.goods for c in g.conditions if c.indicator}

    def group_names(self) -> set[str]:
        return {c.group for g in self.five_good.goods for c in g.conditions if c.group}


def parse_criteria(text: str) -> CriteriaData:
    """Parse and validate a criteria document; CriteriaError lists every problem."""
    return parse_document(text, CriteriaData, wrong_zh="评定标准文档有误")


def read_default_criteria() -> tuple[CriteriaData, str]:
    text = DEFAULT_CRITERIA_FILE.read_text(encoding="utf-8")
    return parse_criteria(text), text


def check_against_standard(
    data: CriteriaData, indicator_codes: set[str], groups: set[str]
) -> list[tuple[str, str, str]]:
    """Problems of conditions naming indicators or groups the standard does not have."""
    problems = []
    for code in sorted(data.indicator_codes() - indicator_codes):
        problems.append(
            ("five_good", f"评价标准{data.standard}中没有指标{code}",
             f"standard {data.standard} has no indicator {code}")
        )  # fmt: skip
    for group in sorted(data.group_names() - groups):
        problems.append(
            ("five_good", f"评价标准{data.standard}中没有指标组「{group}」",
             f"standard {data.standard} has no group {group!r}")
        )  # fmt: skip
    return problems
