"""Deductions, windows, sanctions, recovery and the review queue (SPEC R-LED)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from redline.policy.sections.base import Section

AccountSanctionKind = Literal["none", "throttle", "mute", "ban", "demotion", "commercial_restriction"]
NoteSanctionKind = Literal["", "throttle", "remove"]


class SanctionStep(Section):
    """What the n-th offence of a rule does to the account."""

    kind: AccountSanctionKind
    days: int = Field(default=0, ge=0)  # 0 = permanent
    percent: float = Field(default=0, ge=0, le=100)  # throttles only

    @model_validator(mode="after")
    def _throttle_has_percent(self) -> "SanctionStep":
        if self.kind == "throttle" and self.percent <= 0:
            raise ValueError("a throttle step needs percent > 0")
        if self.kind in ("throttle", "mute", "demotion", "commercial_restriction") and self.days == 0:
            raise ValueError(f"a {self.kind} step needs days > 0 (only bans are permanent)")
        return self


class RuleConsequence(Section):
    """The consequences of one confirmed violation of a rule."""

    label: str = Field(min_length=1)  # Chinese, shown to users
    points: float = Field(ge=0)
    points_max: float | None = Field(default=None, ge=0)  # a range: detections cost points..max
    note: NoteSanctionKind = ""
    note_percent: float = Field(default=0, ge=0, le=100)
    note_days: int = Field(default=0, ge=0)  # 0 = until the entry leaves the ledger
    note_permanent: bool = False
    account: tuple[SanctionStep, ...] = ()
    human_review: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> "RuleConsequence":
        if self.points_max is not None and self.points_max < self.points:
            raise ValueError("points_max must not be below points")
        if self.note == "throttle" and self.note_percent <= 0:
            raise ValueError("a note throttle needs note_percent > 0")
        return self


class RecoveryPolicy(Section):
    rule: str = Field(min_length=1)
    points_per_credit: float = Field(gt=0)
    max_points: float = Field(gt=0)
    window_days: int = Field(ge=1)


class BrandLinkagePolicy(Section):
    throttle_percent: float = Field(gt=0, le=100)
    days: int = Field(ge=1)
    min_points: float = Field(ge=0)


class ReviewPolicy(Section):
    claim_timeout_minutes: int = Field(ge=1)
    second_review_share: float = Field(ge=0, le=1)
    report_rule: str = Field(min_length=1)


class LedgerPolicy(Section):
    history_window_days: int = Field(ge=1)
    commercial_restriction_points: float = Field(gt=0)
    commercial_restriction_window_days: int = Field(ge=1)
    commercial_restriction_days: int = Field(ge=1)
    watchlist_below_index: float = Field(ge=0, le=100)
    backdate_tolerance_seconds: int = Field(ge=0)
    recovery: RecoveryPolicy
    brand_linkage: BrandLinkagePolicy
    review: ReviewPolicy
    rules: dict[str, RuleConsequence]

    @model_validator(mode="after")
    def _report_rule_known(self) -> "LedgerPolicy":
        if self.review.report_rule not in self.rules:
            raise ValueError(f"review.report_rule `{self.review.report_rule}` is not in ledger.rules")
        if self.recovery.rule in self.rules:
            raise ValueError("recovery.rule must not name a violation rule")
        return self

    def rule_key(self, rule: str) -> str | None:
        """The rules-table key that governs `rule`: exact, else the longest dotted prefix."""
        candidate = rule
        while candidate:
            if candidate in self.rules:
                return candidate
            if "." not in candidate:
                return None
            candidate = candidate.rsplit(".", 1)[0]
        return None
