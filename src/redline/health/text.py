"""From a note's check findings to the points each text indicator loses (Q2, Q3, C1, C2, C3),
and from a comment's check to its labels (negative, specific question)."""

from __future__ import annotations

from dataclasses import dataclass

from redline.checks.finding import CheckResult, Finding
from redline.policy import Policy
from redline.policy.sections.index import TEXT_INDICATORS


def finding_points(finding: Finding, policy: Policy) -> float:
    text = policy.index.text
    return {"violation": text.violation_points, "warning": text.warning_points}.get(finding.severity, text.info_points)


def text_points(findings: tuple[Finding, ...] | list[Finding], policy: Policy) -> dict[str, float]:
    """Points taken from each text indicator by the findings of its rule families."""
    families = {code: set(getattr(policy.index.text, code)) for code in TEXT_INDICATORS}
    points = {code: 0.0 for code in TEXT_INDICATORS}
    for finding in findings:
        for code, wanted in families.items():
            if finding.family in wanted:
                points[code] += finding_points(finding, policy)
    return points


@dataclass(frozen=True)
class CommentLabel:
    negative: bool
    question: bool


def comment_label(result: CheckResult, policy: Policy) -> CommentLabel:
    """Negative: the sentiment score reaches the policy's threshold (or a negative-sentiment
    finding). Question: a finding of the sentiment family about a specific question."""
    negative_score = result.scores.get("negative", 0.0)
    negative = negative_score >= policy.checks.sentiment.negative_threshold
    question = False
    for finding in result.findings:
        if finding.family != "sentiment":
            continue
        rule = finding.rule.lower()
        if "negative" in rule:
            negative = True
        if "question" in rule or "discussion" in rule:
            question = True
    question = question or result.scores.get("question", 0.0) > 0 or result.scores.get("discussion", 0.0) > 0
    return CommentLabel(negative, question)
