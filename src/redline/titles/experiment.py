"""One title experiment, as plain values: plan the next batch, judge the results so far.

The original title is arm 0 (the control). Everything here is pure: the store keeps the state,
the caller passes a seeded random generator (posterior sampling), nothing is read or written.

Order of judgement after every batch:
1. sample-ratio mismatch → the test halts (broken assignment; nothing can be concluded);
2. a variant beats the original under the always-valid test, with posterior P(beats) ≥ the
   policy's confidence → the creator is asked whether to switch;
3. the horizon is used up → the test ends and the original stays;
4. otherwise the test goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from redline.policy import Policy
from redline.titles.bandit import AllocationSettings, batch_shares
from redline.titles.srm import SrmResult, srm_check
from redline.titles.stopping import winners

Status = Literal["running", "winner", "halted", "horizon"]


@dataclass(frozen=True)
class Arm:
    title: str
    prior_lift: float = 0.0  # predicted log CTR relative to the original
    impressions: int = 0
    clicks: int = 0
    intended: float = 0.0  # impressions the plans meant this arm to get (for the SRM check)

    @property
    def ctr(self) -> float:
        return self.clicks / self.impressions if self.impressions else 0.0


@dataclass(frozen=True)
class Experiment:
    arms: tuple[Arm, ...]
    horizon: int
    expected_ctr: float

    @property
    def served(self) -> int:
        return sum(arm.impressions for arm in self.arms)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        clicks = np.array([[arm.clicks for arm in self.arms]], dtype=float)
        impressions = np.array([[arm.impressions for arm in self.arms]], dtype=float)
        active = np.ones_like(clicks, dtype=bool)
        prior_mean = np.array([[self.expected_ctr * np.exp(arm.prior_lift) for arm in self.arms]])
        return clicks, impressions, active, prior_mean


def allocation_settings(policy: Policy) -> AllocationSettings:
    e = policy.titles.experiment
    return AllocationSettings(
        control_share=e.control_share,
        min_arm_share=e.min_arm_share,
        burn_in=e.burn_in,
        prior_strength=e.prior_strength,
        draws=e.posterior_draws,
        sharpening=e.sharpening,
    )


@dataclass(frozen=True)
class BatchPlan:
    shares: tuple[float, ...]
    counts: tuple[int, ...]  # impressions per arm for a batch of `sum(counts)`
    p_best: tuple[float, ...]


def split_counts(total: int, shares: np.ndarray) -> tuple[int, ...]:
    """Largest-remainder rounding: integer counts summing exactly to `total`."""
    raw = np.asarray(shares, dtype=float) * total
    counts = np.floor(raw).astype(int)
    short = total - int(counts.sum())
    if short > 0:
        order = np.argsort(-(raw - counts), kind="stable")
        counts[order[:short]] += 1
    return tuple(int(c) for c in counts)


def plan_batch(experiment: Experiment, policy: Policy, rng: np.random.Generator, size: int | None = None) -> BatchPlan:
    """Shares of the next batch (burn-in, sharpened Thompson sampling, control floor)."""
    size = policy.titles.experiment.batch_impressions if size is None else size
    if size <= 0:
        raise ValueError("batch size must be positive")
    clicks, impressions, active, prior_mean = experiment.arrays()
    used = np.array([min(experiment.served / experiment.horizon, 1.0)])
    allocation = batch_shares(clicks, impressions, active, prior_mean, used, allocation_settings(policy), rng)
    shares = allocation.shares[0]
    return BatchPlan(tuple(float(s) for s in shares), split_counts(size, shares), tuple(float(p) for p in allocation.p_best[0]))


@dataclass(frozen=True)
class Verdict:
    status: Status
    winner: int | None
    p_best: tuple[float, ...]
    p_beats_control: tuple[float, ...]
    srm: SrmResult
    prompt: str | None
    reasons: tuple[str, ...] = field(default_factory=tuple)


def swap_prompt(variant_ctr: float, original_ctr: float, p_win: float) -> str:
    """The question put to the creator (SPEC R-TTL)."""
    return f"新标题点击率 {variant_ctr * 100:.2f}% vs 原标题 {original_ctr * 100:.2f}%（胜出概率 {p_win * 100:.0f}%），是否替换？"


def evaluate(experiment: Experiment, policy: Policy, rng: np.random.Generator) -> Verdict:
    """Judge the experiment as it stands (see the module docstring for the order)."""
    e = policy.titles.experiment
    clicks, impressions, active, prior_mean = experiment.arrays()
    used = np.array([min(experiment.served / experiment.horizon, 1.0)])
    allocation = batch_shares(clicks, impressions, active, prior_mean, used, allocation_settings(policy), rng)
    p_best = tuple(float(p) for p in allocation.p_best[0])
    p_beats = tuple(float(p) for p in allocation.p_beats_control[0])
    srm = srm_check(
        [arm.impressions for arm in experiment.arms],
        [arm.intended for arm in experiment.arms],
        e.srm_p_value,
        e.srm_min_impressions,
    )
    if srm.mismatch:
        return Verdict("halted", None, p_best, p_beats, srm, None, (srm.reason(),))
    significant = winners(clicks, impressions, active, e.alpha, e.mixture_relative_sd, e.burn_in)[0]
    candidates = [i for i in range(1, len(experiment.arms)) if significant[i] and p_beats[i] >= e.confidence]
    if candidates:
        best = max(candidates, key=lambda i: (experiment.arms[i].ctr, p_beats[i]))
        arm, original = experiment.arms[best], experiment.arms[0]
        prompt = swap_prompt(arm.ctr, original.ctr, p_beats[best])
        reason = (
            f"新标题「{arm.title}」{arm.impressions} 次曝光 {arm.clicks} 次点击，原标题 {original.impressions} 次曝光 "
            f"{original.clicks} 次点击；序贯检验（α={e.alpha}，可随时查看）已显著，胜出概率 {p_beats[best] * 100:.0f}%。"
        )
        return Verdict("winner", best, p_best, p_beats, srm, prompt, (reason,))
    if experiment.served >= experiment.horizon:
        reason = f"已达到最长测试流量 {experiment.horizon} 次曝光，没有新标题显著胜出，保留原标题。"
        return Verdict("horizon", None, p_best, p_beats, srm, None, (reason,))
    reason = f"已曝光 {experiment.served}/{experiment.horizon} 次，尚无显著胜出的新标题，继续测试。"
    return Verdict("running", None, p_best, p_beats, srm, None, (reason,))
