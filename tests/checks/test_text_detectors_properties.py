"""Any text — built from the detectors' own words, obfuscation and noise — checks without error,
and every finding of the absolute-word, claims, values, commercial and substance detectors
points at a real slice of what the user wrote and carries what a user needs to act on it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from redline.checks import check_text
from redline.policy import default_policy

FAMILIES = {"adlaw", "claim", "values", "commercial", "substance"}
_policy = default_policy()
_words = sorted(
    set(_policy.checks.adlaw.words + _policy.checks.adlaw.allowed)
    | set(_policy.checks.claims.medical.words + _policy.checks.claims.food.words + _policy.checks.claims.aesthetic.words)
    | set(_policy.checks.values.clickbait + _policy.checks.values.severe_topics + _policy.checks.values.severe_trade_cues)
    | set(_policy.checks.commercial.brands + _policy.checks.commercial.purchase_calls + _policy.checks.commercial.coupons)
    | set(_policy.checks.substance.science_words + _policy.checks.substance.feature_words)
)
noise = st.sampled_from(["😀", "\u200d", "❤", "\ud800", "，", " ", "\n", "¥", "399", "元", "岁", "%的人", "《", "》", "Ｆ", "們", "a"])
pieces = st.lists(st.one_of(st.sampled_from(_words), noise, st.text(max_size=3)), max_size=40)


@settings(max_examples=150, deadline=None)
@given(pieces, pieces, st.sampled_from(["note", "comment", "product", "ad"]), st.booleans())
def test_findings_are_real_slices_with_reasons(body_parts, title_parts, kind, disclosed):
    body, title = "".join(body_parts), "".join(title_parts)
    result = check_text(body, kind=kind, title=title, disclosed=disclosed)
    source = {"text": body, "title": title}
    assert 0.0 <= result.scores["marketing"] <= 1.0
    for finding in result.findings:
        if finding.family not in FAMILIES:
            continue
        original = source[finding.field]
        assert 0 <= finding.start <= finding.end <= len(original)
        assert original[finding.start : finding.end] == finding.excerpt
        assert finding.evidence and finding.advice
        assert finding.severity in ("violation", "warning", "info")
