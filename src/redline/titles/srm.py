"""Sample-ratio mismatch: did each arm get the traffic it was meant to get?

If the serving layer assigned impressions differently from the plan (a cache that pins one title,
a bot filter that drops one arm's clicks…), the arms are no longer comparable and no result of
the test can be trusted. A chi-square goodness-of-fit test of the assigned impressions against the
intended shares detects it; below the policy's p-value the test halts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from redline.titles.stats import chi2_sf


@dataclass(frozen=True)
class SrmResult:
    statistic: float
    dof: int
    p_value: float
    mismatch: bool
    checked: bool  # False when there was too little traffic to check

    def reason(self) -> str:
        if not self.checked:
            return "流量太少，尚未做分流比例检查。"
        if self.mismatch:
            return (
                f"分流比例与计划不符（卡方 {self.statistic:.1f}，自由度 {self.dof}，p={self.p_value:.2g}）："
                "实验分组被破坏，结果不可信，实验已暂停。"
            )
        return f"分流比例正常（p={self.p_value:.2g}）。"


def srm_check(
    assigned: Sequence[float], intended: Sequence[float], p_threshold: float, min_impressions: int = 0
) -> SrmResult:
    """Chi-square test of `assigned` impressions per arm against `intended` shares or counts.

    `intended` may be shares or planned counts: only their proportions matter. Arms intended to
    get nothing are left out (an arm that got traffic it was never meant to get is a mismatch).
    """
    if len(assigned) != len(intended):
        raise ValueError("assigned and intended must have one entry per arm")
    total = float(sum(assigned))
    planned = float(sum(intended))
    if total < max(min_impressions, 1) or planned <= 0:
        return SrmResult(0.0, 0, 1.0, False, False)
    statistic = 0.0
    cells = 0
    for got, share in zip(assigned, intended):
        if got < 0:
            raise ValueError("impressions cannot be negative")
        expected = total * share / planned
        if expected <= 0:
            if got > 0:
                return SrmResult(float("inf"), max(cells, 1), 0.0, True, True)
            continue
        statistic += (got - expected) ** 2 / expected
        cells += 1
    dof = cells - 1
    if dof < 1:
        return SrmResult(0.0, 0, 1.0, False, False)
    p_value = chi2_sf(statistic, dof)
    return SrmResult(statistic, dof, p_value, p_value < p_threshold, True)
