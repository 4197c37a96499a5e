"""The "shop drags my notes" check (耗电一体): what a weak shop costs an account's notes.

A note with a product attached gets commerce traffic only, and commerce traffic follows the
shop's standing in its category's horse race. For an account that both posts and sells, this
estimates the reach its product notes get in the commerce pool against what the same account's
notes get in the community pool, and whether separating the shop from the posting account
(耗电分离) would help — with the numbers, not a verdict.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NoteReach:
    note_id: str
    pool: str  # community | commerce | mixed (its pool changed after publication: left out)
    impressions: int


@dataclass(frozen=True, slots=True)
class ShopDragReport:
    account_id: str
    community_notes: int
    commerce_notes: int
    community_median: float | None  # impressions per community note
    commerce_median: float | None  # impressions per product note
    shop_traffic_share: float | None  # the shop's share of its category's commerce traffic
    shop_rank: int | None
    estimated_loss: float  # impressions the product notes lose against community notes
    separate_helps: bool
    message: str

    def to_dict(self) -> dict:
        return {
            "account_id": self.account_id,
            "community_notes": self.community_notes,
            "commerce_notes": self.commerce_notes,
            "community_median_impressions": self.community_median,
            "commerce_median_impressions": self.commerce_median,
            "shop_traffic_share": self.shop_traffic_share,
            "shop_rank": self.shop_rank,
            "estimated_loss_impressions": round(self.estimated_loss, 1),
            "separate_helps": self.separate_helps,
            "message": self.message,
        }


def shop_drag(
    account_id: str,
    reach: list[NoteReach],
    shop_traffic_share: float | None = None,
    shop_rank: int | None = None,
    merchants_in_category: int | None = None,
    min_gap: float = 0.0,
) -> ShopDragReport:
    """`min_gap`: the share by which product notes must trail community notes to count as a drag."""
    community = [r.impressions for r in reach if r.pool == "community"]
    commerce = [r.impressions for r in reach if r.pool == "commerce"]
    community_median = statistics.median(community) if community else None
    commerce_median = statistics.median(commerce) if commerce else None
    if not commerce:
        message = "该账号没有挂商品的笔记，店铺表现不影响笔记流量。"
        return ShopDragReport(account_id, len(community), 0, community_median, None, shop_traffic_share, shop_rank, 0.0, False, message)
    if community_median is None:
        message = (
            f"该账号近期挂商品的 {len(commerce)} 篇笔记只获得电商流量（中位曝光 {commerce_median:,.0f}）；"
            "没有从未挂商品的笔记可作对照，无法估计社区流量。可先发一篇不挂商品的笔记作对照。"
        )
        return ShopDragReport(account_id, 0, len(commerce), None, commerce_median, shop_traffic_share, shop_rank, 0.0, False, message)
    loss_per_note = max(community_median - commerce_median, 0.0)
    loss = loss_per_note * len(commerce)
    helps = loss_per_note > 0 and commerce_median <= community_median * (1.0 - min_gap)
    standing = ""
    if shop_rank is not None and merchants_in_category:
        standing = f"店铺在同类商家赛马中排第 {shop_rank}/{merchants_in_category} 名"
        if shop_traffic_share is not None:
            standing += f"，分得该类目 {shop_traffic_share:.2%} 的电商流量"
        standing += "；"
    if helps:
        message = (
            f"{standing}挂商品的笔记中位曝光 {commerce_median:,.0f}，不挂商品的笔记 {community_median:,.0f}："
            f"{len(commerce)} 篇商品笔记估计少了约 {loss:,.0f} 次曝光。"
            "建议耗电分离：发帖账号不挂商品以获得社区流量，店铺用单独账号经营；或先发笔记、获得社区流量后再挂车。"
        )
    else:
        message = (
            f"{standing}挂商品的笔记中位曝光 {commerce_median:,.0f}，不挂商品的笔记 {community_median:,.0f}："
            + ("" if loss_per_note <= 0 else f"差距小于 {min_gap:.0%}，属于正常波动；")
            + "店铺表现没有拖累笔记流量，暂不需要耗电分离。"
        )
    return ShopDragReport(account_id, len(community), len(commerce), community_median, commerce_median, shop_traffic_share, shop_rank, loss, helps, message)
