"""What a standard's indicators may name: the computed metrics and the attested-record checks.

A standard is data, but the measures it names are code: `metrics.METRICS` (the live graph)
and `record_checks.RECORD_CHECKS` (attested records). Each declares the params it accepts, so
a document naming an unknown measure or giving it wrong params is refused when it is loaded.
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
