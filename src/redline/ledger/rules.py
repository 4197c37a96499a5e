"""From a rule id to what a confirmed violation of it costs (points) under the policy."""

from __future__ import annotations

from redline.errors import InputError
from redline.policy.sections.ledger import LedgerPolicy, RuleConsequence


def consequence_of(rule: str, policy: LedgerPolicy) -> tuple[str, RuleConsequence]:
    """The rules-table key and consequence governing `rule`, or a Chinese error listing the known ones."""
    rule = rule.strip()
    key = policy.rule_key(rule) if rule else None
    if key is None:
        known = "、".join(sorted(policy.rules))
        raise InputError(f"未知的违规规则 `{rule}`；策略中的规则有：{known}（也可用其子规则，如 diversion.wechat）")
    return key, policy.rules[key]


def points_for(rule: str, policy: LedgerPolicy, requested: float | None = None) -> float:
    """The points a confirmed violation costs: the policy's, or `requested` within its range."""
    key, consequence = consequence_of(rule, policy)
    if requested is None:
        return consequence.points
    if requested != requested or requested < 0:  # NaN or negative
        raise InputError(f"扣分必须是非负数，收到 {requested}")
    low = consequence.points
    high = consequence.points_max if consequence.points_max is not None else consequence.points
    if not (low <= requested <= high):
        span = f"{low:g}" if low == high else f"{low:g}–{high:g}"
        raise InputError(f"规则 `{key}` 的扣分为 {span} 分，不能记 {requested:g} 分")
    return float(requested)


def needs_human_review(rule: str, policy: LedgerPolicy) -> bool:
    key = policy.rule_key(rule)
    return key is not None and policy.rules[key].human_review
