"""Why did reach fall: notes became more promotional, or a sanction? (a correlation, shown)

The source document's point: accounts that open a shop start writing more promotional notes, and
their reach falls — correlation, not a hidden rule. This separates the two visible causes for a
creator: the rank correlation between a note's marketing intensity and its reach over notes
published outside any sanction, and the reach of notes published under a sanction against those
that were not.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import numpy as np

from redline.policy import Policy


@dataclass(frozen=True, slots=True)
class NoteMarketing:
    note_id: str
    marketing: float  # 0–1 marketing intensity of the text
    impressions: int
    under_sanction: bool  # a throttle/demotion/mute was in force while it was distributed


@dataclass(frozen=True, slots=True)
class ReachExplanation:
    notes: int
    marketing_reach_correlation: float | None  # Spearman's rho over notes outside sanctions
    sanctioned_median: float | None
    unsanctioned_median: float | None
    promotional_median: float | None  # reach of the more promotional half (outside sanctions)
    plain_median: float | None
    main_cause: str  # "marketing" | "sanction" | "both" | "neither" | "unknown"
    message: str

    def to_dict(self) -> dict:
        return {
            "notes": self.notes,
            "marketing_reach_correlation": None if self.marketing_reach_correlation is None else round(self.marketing_reach_correlation, 3),
            "sanctioned_median_impressions": self.sanctioned_median,
            "unsanctioned_median_impressions": self.unsanctioned_median,
            "promotional_median_impressions": self.promotional_median,
            "plain_median_impressions": self.plain_median,
            "main_cause": self.main_cause,
            "message": self.message,
        }


def _spearman(x: list[float], y: list[float]) -> float | None:
    if len(x) < 3 or len(set(x)) < 2 or len(set(y)) < 2:
        return None
    rx = np.argsort(np.argsort(x)).astype(float)
    ry = np.argsort(np.argsort(y)).astype(float)
    return float(np.corrcoef(rx, ry)[0, 1])


def explain_reach(notes: list[NoteMarketing], policy: Policy) -> ReachExplanation:
    correlation_threshold = policy.traffic.reach_marketing_correlation
    sanction_drop = policy.traffic.reach_sanction_drop
    free = [n for n in notes if not n.under_sanction]
    sanctioned = [n for n in notes if n.under_sanction]
    enough = len(free) >= policy.traffic.reach_min_notes
    rho = _spearman([n.marketing for n in free], [float(n.impressions) for n in free]) if enough else None
    sanctioned_median = statistics.median(n.impressions for n in sanctioned) if sanctioned else None
    free_median = statistics.median(n.impressions for n in free) if free else None
    promotional = plain = None
    if len(free) >= 2:
        ordered = sorted(free, key=lambda n: n.marketing)
        half = len(ordered) // 2
        plain = statistics.median(n.impressions for n in ordered[:half])
        promotional = statistics.median(n.impressions for n in ordered[half:])
    marketing_effect = rho is not None and rho <= correlation_threshold
    sanction_effect = sanctioned_median is not None and free_median not in (None, 0) and sanctioned_median <= sanction_drop * free_median
    if rho is None and sanctioned_median is None:
        cause, message = "unknown", f"笔记太少或数据不足，无法区分原因（至少需要 {policy.traffic.reach_min_notes} 篇未受处罚的笔记）。"
    else:
        parts = []
        if rho is not None:
            parts.append(
                f"未受处罚的 {len(free)} 篇笔记中，营销强度与曝光的秩相关系数为 {rho:.2f}"
                + (f"（营销化较强的一半中位曝光 {promotional:,.0f}，较弱的一半 {plain:,.0f}）" if promotional is not None else "")
            )
        if sanctioned_median is not None:
            parts.append(f"处罚期间发布的 {len(sanctioned)} 篇笔记中位曝光 {sanctioned_median:,.0f}，其余 {free_median or 0:,.0f}")
        if marketing_effect and sanction_effect:
            cause, verdict = "both", "两者都有：笔记越营销化曝光越低，处罚期间曝光也明显下降。"
        elif marketing_effect:
            cause, verdict = "marketing", "曝光下降主要与笔记变得更营销化有关（相关性，不是隐藏规则）：减少硬广、增加真实体验与信息增量。"
        elif sanction_effect:
            cause, verdict = "sanction", "曝光下降主要发生在处罚期间：处罚到期后会恢复，期间避免再次违规。"
        else:
            cause, verdict = "neither", "营销强度与处罚都不能解释曝光变化，可检查互动率、封面标题与发布时间。"
        message = "；".join(parts) + "。" + verdict
    return ReachExplanation(len(notes), rho, sanctioned_median, free_median, promotional, plain, cause, message)
