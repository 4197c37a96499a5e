"""Traffic tiers, modifiers, pools, horse racing, low-price products and teen mode (SPEC R-TRF)."""

import re

from pydantic import Field, field_validator, model_validator

from redline.policy.sections.base import Section

_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class HorseRacePolicy(Section):
    window_days: int = Field(ge=1)
    top_share: float = Field(gt=0, lt=1)
    top_traffic_share: float = Field(gt=0, lt=1)
    gmv_weight: float = Field(ge=0, le=1)
    conversion_weight: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _weights_sum_to_one(self) -> "HorseRacePolicy":
        if abs(self.gmv_weight + self.conversion_weight - 1.0) > 1e-6:
            raise ValueError("gmv_weight + conversion_weight must be 1")
        return self


class LowPricePolicy(Section):
    floor_shop_multiplier: float = Field(ge=0, le=1)
    risk_shop_multiplier: float = Field(ge=0, le=1)


class AudienceSegment(Section):
    name: str
    capacity_share: float = Field(gt=0, le=1)
    like_rate: float = Field(ge=0, le=1)
    save_rate: float = Field(ge=0, le=1)
    follow_rate: float = Field(ge=0, le=1)
    order_rate: float = Field(ge=0, le=1)


class PromotionPolicy(Section):
    cpm: float = Field(gt=0)
    average_order_value: float = Field(gt=0)
    segments: tuple[AudienceSegment, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _capacity_sums_to_one(self) -> "PromotionPolicy":
        total = sum(s.capacity_share for s in self.segments)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"segment capacity_share must sum to 1 (they sum to {total:g})")
        return self


class SimulatePolicy(Section):
    base_entry_chance: float = Field(gt=0, le=1)
    daily_community_impressions: int = Field(ge=0)
    daily_commerce_impressions: int = Field(ge=0)
    seed: int


class TeenModePolicy(Section):
    excluded_categories: tuple[str, ...]
    no_publish_from: str
    no_publish_until: str
    min_index: float = Field(ge=0, le=100)
    marketing_penalty: float = Field(ge=0, le=100)
    finding_penalty: float = Field(ge=0, le=100)
    sensitive_families: tuple[str, ...]

    @field_validator("no_publish_from", "no_publish_until")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError(f"expected a HH:MM clock time, got {value!r}")
        return value


class TrafficPolicy(Section):
    high_tier_min_index: float = Field(ge=0, le=100)
    high_tier_recommend_multiplier: float = Field(ge=1)
    high_tier_search_boost: float = Field(ge=1)
    low_tier_below_index: float = Field(ge=0, le=100)
    low_tier_new_note_multiplier: float = Field(ge=0, le=1)
    new_note_days: int = Field(ge=0)
    science_no_source_multiplier: float = Field(ge=0, le=1)
    duplicate_low_quality_multiplier: float = Field(ge=0, le=1)
    originality_bonus_multiplier: float = Field(ge=1)
    interaction_stop_multiplier: float = Field(ge=0, le=1)
    dwell_second_push_multiplier: float = Field(ge=1)
    science_fund_max_multiplier: float = Field(ge=1)
    science_fund_categories: tuple[str, ...]
    science_fund_quality_floor: float = Field(ge=0, le=100)
    science_fund_quality_full: float = Field(ge=0, le=100)
    review_hold_multiplier: float = Field(ge=0, le=1)
    throttle_keeps: float = Field(ge=0, le=1)
    max_multiplier: float = Field(ge=1)
    reach_marketing_correlation: float = Field(ge=-1, le=0)
    reach_sanction_drop: float = Field(gt=0, le=1)
    reach_min_notes: int = Field(ge=3)
    diagnose_recent_days: int = Field(ge=1)
    shop_drag_min_gap: float = Field(ge=0, lt=1)
    diagnose_weak_indicator_below: float = Field(ge=0, le=100)
    horse_race: HorseRacePolicy
    low_price: LowPricePolicy
    promotion: PromotionPolicy
    simulate: SimulatePolicy
    teen_mode: TeenModePolicy

    @model_validator(mode="after")
    def _tiers_ordered(self) -> "TrafficPolicy":
        if self.low_tier_below_index > self.high_tier_min_index:
            raise ValueError("low_tier_below_index must not exceed high_tier_min_index")
        if self.science_fund_quality_floor >= self.science_fund_quality_full:
            raise ValueError("science_fund_quality_floor must be below science_fund_quality_full")
        return self
