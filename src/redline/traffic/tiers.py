"""Account tiers by health index: ≥ 80 high, < 60 low, normal between (SPEC R-TRF)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from redline.policy import Policy
from redline.traffic.reasons import Reason

TierName = Literal["high", "normal", "low", "unknown"]


@dataclass(frozen=True, slots=True)
class Tier:
    name: TierName
    index: float | None
    recommend_multiplier: float  # chance of entering the recommendation pool, relative to normal
    search_boost: float
    sprout_eligible: bool  # 新芽助推
    new_note_multiplier: float  # applied to notes published within `new_note_days`
    pugongying_allowed: bool  # 蒲公英 orders
    watch_list: bool


def tier_for(index: float | None, policy: Policy) -> Tier:
    traffic = policy.traffic
    if index is None:
        return Tier("unknown", None, 1.0, 1.0, False, 1.0, True, False)
    if index >= traffic.high_tier_min_index:
        return Tier("high", index, traffic.high_tier_recommend_multiplier, traffic.high_tier_search_boost, True, 1.0, True, False)
    if index < traffic.low_tier_below_index:
        return Tier("low", index, 1.0, 1.0, False, traffic.low_tier_new_note_multiplier, False, True)
    return Tier("normal", index, 1.0, 1.0, False, 1.0, True, False)


def tier_reason(tier: Tier, is_new_note: bool, policy: Policy) -> Reason | None:
    traffic = policy.traffic
    numbers = {"index": tier.index, "high_tier_min_index": traffic.high_tier_min_index, "low_tier_below_index": traffic.low_tier_below_index}
    if tier.name == "high":
        return Reason(
            "traffic.tier.high",
            f"账号健康度 {tier.index:.0f} ≥ {traffic.high_tier_min_index:.0f}：进入推荐池的概率 ×{tier.recommend_multiplier:g}，搜索加权，可参与新芽助推",
            tier.recommend_multiplier,
            numbers,
            "保持原创、合规与真实互动，维持高健康度。",
        )
    if tier.name == "low":
        multiplier = tier.new_note_multiplier if is_new_note else 1.0
        effect = f"账号健康度 {tier.index:.0f} < {traffic.low_tier_below_index:.0f}：新发布笔记限流 {1 - tier.new_note_multiplier:.0%}，无法接蒲公英订单，列入观察名单"
        if not is_new_note:
            effect += "（本篇非新笔记，不受新笔记限流影响）"
        return Reason(
            "traffic.tier.low",
            effect,
            multiplier,
            numbers,
            f"提升健康度到 {traffic.low_tier_below_index:.0f} 分以上：处理违规、减少营销化内容、发布有信息增量的原创笔记；扣分会随时间与合规行为恢复。",
        )
    if tier.name == "normal":
        # No effect, but it answers "why don't my notes get the high tier's chance?".
        gap = traffic.high_tier_min_index - (tier.index or 0.0)
        return Reason(
            "traffic.tier.normal",
            f"账号健康度 {tier.index:.1f} 在 {traffic.low_tier_below_index:.0f}–{traffic.high_tier_min_index:.0f} 之间：正常推荐，"
            f"没有高健康度账号 ×{traffic.high_tier_recommend_multiplier:g} 的推荐池概率；距离高档位还差 {gap:.1f} 分",
            1.0,
            {**numbers, "gap_to_high": round(gap, 2)},
            "用 redline explain account 查看健康度的短板指标，优先补最低的一项。",
        )
    return None
