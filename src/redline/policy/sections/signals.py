"""Behavioural-signal thresholds (SPEC R-SIG)."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

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
    timezone: str = Field(min_length=1)
    metrics_window_days: int = Field(ge=1, le=366)
    completion_min_fraction: float = Field(gt=0, le=1)
    min_reads: int = Field(ge=1)
    min_impressions: int = Field(ge=1)
    min_watches: int = Field(ge=1)
    min_dwell_events: int = Field(ge=1)
    min_comments: int = Field(ge=1)
    min_fans: int = Field(ge=1)
    dwell_baseline_min_notes: int = Field(ge=1)
    valid_report_reasons: tuple[str, ...] = Field(min_length=1)
    dwell_baselines: dict[str, float]
    completion_short: CompletionShort
    completion_long: CompletionLong

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("dwell_baselines")
    @classmethod
    def _baselines(cls, value: dict[str, float]) -> dict[str, float]:
        if "default" not in value:
            raise ValueError("dwell_baselines needs a `default` entry")
        bad = [key for key, seconds in value.items() if not seconds > 0]
        if bad:
            raise ValueError(f"dwell baselines must be positive seconds: {', '.join(bad)}")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> "SignalsPolicy":
        if self.interaction_stop >= self.interaction_healthy:
            raise ValueError("interaction_stop must be below interaction_healthy")
        if self.fan_active_zombie >= self.fan_active_bonus:
            raise ValueError("fan_active_zombie must be below fan_active_bonus")
        if self.completion_short.low >= self.completion_short.healthy:
            raise ValueError("completion_short.low must be below completion_short.healthy")
        return self
