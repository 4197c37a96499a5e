"""When may the lab say "this variant beats your title"? A test that stays valid however often
it is looked at.

The lab checks its experiments after every batch. A fixed-sample z-test checked that often
proposes a false winner in roughly a third of A/A tests. The mixture sequential probability ratio
test (mSPRT; Robbins 1970, Johari et al. 2017 "Always valid inference") instead compares each
variant with the control through a likelihood ratio against a normal mixture of alternatives,
Λ = sqrt(V / (V + τ²)) · exp(τ² d² / (2 V (V + τ²))), where d is the difference of observed
click-through rates, V its variance under "no difference" (pooled rate) and τ the spread of
plausible true differences (`mixture_relative_sd` × the pooled rate). Λ is a martingale under
the null, so by Ville's inequality P(Λ ever ≥ 1/α) ≤ α: checking after every batch costs nothing.
With several variants the level is split evenly (Bonferroni), so the chance that ANY variant is
falsely proposed stays ≤ α.
"""

from __future__ import annotations

import numpy as np


def msprt_log_ratio(
    clicks: np.ndarray, impressions: np.ndarray, mixture_relative_sd: float
) -> np.ndarray:
    """log Λ of every arm against arm 0 (the control); arm 0 itself gets −inf.

    Arrays are (experiments, arms). The sign of the difference is kept separately by the caller:
    Λ is symmetric, a proposal also needs the variant to be the better one.
    """
    clicks = np.asarray(clicks, dtype=np.float64)
    impressions = np.asarray(impressions, dtype=np.float64)
    n_c = impressions[..., :1]
    c_c = clicks[..., :1]
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (clicks + c_c) / (impressions + n_c)
        variance = pooled * (1 - pooled) * (1 / impressions + 1 / n_c)
        diff = clicks / impressions - c_c / n_c
        tau2 = (mixture_relative_sd * pooled) ** 2
        log_ratio = 0.5 * np.log(variance / (variance + tau2)) + tau2 * diff**2 / (2 * variance * (variance + tau2))
    ok = (impressions > 0) & (n_c > 0) & (variance > 0)
    log_ratio = np.where(ok, log_ratio, -np.inf)
    log_ratio[..., 0] = -np.inf
    return log_ratio


def winners(
    clicks: np.ndarray,
    impressions: np.ndarray,
    active: np.ndarray,
    alpha: float,
    mixture_relative_sd: float,
    min_impressions: int,
) -> np.ndarray:
    """Which variants the test declares better than the control right now (bool, arms axis).

    A variant qualifies when its Λ crosses (variants / α), its observed rate beats the control's,
    and both it and the control have at least `min_impressions` impressions.
    """
    impressions = np.asarray(impressions, dtype=np.float64)
    variants = np.maximum(active.sum(axis=-1, keepdims=True) - 1, 1)
    threshold = np.log(variants / alpha)
    log_ratio = msprt_log_ratio(clicks, impressions, mixture_relative_sd)
    with np.errstate(divide="ignore", invalid="ignore"):
        better = clicks / impressions > clicks[..., :1] / impressions[..., :1]
    enough = (impressions >= min_impressions) & (impressions[..., :1] >= min_impressions)
    result = active & better & enough & (log_ratio >= threshold)
    result[..., 0] = False
    return result
