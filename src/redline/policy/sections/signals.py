"""Behavioural-signal thresholds (SPEC R-SIG)."""

from pydantic import Field, model_validator

from redline.policy.sections.base import Section


class CompletionShort(Section):
    min_seconds: float = Field(gt=0)
    max_seconds: float = Field(gt=0)
    healthy: float = Field(gt=0, le=1)
    low: float = Field(ge=0, lt=1)


class CompletionLong(Section):
    min_seconds: float = Field(gt=0)
    max_seconds: float = Field(gt=0)
    bonus: float = Field(gt=0, le=1)


class SignalsPolicy(Section):
    interaction_healthy: float = Field(gt=0, lt=1)
    interaction_stop: float = Field(ge=0, lt=1)
    dwell_high_value_factor: float = Field(gt=1)
    dynamic_cover_ctr_uplift: float = Field(ge=0)
    fan_active_min_logins: int = Field(ge=1)
    fan_active_window_days: int = Field(ge=1)
    fan_active_bonus: float = Field(gt=0, le=1)
    fan_active_zombie: float = Field(ge=0, lt=1)
    fan_active_target: float = Field(gt=0, le=1)
    fan_match_strong: float = Field(gt=0, le=1)
    imbalance_min_fans: int = Field(ge=1)
    imbalance_max_likes: int = Field(ge=1)
    reports_for_review: int = Field(ge=1)
    reports_window_hours: int = Field(ge=1)
    burst_window_minutes: int = Field(ge=1)
    burst_min_events: int = Field(ge=1)
    burst_suspicious_share: float = Field(gt=0, le=1)
    new_account_days: int = Field(ge=1)
    inactive_days: int = Field(ge=1)
    completion_short: CompletionShort
    completion_long: CompletionLong

    @model_validator(mode="after")
    def _ordered(self) -> "SignalsPolicy":
        if self.interaction_stop >= self.interaction_healthy:
            raise ValueError("interaction_stop must be below interaction_healthy")
        if self.fan_active_zombie >= self.fan_active_bonus:
            raise ValueError("fan_active_zombie must be below fan_active_bonus")
        if self.completion_short.low >= self.completion_short.healthy:
            raise ValueError("completion_short.low must be below completion_short.healthy")
        return self
