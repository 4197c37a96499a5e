"""The commerce horse race (赛马): merchants of one category ranked on sales performance.

Each merchant's score is a weighted sum of its GMV percentile and its conversion percentile
within the category over the policy window. The top share (10 %) splits the policy's bulk of
the category's commerce traffic in proportion to score; the rest split the remainder. A merchant
sees its rank, the cut-off and the gap to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from redline.policy import Policy


@dataclass(frozen=True, slots=True)
class MerchantSales:
    merchant_id: str
    category: str
    gmv: float  # sales amount over the window
    orders: int
    visits: int  # product-page visits (conversion = orders / visits)

    @property
    def conversion(self) -> float:
        return self.orders / self.visits if self.visits > 0 else 0.0


@dataclass(frozen=True, slots=True)
class RaceStanding:
    merchant_id: str
    category: str
    rank: int  # 1 = best
    merchants: int
    score: float
    in_top: bool
    cutoff_rank: int  # the last rank inside the top share
    cutoff_score: float
    gap_to_cutoff: float  # score still needed (0 when inside)
    gmv_gap_to_cutoff: float  # GMV of the cut-off merchant minus this merchant's (0 when inside)
    traffic_share: float  # share of the category's commerce traffic

    def explain(self) -> str:
        if self.in_top:
            return f"{self.category} 类目 {self.merchants} 个商家中排名第 {self.rank}，位于前 {self.cutoff_rank} 名（头部），分得 {self.traffic_share:.1%} 的电商流量。"
        return (
            f"{self.category} 类目 {self.merchants} 个商家中排名第 {self.rank}，头部线为第 {self.cutoff_rank} 名；"
            f"距离头部还差 {self.gap_to_cutoff:.2f} 分（约 GMV ¥{self.gmv_gap_to_cutoff:,.0f}），目前分得 {self.traffic_share:.2%} 的电商流量。"
        )


def _percentiles(values: list[float]) -> list[float]:
    """Mid-rank percentile of each value within the list (ties share a percentile)."""
    n = len(values)
    order = sorted(values)
    result = []
    for value in values:
        below = sum(1 for v in order if v < value)
        equal = sum(1 for v in order if v == value)
        result.append((below + 0.5 * equal) / n)
    return result


def race(category_sales: list[MerchantSales], policy: Policy) -> list[RaceStanding]:
    """Standings for the merchants of ONE category, best first."""
    if not category_sales:
        return []
    config = policy.traffic.horse_race
    gmv_pct = _percentiles([m.gmv for m in category_sales])
    conv_pct = _percentiles([m.conversion for m in category_sales])
    scored = sorted(
        (
            (config.gmv_weight * g + config.conversion_weight * c, m)
            for g, c, m in zip(gmv_pct, conv_pct, category_sales)
        ),
        key=lambda pair: (-pair[0], -pair[1].gmv, pair[1].merchant_id),
    )
    n = len(scored)
    top_count = max(1, math.ceil(n * config.top_share))
    top_total = sum(score for score, _ in scored[:top_count]) or 1.0
    rest_total = sum(score for score, _ in scored[top_count:]) or 1.0
    rest_bulk = 1.0 - config.top_traffic_share if n > top_count else 0.0
    top_bulk = config.top_traffic_share if n > top_count else 1.0
    cutoff_score, cutoff_merchant = scored[top_count - 1]
    standings = []
    for rank, (score, merchant) in enumerate(scored, 1):
        in_top = rank <= top_count
        share = (top_bulk * score / top_total) if in_top else (rest_bulk * score / rest_total)
        standings.append(
            RaceStanding(
                merchant.merchant_id,
                merchant.category,
                rank,
                n,
                round(score, 4),
                in_top,
                top_count,
                round(cutoff_score, 4),
                0.0 if in_top else round(cutoff_score - score, 4),
                0.0 if in_top else max(cutoff_merchant.gmv - merchant.gmv, 0.0),
                share,
            )
        )
    return standings


def race_all(sales: list[MerchantSales], policy: Policy) -> dict[str, list[RaceStanding]]:
    by_category: dict[str, list[MerchantSales]] = {}
    for merchant in sales:
        by_category.setdefault(merchant.category, []).append(merchant)
    return {category: race(items, policy) for category, items in sorted(by_category.items())}
