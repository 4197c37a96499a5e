"""The traffic decision for one note: pools, the multiplier in force, and every reason.

Inputs are plain facts (the note's signals and findings, the account's index, the sanctions the
ledger holds); the decision is a pure function of them and the policy, so a creator can be shown
exactly why a note is limited (限流诊断) and what would lift it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from redline.policy import Policy
from redline.traffic.pools import Pool, ProductLinkEvent, pool_at
from redline.traffic.reasons import Reason
from redline.traffic.teen_mode import check_teen_publish, in_quiet_hours, teen_pool_eligible
from redline.traffic.tiers import Tier, tier_reason


@dataclass(frozen=True, slots=True)
class SanctionFact:
    """A sanction in force from the ledger, as far as traffic is concerned."""

    kind: str  # throttle | mute | remove | ban | commercial_restriction | demotion | watchlist
    start: datetime
    end: datetime | None
    note_id: str | None = None  # None: account-wide
    keeps: float | None = None  # share of traffic a throttle keeps (None: the policy default)
    because: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ListingFact:
    """The listing check of the product a note carries (引流款 checks, `kind="product"`)."""

    product_id: str
    price: float
    rule: str | None = None  # price.floor | price.risk | None (a normal price)
    severity: str | None = None  # violation | warning
    evidence: str = ""
    diversion_cues: tuple[str, ...] = ()  # contact or off-platform cues found in the listing


@dataclass(frozen=True, slots=True)
class NoteFacts:
    note_id: str
    published_at: datetime
    category: str = ""
    chars: int = 0
    is_science: bool = False
    science_has_source: bool = True
    duplicate_ratio: float | None = None
    originality: float | None = None
    interaction_rate: float | None = None
    dwell_ratio: float | None = None  # mean dwell / category baseline
    quality_score: float | None = None  # the note's quality dimension, 0–100
    under_review: bool = False  # ≥ 5 valid reports in 24 h, not yet decided
    marketing: float | None = None
    product_history: tuple[ProductLinkEvent, ...] = ()
    listing: ListingFact | None = None  # the product attached now, when it has been checked
    teen_audience: bool = False  # the account's audience is in teen mode (青少年模式)
    teen_index: float | None = None  # the account's teen-pool index (`teen_mode.teen_index`)


@dataclass(frozen=True, slots=True)
class TrafficDecision:
    note_id: str
    at: datetime
    pools: tuple[Pool, ...]
    multiplier: float
    reasons: tuple[Reason, ...]
    policy_version: str
    blocked: bool = False  # removed or the account banned: no traffic at all

    def to_dict(self) -> dict[str, Any]:
        return {
            "note_id": self.note_id,
            "pools": list(self.pools),
            "multiplier": round(self.multiplier, 4),
            "blocked": self.blocked,
            "reasons": [reason.to_dict() for reason in self.reasons],
            "policy_version": self.policy_version,
        }


@dataclass
class _Collector:
    reasons: list[Reason] = field(default_factory=list)

    def add(self, reason: Reason | None) -> None:
        if reason is not None:
            self.reasons.append(reason)


def _in_force(sanction: SanctionFact, at: datetime) -> bool:
    return sanction.start <= at and (sanction.end is None or at < sanction.end)


def _until(sanction: SanctionFact) -> str:
    return "永久" if sanction.end is None else f"至 {sanction.end:%Y-%m-%d %H:%M}"


def _sanction_reasons(note: NoteFacts, sanctions: list[SanctionFact], at: datetime, policy: Policy) -> list[Reason]:
    reasons: list[Reason] = []
    for sanction in sanctions:
        if not _in_force(sanction, at) or (sanction.note_id not in (None, note.note_id)):
            continue
        numbers = {"start": sanction.start.isoformat(), "end": sanction.end.isoformat() if sanction.end else None, "because": list(sanction.because)}
        scope = "本篇笔记" if sanction.note_id else "账号"
        if sanction.kind in ("remove", "ban"):
            label = "笔记下架" if sanction.kind == "remove" else "账号封禁"
            reasons.append(Reason(f"ledger.{sanction.kind}", f"{label}（{_until(sanction)}）：没有任何流量。{sanction.reason}", 0.0, numbers, "如认为处罚有误，可对相关扣分记录提出申诉。"))
        elif sanction.kind in ("throttle", "demotion"):
            keeps = sanction.keeps if sanction.keeps is not None else policy.traffic.throttle_keeps
            label = "限流" if sanction.kind == "throttle" else "降权"
            reasons.append(Reason(f"ledger.{sanction.kind}", f"{scope}{label} {1 - keeps:.0%}（{_until(sanction)}）。{sanction.reason}", keeps, {**numbers, "keeps": keeps}, "到期后自动解除；期间避免再次违规，否则处罚升级。"))
        elif sanction.kind == "mute":
            reasons.append(Reason("ledger.mute", f"账号禁言（{_until(sanction)}）：不能发布与评论，已发布笔记不受影响。{sanction.reason}", 1.0, numbers, "禁言到期后恢复；再次导流会被更严厉处罚。"))
        elif sanction.kind == "commercial_restriction":
            reasons.append(Reason("ledger.commercial_restriction", f"商业合作权限受限（{_until(sanction)}）：不能接蒲公英订单。{sanction.reason}", 1.0, numbers, "期间发布合规内容，限制到期自动解除。"))
    return reasons


def _span(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.1f} 天" if hours >= 24 else f"{hours:.1f} 小时"


def _low_price_reason(listing: ListingFact | None, policy: Policy) -> Reason | None:
    """A low-price listing (引流款) cuts the commerce traffic of the notes that carry it."""
    if listing is None or listing.rule not in ("price.floor", "price.risk"):
        return None
    low = policy.traffic.low_price
    prices = policy.checks.price
    numbers = {"product_id": listing.product_id, "price": listing.price, "violation_floor": prices.violation_floor, "risk_below": prices.risk_below,
               "diversion_cues": list(listing.diversion_cues)}
    cues = (
        f"；商品文案中还有导流内容 {'、'.join(f'「{c}」' for c in listing.diversion_cues)}，按借商品变相导流从重处理。"
        if listing.diversion_cues else "。"
    )
    if listing.rule == "price.floor":
        return Reason(
            "traffic.low_price.floor",
            f"挂载的商品售价 ¥{listing.price:g} 不高于引流款底线 ¥{prices.violation_floor:g}：判定为引流款，"
            f"该商品笔记的电商流量 ×{low.floor_shop_multiplier:g}" + cues,
            low.floor_shop_multiplier,
            numbers,
            f"把售价调整到正常水平（至少 ¥{prices.risk_below:g}），删除文案中的联系方式；违规已计入店铺账号的扣分台账。",
        )
    return Reason(
        "traffic.low_price.risk",
        f"挂载的商品售价 ¥{listing.price:g} 低于低价风险线 ¥{prices.risk_below:g}：疑似引流款，电商流量 ×{low.risk_shop_multiplier:g}" + cues,
        low.risk_shop_multiplier,
        numbers,
        f"确认定价真实、商品与描述一致；售价不低于 ¥{prices.risk_below:g} 即不再受此限制。",
    )


def _teen_reasons(note: NoteFacts, policy: Policy) -> list[Reason]:
    """Teen-pool eligibility; the note's own pool is untouched (multiplier 1)."""
    teen = policy.traffic.teen_mode
    reasons = []
    local = note.published_at.astimezone(ZoneInfo(policy.signals.timezone))
    if in_quiet_hours(local.replace(tzinfo=None), policy):
        check = check_teen_publish(local.replace(tzinfo=None), policy)
        reasons.append(Reason(
            "traffic.teen.night_publish",
            f"青少年模式账号在 {teen.no_publish_from}–{teen.no_publish_until} 禁止发布，本篇发布于当地时间 {local:%H:%M}："
            "不进入青少年流量池（普通流量不受影响）。",
            1.0,
            {"published_local": local.strftime("%Y-%m-%d %H:%M"), "no_publish_from": teen.no_publish_from, "no_publish_until": teen.no_publish_until,
             "next_allowed_at": check.next_allowed_at.strftime("%Y-%m-%d %H:%M") if check.next_allowed_at else None},
            f"青少年模式下请在 {teen.no_publish_until} 之后、{teen.no_publish_from} 之前发布；发布前可用 redline teen-publish 检查时间。",
        ))
    if note.category and note.category.lower() in {c.lower() for c in teen.excluded_categories}:
        reasons.append(Reason(
            "traffic.teen.excluded_category",
            f"“{note.category}”属于青少年模式屏蔽的品类：不进入青少年流量池（普通流量不受影响）。",
            1.0,
            {"category": note.category},
            "面向青少年的内容请选择适龄品类。",
        ))
    elif not reasons:
        eligible, message = teen_pool_eligible(note.category, note.teen_index, policy)
        reasons.append(Reason(
            "traffic.teen.pool" if eligible else "traffic.teen.index_low",
            message + ("" if eligible else "（普通流量不受影响）"),
            1.0,
            {"teen_index": None if note.teen_index is None else round(note.teen_index, 1), "min_index": teen.min_index},
            "" if eligible else "面向青少年的笔记减少营销内容，避免价值观、导流与功效宣称类问题，可提高青少年模式健康度。",
        ))
    return reasons


def decide_note(
    note: NoteFacts,
    tier: Tier,
    sanctions: list[SanctionFact],
    at: datetime,
    policy: Policy,
) -> TrafficDecision:
    traffic = policy.traffic
    signals = policy.signals
    originality_policy = policy.originality
    collected = _Collector()

    pool = pool_at(list(note.product_history), at)
    if pool == "commerce":
        attached = max((e.at for e in note.product_history if e.product_id and e.at <= at), default=None)
        later = attached is not None and attached > note.published_at
        zone = ZoneInfo(policy.signals.timezone)  # times shown in the community's local time
        effect = "笔记挂了商品（商品笔记）：只进入电商流量池，不再获得社区流量" + (f"（自 {attached.astimezone(zone):%Y-%m-%d %H:%M} 起）" if attached else "")
        if later:
            effect += f"。本篇发布于 {note.published_at.astimezone(zone):%Y-%m-%d %H:%M}，发布后 {_span(attached - note.published_at)}才挂车：挂车前获得的社区流量保留在历史中"
        collected.add(Reason(
            "traffic.pool.commerce",
            effect,
            1.0,
            {"attached_at": attached.isoformat() if attached else None, "published_at": note.published_at.isoformat(), "attached_after_publication": later},
            "若想先获得社区流量，可先发布不挂商品的笔记，之后再挂车；挂车后的电商流量取决于店铺在同类商家赛马中的表现。",
        ))

        collected.add(_low_price_reason(note.listing, policy))

    if note.teen_audience:
        for reason in _teen_reasons(note, policy):
            collected.add(reason)

    is_new = at - note.published_at <= timedelta(days=traffic.new_note_days)
    collected.add(tier_reason(tier, is_new, policy))

    if note.under_review:
        collected.add(Reason(
            "traffic.review_hold",
            f"24 小时内收到 ≥ {signals.reports_for_review} 次有效举报：暂停推荐，等待人工复核",
            traffic.review_hold_multiplier,
            {"reports_for_review": signals.reports_for_review, "window_hours": signals.reports_window_hours},
            "复核通过后恢复；核实违规将扣分并限制曝光。",
        ))

    if note.is_science and not note.science_has_source:
        collected.add(Reason(
            "traffic.science_no_source",
            f"科普笔记未注明参考文献或权威来源：限流 {1 - traffic.science_no_source_multiplier:.0%}",
            traffic.science_no_source_multiplier,
            {},
            "在文中注明来源，如《中华皮肤科杂志》、DOI、PMID 或“参考文献”列表。",
        ))
    elif note.is_science and note.category.lower() in {c.lower() for c in traffic.science_fund_categories} and note.quality_score is not None:
        floor, full = traffic.science_fund_quality_floor, traffic.science_fund_quality_full
        share = min(max((note.quality_score - floor) / (full - floor), 0.0), 1.0)
        multiplier = 1.0 + share * (traffic.science_fund_max_multiplier - 1.0)
        if multiplier > 1.0:
            collected.add(Reason(
                "traffic.science_fund",
                f"带文献的{note.category}科普：科普创作基金加热 ×{multiplier:.1f}（最高 ×{traffic.science_fund_max_multiplier:g}）",
                multiplier,
                {"quality_score": note.quality_score, "quality_floor": floor, "quality_full": full},
                "继续提升内容质量（原创、信息增量、结构）可获得更高加热。",
            ))

    if note.duplicate_ratio is not None and note.duplicate_ratio > originality_policy.low_quality_duplicate_ratio:
        collected.add(Reason(
            "traffic.duplicate_low_quality",
            f"重复率 {note.duplicate_ratio:.0%} > {originality_policy.low_quality_duplicate_ratio:.0%}：判定为低质内容",
            traffic.duplicate_low_quality_multiplier,
            {"duplicate_ratio": note.duplicate_ratio, "threshold": originality_policy.low_quality_duplicate_ratio},
            "改写与已有笔记重复的段落，加入自己的经历与观点。",
        ))
    elif (
        note.originality is not None
        and note.originality >= originality_policy.bonus_min_originality
        and note.chars > originality_policy.bonus_min_chars
    ):
        collected.add(Reason(
            "traffic.originality_bonus",
            f"原创度 {note.originality:.0%} ≥ {originality_policy.bonus_min_originality:.0%} 且 {note.chars} 字 > {originality_policy.bonus_min_chars} 字：流量加权",
            traffic.originality_bonus_multiplier,
            {"originality": note.originality, "chars": note.chars},
            "保持原创长图文。",
        ))

    if note.interaction_rate is not None and note.interaction_rate < signals.interaction_stop:
        collected.add(Reason(
            "traffic.interaction_stop",
            f"互动率 {note.interaction_rate:.2%} < {signals.interaction_stop:.0%}：停止推荐",
            traffic.interaction_stop_multiplier,
            {"interaction_rate": note.interaction_rate, "stop_below": signals.interaction_stop, "healthy": signals.interaction_healthy},
            f"互动率（点赞+收藏+评论）/阅读需 ≥ {signals.interaction_healthy:.0%}：优化封面标题、在文末提出具体问题引导讨论。",
        ))

    if note.dwell_ratio is not None and note.dwell_ratio > signals.dwell_high_value_factor:
        collected.add(Reason(
            "traffic.dwell_second_push",
            f"平均停留时长为同类基准的 {note.dwell_ratio:.0%}（> {signals.dwell_high_value_factor:.0%}）：判定为高价值内容，触发二次推荐",
            traffic.dwell_second_push_multiplier,
            {"dwell_ratio": note.dwell_ratio, "threshold": signals.dwell_high_value_factor},
            "保持内容深度。",
        ))

    for reason in _sanction_reasons(note, sanctions, at, policy):
        collected.add(reason)

    multiplier = 1.0
    for reason in collected.reasons:
        multiplier *= reason.multiplier
    multiplier = min(multiplier, traffic.max_multiplier)
    blocked = any(r.rule in ("ledger.remove", "ledger.ban") for r in collected.reasons)
    return TrafficDecision(note.note_id, at, (pool,), 0.0 if blocked else multiplier, tuple(collected.reasons), policy.version, blocked)
