"""The prior: how much better than the original a variant is expected to do, before any traffic.

A ridge regression of log(CTR of a variant / CTR of its experiment's original) on the difference
of their features, fitted on finished experiments (the platform's own; in the replay, only on
earlier weeks). The shipped weights are a weak hand-set guess; a fit replaces them once enough
finished arms exist. The prediction ranks variants (which to test) and centres each arm's
Thompson-sampling prior.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from redline.policy import Policy
from redline.titles.features import FEATURES, feature_matrix


@dataclass(frozen=True)
class TitlePrior:
    """Weights over `FEATURES` (predicted log-lift per unit of feature difference)."""

    weights: tuple[float, ...]
    source: str  # "policy" | "fitted:<n> arms"
    training_arms: int = 0

    @classmethod
    def from_policy(cls, policy: Policy) -> "TitlePrior":
        configured = policy.titles.prior.weights
        unknown = set(configured) - set(FEATURES)
        if unknown:
            from redline.errors import PolicyError

            raise PolicyError(f"titles.prior.weights 中有未知特征：{', '.join(sorted(unknown))}")
        return cls(tuple(float(configured.get(name, 0.0)) for name in FEATURES), "policy")

    def as_dict(self) -> dict[str, float]:
        return dict(zip(FEATURES, self.weights))

    def log_lift(self, original: str, variants: Sequence[str], policy: Policy) -> np.ndarray:
        """Predicted log(CTR variant / CTR original) for each variant, clipped to a sane range."""
        titles = policy.titles
        x = feature_matrix(list(variants), titles.prior, titles.generation)
        base = feature_matrix([original], titles.prior, titles.generation)
        lift = (x - base) @ np.asarray(self.weights)
        bound = titles.prior.max_predicted_lift_sd * titles.prior.relative_sd
        return np.clip(lift, -bound, bound)

    def rank(self, original: str, variants: Sequence[str], policy: Policy) -> list[int]:
        """Indices of `variants`, best predicted first (ties keep the given order)."""
        lift = self.log_lift(original, variants, policy)
        return sorted(range(len(variants)), key=lambda i: (-lift[i], i))

    def pick(self, original: str, variants: Sequence[str], count: int, policy: Policy) -> list[int]:
        """`count` variants to test: best predicted first, but one per distinct feature profile
        before any second of a profile (two titles the prior cannot tell apart teach the next
        fit nothing, and are usually two fillings of one template)."""
        titles = policy.titles
        profiles = [tuple(row) for row in feature_matrix(list(variants), titles.prior, titles.generation)]
        chosen: list[int] = []
        seen: set[tuple] = set()
        ranked = self.rank(original, variants, policy)
        for index in ranked:
            if len(chosen) < count and profiles[index] not in seen:
                chosen.append(index)
                seen.add(profiles[index])
        for index in ranked:
            if len(chosen) < count and index not in chosen:
                chosen.append(index)
        return chosen


@dataclass(frozen=True)
class FinishedArm:
    """One arm of a finished experiment, for training: its title, its original's, their rates."""

    title: str
    original: str
    impressions: int
    clicks: int
    original_impressions: int
    original_clicks: int


def fit_prior(arms: Sequence[FinishedArm], policy: Policy, pseudo_clicks: float = 1.0) -> TitlePrior:
    """Fit the weights on finished arms (variants only; originals are the reference).

    Rates are smoothed with `pseudo_clicks` so a zero-click arm has a finite log-lift, and each
    arm is weighted by the inverse of its log-ratio's sampling variance (≈ 1/clicks + 1/clicks₀).
    Too few arms (< `titles.prior.min_training_arms`) keeps the policy's weights.
    """
    usable = [arm for arm in arms if arm.impressions > 0 and arm.original_impressions > 0]
    if len(usable) < policy.titles.prior.min_training_arms:
        return TitlePrior.from_policy(policy)
    titles = policy.titles
    x = feature_matrix([a.title for a in usable], titles.prior, titles.generation) - feature_matrix(
        [a.original for a in usable], titles.prior, titles.generation
    )
    clicks = np.array([a.clicks for a in usable], dtype=float) + pseudo_clicks
    impressions = np.array([a.impressions for a in usable], dtype=float) + pseudo_clicks
    clicks0 = np.array([a.original_clicks for a in usable], dtype=float) + pseudo_clicks
    impressions0 = np.array([a.original_impressions for a in usable], dtype=float) + pseudo_clicks
    y = np.log(clicks / impressions) - np.log(clicks0 / impressions0)
    w = 1.0 / (1.0 / clicks + 1.0 / clicks0)
    weights = ridge_fit(x, y, w, titles.prior.ridge)
    return TitlePrior(tuple(float(v) for v in weights), f"fitted:{len(usable)}", len(usable))


def ridge_fit(x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray, ridge: float) -> np.ndarray:
    """argmin Σ wᵢ (yᵢ − xᵢ·β)² + ridge·‖β‖² (no intercept: equal titles predict no lift)."""
    xw = x * sample_weight[:, None]
    gram = x.T @ xw + ridge * np.eye(x.shape[1]) * sample_weight.mean()
    return np.linalg.solve(gram, xw.T @ y)
