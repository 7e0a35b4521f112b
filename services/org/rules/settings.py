"""Thresholds of the rule checker that the plan states loosely, as settings.

plan (二): "社区党委领导班子应以40岁左右、大专以上文化程度的同志为主体" — "around 40" and
"为主体" (the main body) are not numbers, so the band and the share are configurable;
"专职副书记应由党龄2年以上……的党员担任" is a number, kept here beside them so a district
that tightens it changes one setting, not code.
"""

from __future__ import annotations

from functools import cache

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class RulesSettings(BaseSettings):
    """Settings of the org rule checker (env prefix `PARTYGRID_ORG_RULES_`)."""

    model_config = SettingsConfigDict(env_prefix="PARTYGRID_ORG_RULES_", extra="ignore")

    # plan (二): 以40岁左右……的同志为主体 — ages in whole years on the check date, inclusive.
    age_band_low: int = 35
    age_band_high: int = 45
    # "为主体": more than this share of the leadership must qualify (0.5: a strict majority).
    majority_share: float = 0.5
    # plan (二): 专职副书记应由党龄2年以上……的党员担任 — whole years on the check date.
    fulltime_deputy_min_standing: int = 2

    @model_validator(mode="after")
    def _consistent(self) -> RulesSettings:
        if not 0 <= self.age_band_low <= self.age_band_high:
            raise ValueError("age_band_low must be between 0 and age_band_high")
        if not 0 <= self.majority_share < 1:
            raise ValueError("majority_share must be at least 0 and below 1")
        if self.fulltime_deputy_min_standing < 0:
            raise ValueError("fulltime_deputy_min_standing must not be negative")
        return self


@cache
def rules_settings() -> RulesSettings:
    """The process's settings, read from the environment on first use (not at import)."""
    return RulesSettings()
