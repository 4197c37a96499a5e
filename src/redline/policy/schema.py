"""Typed, validated policy: every number and word list the engine uses (SPEC R-POL).

Each section is a frozen pydantic model with unknown keys forbidden, so a typo in a user policy
is an error naming the key rather than a silently ignored setting. Sections owned by later parts
of the system (signals, index, ledger, traffic, titles…) live in their own modules under
`redline.policy.sections` and are imported here.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from redline.policy.sections.base import Section
from redline.policy.sections.creator import CreatorPolicy
from redline.policy.sections.helpdesk import HelpdeskPolicy
from redline.policy.sections.index import IndexPolicy
from redline.policy.sections.ledger import LedgerPolicy
from redline.policy.sections.originality import OriginalityPolicy
from redline.policy.sections.signals import SignalsPolicy
from redline.policy.sections.titles import TitlesPolicy
from redline.policy.sections.traffic import TrafficPolicy

Severity = Literal["violation", "warning", "info"]
WordList = tuple[str, ...]
TextKindName = Literal["note", "comment", "dm", "profile", "product", "ad"]


def _valid_patterns(patterns: tuple[str, ...]) -> tuple[str, ...]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
    return patterns


# Regular expressions matched on the normalised text; each must compile.
PatternList = Annotated[tuple[str, ...], AfterValidator(_valid_patterns)]


class Meta(Section):
    version: str = Field(min_length=1)
    name: str = ""


class TextPolicy(Section):
    numeral_run_min: int = Field(ge=2, le=20)
    decorations: str
    spaced_separators: str
    spaced_max_run: int = Field(ge=1, le=10)
    symbol_words: dict[str, str]


class DiversionPolicy(Section):
    wechat_words: WordList
    wechat_aliases: WordList
    wechat_homophones: WordList
    qq_words: WordList
    qq_aliases: WordList
    qq_homophones: WordList
    phone_words: WordList
    phone_aliases: WordList
    email_words: WordList
    generic_words: WordList
    homophone_targets: WordList
    not_contact: WordList
    soft_cues: WordList
    qr_cues: WordList
    link_cues: WordList
    invite_before: WordList
    invite_after: WordList
    invite_window: int = Field(ge=0, le=20)
    id_linkers: WordList
    separators: str = Field(min_length=1)
    word_separators: str = Field(min_length=1)
    digit_separators: str = Field(min_length=1)
    separator_run: int = Field(ge=1, le=10)
    id_window: int = Field(ge=0, le=100)
    id_min_chars: int = Field(ge=2, le=64)
    id_max_chars: int = Field(ge=2, le=64)
    id_min_digits: int = Field(ge=3, le=20)
    id_max_digits: int = Field(ge=3, le=20)
    phone_min_digits: int = Field(ge=3, le=20)
    model_prefixes: WordList
    id_unit_suffixes: WordList
    number_context: WordList
    number_context_window: int = Field(ge=0, le=50)
    mobile_prefixes: WordList
    country_codes: WordList
    hotline_prefixes: WordList
    url_tlds: WordList
    short_link_hosts: WordList
    allowed_domains: WordList
    not_links: WordList
    email_domains: WordList
    email_at_forms: WordList
    email_dot_forms: WordList
    url_dot_forms: WordList
    share_code_marks: str
    share_code_min_chars: int = Field(ge=4, le=64)
    share_code_max_chars: int = Field(ge=4, le=64)
    id_severity: Severity
    cue_severity: Severity
    points: int = Field(ge=0, le=100)
    sanction: str
    ledger_rule: str

    @model_validator(mode="after")
    def _ranges_ordered(self) -> "DiversionPolicy":
        for low, high in (("id_min_chars", "id_max_chars"), ("id_min_digits", "id_max_digits"), ("share_code_min_chars", "share_code_max_chars")):
            if getattr(self, low) > getattr(self, high):
                raise ValueError(f"{low} must not exceed {high}")
        for name in ("mobile_prefixes", "country_codes", "hotline_prefixes"):
            for value in getattr(self, name):
                if not value.lstrip("+").isdigit():
                    raise ValueError(f"{name}: {value!r} is not a digit string")
        return self


class AdlawPolicy(Section):
    words: WordList
    allowed: WordList
    # Allowances that hold only in notes of a category (国家级 in a travel note).
    category_allowed: dict[str, WordList] = {}
    # Words that are ordinals when followed by a measure word (第一次, 第一款), and those
    # measure characters; a scope word right before (销量第一) keeps them absolute.
    ordinal_words: WordList = ()
    ordinal_measures: str = ""
    commercial_severity: Severity
    ordinary_severity: Severity
    points: int = Field(ge=0, le=100)
    sanction: str
    # Compliant wording to propose for a word (advice); others get `default_advice`.
    rewordings: dict[str, str] = {}
    default_advice: str


class ClaimPolicy(Section):
    words: WordList
    allowed: WordList = ()
    # Words that are claims only in commercial content (a personal 做了热玛吉 is not a claim).
    commercial_only: WordList = ()
    # Absolute claims: penalised even when the account holds the credentials.
    absolute: WordList = ()
    absolute_points: int = Field(default=0, ge=0, le=100)
    absolute_sanction: str = ""
    # Claims to cure a disease; in a note of this domain they carry `cure_disease_sanction`.
    cure_disease: WordList = ()
    cure_disease_sanction: str = ""
    # Request categories, and words in the text, that put a note in this domain.
    categories: WordList = ()
    category_words: WordList = ()
    # Words shortly before a claim word that make it a personal account (医生给我治疗).
    narrative_cues: WordList = ()
    narrative_window: int = Field(default=0, ge=0, le=50)
    # Generic words that are claims only with one of `context_cues` within `context_window`
    # characters (before or after), unless the content is commercial.
    needs_context: WordList = ()
    context_cues: WordList = ()
    context_window: int = Field(default=0, ge=0, le=50)
    # Every credential listed is needed (ids as passed with --credentials).
    credentials: WordList = Field(min_length=1)
    credential_name: str
    severity: Severity
    points: int = Field(ge=0, le=100)
    sanction: str


class ClaimsPolicy(Section):
    medical: ClaimPolicy
    aesthetic: ClaimPolicy
    education: ClaimPolicy
    food: ClaimPolicy


class ValuesPolicy(Section):
    wealth: WordList
    wealth_triggers: WordList = ()
    wealth_patterns: PatternList = ()
    clickbait: WordList
    clickbait_triggers: WordList = ()
    clickbait_patterns: PatternList = ()
    clickbait_title_only: WordList = ()
    anxiety: WordList
    anxiety_triggers: WordList = ()
    anxiety_patterns: PatternList = ()
    severe: WordList
    # Severe only with a trade / solicitation cue within `severe_window` characters.
    severe_topics: WordList = ()
    severe_trade_cues: WordList = ()
    severe_window: int = Field(default=0, ge=0, le=50)
    # Phrases containing a listed word that are not the thing itself (刚刚好, 远离毒品).
    allowed: WordList = ()
    severity: Severity
    clickbait_title_severity: Severity
    points: int = Field(ge=0, le=100)
    sanction: str
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
    # Phrases containing a disclosure word that are no disclosure (非广告, 广告法).
    not_disclosure: WordList = ()
    # Phrases containing a listed word that are not marketing (苹果 as fruit, 下单 in a complaint…).
    not_marketing: WordList = ()
    # Patterns run only when one of their trigger words was found by the shared scan.
    price_triggers: WordList
    price_patterns: PatternList
    link_triggers: WordList
    link_patterns: PatternList
    weights: CommercialWeights
    # Occurrences of one signal counted at most this many times.
    max_count_per_signal: int = Field(ge=1)
    complaint_words: WordList = ()
    complaint_discount: float = Field(default=1.0, ge=0, le=1)
    soft_ad_threshold: float = Field(gt=0, lt=1)
    soft_ad_min_signals: int = Field(ge=1)
    # Kinds a soft ad can be (ads and product text are commercial by nature).
    soft_ad_kinds: WordList
    points: int = Field(ge=0, le=100)
    sanction: str


class SubstancePolicy(Section):
    kinds: WordList
    science_categories: WordList
    science_words: WordList
    # Distinct science words that make an uncategorised note a science note.
    science_min_words: int = Field(ge=1)
    source_words: WordList
    source_patterns: PatternList
    review_categories: WordList
    review_words: WordList
    personal_detail_patterns: PatternList
    feature_words: WordList
    feature_only_min: int = Field(ge=1)
    # Density: informative characters (letters, digits, ideographs outside filler words and
    # repeated runs) per character of the original text.
    filler_words: WordList = ()
    repeat_run_min: int = Field(ge=2)
    min_chars: int = Field(ge=0)
    short_kinds: WordList
    min_density: float = Field(ge=0, le=1)
    science_no_source_sanction: str
    low_information_sanction: str


class SentimentPolicy(Section):
    negative_threshold: float = Field(gt=0, lt=1)
    model: str = ""  # "" = the shipped n-gram model
    negative_words: WordList = ()
    positive_words: WordList = ()
    lexicon_weight: float = Field(ge=0, le=20)
    warn_kinds: tuple[TextKindName, ...]
    negative_advice: str = Field(min_length=1)
    negative_note_advice: str = Field(min_length=1)
    question_kinds: tuple[TextKindName, ...]
    question_words: WordList
    final_particles: WordList
    not_question: WordList = ()
    specific_cues: WordList
    question_advice: str = Field(min_length=1)


class PricePolicy(Section):
    violation_floor: float = Field(ge=0)
    risk_below: float = Field(gt=0)
    points: int = Field(ge=0, le=100)
    sanction: str
    risk_points: int = Field(ge=0, le=100)
    risk_sanction: str
    with_diversion_extra_points: int = Field(ge=0, le=100)
    with_diversion_sanction: str
    text_price_kinds: tuple[Literal["note", "comment", "dm", "profile", "product", "ad"], ...]
    price_words: dict[str, float]
    not_selling_price: WordList
    not_selling_window: int = Field(ge=0, le=20)

    @model_validator(mode="after")
    def _floor_below_risk_line(self) -> "PricePolicy":
        if self.violation_floor >= self.risk_below:
            raise ValueError("violation_floor must be below risk_below")
        if any(value < 0 for value in self.price_words.values()):
            raise ValueError("price_words: prices must not be negative")
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
    helpdesk: HelpdeskPolicy
    creator: CreatorPolicy
    # Set by the loader: a short hash of the effective policy, so two policies that share a
    # version string but differ in content are told apart in recorded decisions.
    fingerprint: str = ""

    @property
    def version(self) -> str:
        """The version recorded with every decision: `meta.version` plus the fingerprint."""
        return f"{self.meta.version}+{self.fingerprint}" if self.fingerprint else self.meta.version
