"""Traffic tiers, modifiers, pools and teen mode (SPEC R-TRF)."""

import re

from pydantic import Field, field_validator

from redline.policy.sections.base import Section

_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class TeenModePolicy(Section):
    excluded_categories: tuple[str, ...]
    no_publish_from: str
    no_publish_until: str

    @field_validator("no_publish_from", "no_publish_until")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError(f"expected a HH:MM clock time, got {value!r}")
        return value


class TrafficPolicy(Section):
    high_tier_min_index: float = Field(ge=0, le=100)
    high_tier_recommend_multiplier: float = Field(ge=1)
    low_tier_below_index: float = Field(ge=0, le=100)
    low_tier_new_note_multiplier: float = Field(ge=0, le=1)
    science_no_source_multiplier: float = Field(ge=0, le=1)
    science_fund_max_multiplier: float = Field(ge=1)
    horse_race_top_share: float = Field(gt=0, lt=1)
    teen_mode: TeenModePolicy
