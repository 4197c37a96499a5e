"""Typed, validated policy: every number and word list the engine uses (SPEC R-POL).

Each section is a frozen pydantic model with unknown keys forbidden, so a typo in a user policy
is an error naming the key rather than a silently ignored setting. Sections owned by later parts
of the system (signals, index, ledger, traffic, titles…) live in their own modules under
`redline.policy.sections` and are imported here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from redline.policy.sections.base import Section
from redline.policy.sections.helpdesk import HelpdeskPolicy
from redline.policy.sections.index import IndexPolicy
from redline.policy.sections.ledger import LedgerPolicy
from redline.policy.sections.originality import OriginalityPolicy
from redline.policy.sections.signals import SignalsPolicy
from redline.policy.sections.titles import TitlesPolicy
from redline.policy.sections.traffic import TrafficPolicy

Severity = Literal["violation", "warning", "info"]
WordList = tuple[str, ...]


class Meta(Section):
    version: str = Field(min_length=1)
    name: str = ""


class TextPolicy(Section):
    numeral_run_min: int = Field(ge=2, le=20)
    decorations: str
    symbol_words: dict[str, str]


class DiversionPolicy(Section):
    wechat_words: WordList
    qq_words: WordList
    phone_words: WordList
    email_words: WordList
    not_contact: WordList
    soft_cues: WordList
    qr_cues: WordList
    link_words: WordList
    id_window: int = Field(ge=0, le=100)
    ledger_rule: str


class AdlawPolicy(Section):
    words: WordList
    allowed: WordList
    commercial_severity: Severity
    ordinary_severity: Severity


class ClaimPolicy(Section):
    words: WordList
    allowed: WordList = ()
    absolute: WordList = ()
    cure_disease: WordList = ()
    category_words: WordList = ()
    credential: str
    credential_name: str
    points: int = Field(ge=0, le=100)
    sanction: str


class ClaimsPolicy(Section):
    medical: ClaimPolicy
    aesthetic: ClaimPolicy
    education: ClaimPolicy
    food: ClaimPolicy


class ValuesPolicy(Section):
    wealth: WordList
    clickbait: WordList
    anxiety: WordList
    severe: WordList
    points: int = Field(ge=0, le=100)
    severe_sanction: str


class CommercialWeights(Section):
    brand: float = Field(ge=0)
    price: float = Field(ge=0)
    purchase_call: float = Field(ge=0)
    coupon: float = Field(ge=0)
    link: float = Field(ge=0)
    product_attached: float = Field(ge=0)


class CommercialPolicy(Section):
    brands: WordList
    purchase_calls: WordList
    coupons: WordList
    disclosure_words: WordList
    weights: CommercialWeights
    soft_ad_threshold: float = Field(gt=0, lt=1)
    points: int = Field(ge=0, le=100)
    sanction: str


class SubstancePolicy(Section):
    science_words: WordList
    source_patterns: WordList
    review_words: WordList
    personal_detail_patterns: WordList
    feature_words: WordList
    feature_only_min: int = Field(ge=1)
    min_chars: int = Field(ge=0)
    min_density: float = Field(ge=0, le=1)
    science_no_source_sanction: str


class SentimentPolicy(Section):
    negative_threshold: float = Field(gt=0, lt=1)
    question_cues: WordList
    specific_cues: WordList


class PricePolicy(Section):
    violation_floor: float = Field(ge=0)
    risk_below: float = Field(gt=0)
    points: int = Field(ge=0, le=100)
    sanction: str

    @model_validator(mode="after")
    def _floor_below_risk_line(self) -> "PricePolicy":
        if self.violation_floor >= self.risk_below:
            raise ValueError("violation_floor must be below risk_below")
        return self


class ChecksPolicy(Section):
    max_chars: int = Field(gt=0)
    diversion: DiversionPolicy
    adlaw: AdlawPolicy
    claims: ClaimsPolicy
    values: ValuesPolicy
    commercial: CommercialPolicy
    substance: SubstancePolicy
    sentiment: SentimentPolicy
    price: PricePolicy


class Policy(Section):
    meta: Meta
    text: TextPolicy
    checks: ChecksPolicy
    originality: OriginalityPolicy
    signals: SignalsPolicy
    index: IndexPolicy
    ledger: LedgerPolicy
    traffic: TrafficPolicy
    titles: TitlesPolicy
    helpdesk: HelpdeskPolicy = HelpdeskPolicy()
    # Set by the loader: a short hash of the effective policy, so two policies that share a
    # version string but differ in content are told apart in recorded decisions.
    fingerprint: str = ""

    @property
    def version(self) -> str:
        """The version recorded with every decision: `meta.version` plus the fingerprint."""
        return f"{self.meta.version}+{self.fingerprint}" if self.fingerprint else self.meta.version
