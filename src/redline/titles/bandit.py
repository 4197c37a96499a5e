"""Batched Thompson sampling with a guaranteed control share, vectorised over experiments.

Every function takes arrays shaped (experiments, arms): the live lab passes one experiment, the
replay passes thousands at once. Arm 0 is always the control (the original title). Arms beyond an
experiment's own count are masked out by `active` (False), so experiments with different numbers
of arms can share one array.

How the next batch is split (GrowthBook's bandits and the Washington Post's Bandito do the same
in spirit):
1. burn-in: until every arm has `burn_in` impressions, traffic is split evenly (reweighting on a
   handful of clicks only chases noise);
2. Thompson sampling: each arm's share is its posterior probability of being the best arm,
   sharpened (∝ P(best)^g, g rising from 1 to `sharpening` as the horizon is used up: a test
   with little traffic left gains nothing from exploring, so it leans on its current leader);
3. every arm keeps `min_arm_share` of the batch, so a slow start is never final;
4. the control keeps at least `control_share` (the creator's own title is never starved, and the
   comparison everything is judged against stays precise).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from redline.titles.stats import beta_draws


@dataclass(frozen=True)
class AllocationSettings:
    control_share: float
    min_arm_share: float
    burn_in: int
    prior_strength: float
    draws: int
    sharpening: float = 1.0


def posterior_parameters(
    clicks: np.ndarray, impressions: np.ndarray, prior_mean: np.ndarray, prior_strength: float
) -> tuple[np.ndarray, np.ndarray]:
    """Beta(a, b) per arm: a prior worth `prior_strength` impressions at `prior_mean`, plus data."""
    prior_mean = np.clip(prior_mean, 1e-6, 1 - 1e-6)
    a = clicks + prior_mean * prior_strength
    b = np.maximum(impressions - clicks, 0) + (1 - prior_mean) * prior_strength
    return a, b


def win_probabilities(
    a: np.ndarray, b: np.ndarray, active: np.ndarray, draws: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """P(arm has the highest click-through rate) and P(arm beats the control), by Monte Carlo
    over the Beta posteriors (the control's own P(beats control) is 0)."""
    samples = beta_draws(a, b, draws, rng)
    samples = np.where(active[..., None], samples, -np.inf)
    best = samples.argmax(axis=-2)  # (experiments, draws)
    arms = a.shape[-1]
    counts = np.zeros(a.shape, dtype=np.float64)
    for arm in range(arms):
        counts[..., arm] = (best == arm).sum(axis=-1)
    beats = (samples > samples[..., :1, :]).mean(axis=-1)
    return counts / draws, beats


def _apply_floors(shares: np.ndarray, active: np.ndarray, control_share: float, min_arm_share: float) -> np.ndarray:
    arms = active.sum(axis=-1, keepdims=True).astype(np.float64)
    floor = np.minimum(min_arm_share, 1.0 / arms)
    shares = np.where(active, shares, 0.0)
    shares = shares / np.maximum(shares.sum(axis=-1, keepdims=True), 1e-300)
    shares = np.where(active, floor + (1.0 - floor * arms) * shares, 0.0)
    control = shares[..., :1]
    lifted = np.maximum(control, control_share)
    rest = 1.0 - control
    scale = np.where(rest > 0, (1.0 - lifted) / np.where(rest > 0, rest, 1.0), 0.0)
    shares = shares * scale
    shares[..., :1] = lifted
    return shares


@dataclass(frozen=True)
class Allocation:
    shares: np.ndarray  # next batch's share per arm (0 for inactive arms)
    p_best: np.ndarray  # posterior P(arm is the best)
    p_beats_control: np.ndarray  # posterior P(arm's CTR > the control's)


def batch_shares(
    clicks: np.ndarray,
    impressions: np.ndarray,
    active: np.ndarray,
    prior_mean: np.ndarray,
    horizon_used: np.ndarray,
    settings: AllocationSettings,
    rng: np.random.Generator,
) -> Allocation:
    """The share of the next batch for every arm, with the posterior summaries behind it.

    `horizon_used` (experiments,) is the fraction of the horizon already served (0…1). Shares of
    active arms sum to 1, the control's share is ≥ `control_share`, every active arm gets
    ≥ min(`min_arm_share`, 1/arms), and while any arm is in burn-in the split is even.
    """
    a, b = posterior_parameters(clicks, impressions, prior_mean, settings.prior_strength)
    p_best, p_beats = win_probabilities(a, b, active, settings.draws, rng)
    in_burn_in = (np.where(active, impressions, np.inf) < settings.burn_in).any(axis=-1, keepdims=True)
    even = active / active.sum(axis=-1, keepdims=True)
    exponent = 1.0 + (settings.sharpening - 1.0) * np.clip(np.asarray(horizon_used, dtype=float), 0.0, 1.0)
    sharpened = p_best ** exponent[..., None]
    raw = np.where(in_burn_in, even, sharpened)
    shares = _apply_floors(raw, active, settings.control_share, settings.min_arm_share)
    return Allocation(shares, p_best, p_beats)


def thompson_shares(
    clicks: np.ndarray, impressions: np.ndarray, active: np.ndarray, draws: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Plain batched Thompson sampling (the replay's baseline): shares = P(best) under the
    textbook Beta(1, 1) prior, no burn-in, no control share, no sharpening."""
    a = clicks + 1.0
    b = np.maximum(impressions - clicks, 0) + 1.0
    return win_probabilities(a, b, active, draws, rng)


def uniform_shares(active: np.ndarray) -> np.ndarray:
    """Classic A/B/n: an even split, whatever the data says."""
    return active / active.sum(axis=-1, keepdims=True)
