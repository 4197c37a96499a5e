"""The view detectors work on: one request, its normalised text, and helpers to report."""

from __future__ import annotations

from typing import NamedTuple

from redline.checks.finding import COMMERCIAL_KINDS, CheckRequest, Finding, Severity
from redline.policy import Policy
from redline.text.normalize import NormalizedText


class Hit(NamedTuple):
    """A vocabulary word found in the normalised text: [start, end) and the detector's tag.
    (A named tuple: the shared scan creates one per match, so creation must be cheap.)"""

    start: int
    end: int
    word: str
    tag: object


class Document:
    """One field (the body or the title) of a request, normalised, as detectors see it.

    Detectors run in a fixed order and may read what earlier ones left in `scores` and
    `findings` (the price check reads diversion findings; absolute words read the marketing
    score). (A plain class with slots: one is made for every text checked.)"""

    __slots__ = ("request", "policy", "normalized", "text", "original", "field_name", "scores", "findings", "carried")

    def __init__(
        self,
        request: CheckRequest,
        policy: Policy,
        normalized: NormalizedText,
        field_name: str = "text",
        scores: dict[str, float] | None = None,
        findings: list[Finding] | None = None,
        carried: dict[str, object] | None = None,
    ):
        self.request = request
        self.policy = policy
        self.normalized = normalized
        self.text = normalized.text  # the normalised text (what patterns match against)
        self.original = normalized.original
        self.field_name = field_name
        self.scores: dict[str, float] = {} if scores is None else scores
        self.findings: list[Finding] = [] if findings is None else findings
        # Shared by the title's and the body's documents of one request (the title is checked
        # first): a detector leaves what the body should count with its own, keyed by its
        # family.
        self.carried: dict[str, object] = {} if carried is None else carried

    def __repr__(self) -> str:
        return f"Document(field_name={self.field_name!r}, text={self.text!r})"

    @property
    def is_commercial(self) -> bool:
        """Commercial content: product text, ad creatives, disclosed ads, or marketing-heavy."""
        if self.request.kind in COMMERCIAL_KINDS or self.request.disclosed or self.request.product_attached:
            return True
        threshold = self.policy.checks.commercial.soft_ad_threshold
        return self.scores.get("marketing", 0.0) >= threshold

    def finding(
        self,
        rule: str,
        severity: Severity,
        start: int,
        end: int,
        evidence: str,
        advice: str,
        points: int = 0,
        sanction: str = "",
    ) -> Finding:
        """Build a finding from a span of the NORMALISED text (mapped back to the original)."""
        o_start, o_end = self.normalized.to_original(start, end)
        # Positional: keywords cost a third more, and findings are made for many texts.
        return Finding(rule, severity, o_start, o_end, self.original[o_start:o_end], evidence, advice, points, sanction, self.field_name)

    def whole_text_finding(self, rule: str, severity: Severity, evidence: str, advice: str, points: int = 0, sanction: str = "") -> Finding:
        """A finding about the text as a whole (e.g. 'no source cited'), anchored on its opening
        (first line, at most 80 characters) so it still points at a real place."""
        first_line = self.original.split("\n", 1)[0]
        end = min(len(first_line), 80) or min(len(self.original), 80)
        return Finding(rule, severity, 0, end, self.original[:end], evidence, advice, points, sanction, self.field_name)
