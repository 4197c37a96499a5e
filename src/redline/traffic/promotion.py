"""Paid promotion: the objective decides the audience, and so what the money buys.

An engagement objective (like 薯条: likes, saves, follows) buys impressions from the segments
most likely to like — who are not the ones most likely to buy; a conversion objective (like
聚光/千帆: orders, ROI) buys from the likely buyers. `compare_objectives` tells the creator,
before paying, what each objective is expected to buy, so nobody buys likes expecting sales.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from redline.errors import InputError
from redline.policy import Policy
from redline.policy.sections.traffic import AudienceSegment

Objective = Literal["engagement", "conversion"]
OBJECTIVE_LABELS = {"engagement": "互动（点赞/收藏/涨粉，如薯条）", "conversion": "转化（下单/ROI，如聚光/千帆）"}


@dataclass(frozen=True, slots=True)
class CampaignForecast:
    objective: Objective
    budget: float
    impressions: int
    allocation: dict[str, int]  # segment → impressions
    likes: float
    saves: float
    follows: float
    orders: float
    gmv: float

    @property
    def roi(self) -> float:
        return self.gmv / self.budget if self.budget else 0.0

    def to_dict(self) -> dict:
        return {
            "objective": self.objective,
            "budget": self.budget,
            "impressions": self.impressions,
            "allocation": self.allocation,
            "likes": round(self.likes, 1),
            "saves": round(self.saves, 1),
            "follows": round(self.follows, 1),
            "orders": round(self.orders, 2),
            "gmv": round(self.gmv, 2),
            "roi": round(self.roi, 3),
        }


def _value(segment: AudienceSegment, objective: Objective) -> float:
    if objective == "engagement":
        return segment.like_rate + segment.save_rate + segment.follow_rate
    return segment.order_rate


def forecast(objective: Objective, budget: float, policy: Policy, audience_size: int = 1_000_000) -> CampaignForecast:
    """Spend `budget` on the segments that serve `objective` best, each up to its capacity."""
    if objective not in OBJECTIVE_LABELS:
        raise InputError(f"投放目标必须是 engagement 或 conversion，收到 {objective!r}")
    if budget <= 0:
        raise InputError(f"预算必须大于 0（收到 {budget}）")
    promotion = policy.traffic.promotion
    remaining = int(budget / promotion.cpm * 1000)
    total = remaining
    allocation: dict[str, int] = {}
    likes = saves = follows = orders = 0.0
    for segment in sorted(promotion.segments, key=lambda s: _value(s, objective), reverse=True):
        if remaining <= 0:
            break
        taken = min(remaining, int(segment.capacity_share * audience_size))
        allocation[segment.name] = taken
        remaining -= taken
        likes += taken * segment.like_rate
        saves += taken * segment.save_rate
        follows += taken * segment.follow_rate
        orders += taken * segment.order_rate
    return CampaignForecast(objective, budget, total - remaining, allocation, likes, saves, follows, orders, orders * promotion.average_order_value)


def compare_objectives(budget: float, policy: Policy) -> dict[Objective, CampaignForecast]:
    return {objective: forecast(objective, budget, policy) for objective in ("engagement", "conversion")}


def objective_advice(forecasts: dict[Objective, CampaignForecast]) -> str:
    engagement, conversion = forecasts["engagement"], forecasts["conversion"]
    return (
        f"同样花 ¥{engagement.budget:,.0f}：选“互动”目标预计带来约 {engagement.likes:,.0f} 个赞、{engagement.orders:,.1f} 单（ROI {engagement.roi:.2f}）；"
        f"选“转化”目标预计约 {conversion.likes:,.0f} 个赞、{conversion.orders:,.1f} 单（ROI {conversion.roi:.2f}）。"
        "互动目标会把曝光给爱点赞的人，他们和愿意下单的人不是同一批：想要销量请选转化目标。"
    )
