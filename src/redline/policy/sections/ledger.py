"""Deductions, windows and sanctions (SPEC R-LED)."""

from pydantic import Field

from redline.policy.sections.base import Section


class LedgerPolicy(Section):
    history_window_days: int = Field(ge=1)
    commercial_restriction_points: int = Field(ge=1)
    commercial_restriction_window_days: int = Field(ge=1)
    commercial_restriction_days: int = Field(ge=1)
    diversion_first_throttle_days: int = Field(ge=1)
    diversion_second_mute_days: int = Field(ge=1)
    imbalance_demotion_days: int = Field(ge=1)
    fake_engagement_points_min: int = Field(ge=0)
    fake_engagement_points_max: int = Field(ge=0)
    fake_engagement_ban_after: int = Field(ge=1)
    report_confirmed_points: int = Field(ge=0)
    soft_ad_points: int = Field(ge=0)
    medical_points: int = Field(ge=0)
    aesthetic_absolute_points: int = Field(ge=0)
    watchlist_below_index: float = Field(ge=0, le=100)
