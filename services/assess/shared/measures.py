"""What a standard's indicators may name: the computed metrics and the attested-record checks.

A standard is data, but the measures it names are code: `metrics.METRICS` (the live graph)
and `record_checks.RECORD_CHECKS` (attested records). Each declares the params it accepts, so
a document naming an unknown measure or giving it wrong params is refused when it is loaded.
What a measure finds is a `Measured`; it lives here (importing nothing from assess) so the
measures and `scoring` can both import it without a cycle through `standard`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Measure:
    name: str  # "org.reporting_rate", "funds", ...
    title: str  # zh-CN
    title_en: str
    sources: tuple[str, ...] = ()  # services whose data it reads ("org", "grid")
    params: type[BaseModel] = field(default=NoParams)


@dataclass(frozen=True)
class Measured:
    """What one measure found for one community."""

    value: float | None  # a share from 0 to 1; None: nothing to measure from (no data, no record)
    detail: str  # zh-CN: what was counted, e.g. "报到 18/20 人"
    detail_en: str
    refs: tuple[str, ...] = ()  # ids of what it rests on (records, evidence, findings)


NOT_MEASURED = Measured(None, "无数据", "no data")
