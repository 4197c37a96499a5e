"""Small numerical helpers the title lab needs, in NumPy only (no SciPy at run time)."""

from __future__ import annotations

import math

import numpy as np


def chi2_sf(statistic: float, dof: int) -> float:
    """P(X ≥ statistic) for X ~ χ²(dof): the regularised upper incomplete gamma Q(dof/2, x/2).

    Series for x < a + 1, Lentz's continued fraction otherwise (Numerical Recipes §6.2); accurate
    to ~1e-12, which is far more than an SRM threshold needs.
    """
    if dof <= 0:
        raise ValueError("dof must be positive")
    if statistic <= 0 or math.isnan(statistic):
        return 1.0
    a = dof / 2.0
    x = statistic / 2.0
    log_prefix = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1.0:
        term = total = 1.0 / a
        denominator = a
        for _ in range(10_000):
            denominator += 1.0
            term *= x / denominator
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return max(0.0, 1.0 - total * math.exp(log_prefix))
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return min(1.0, math.exp(log_prefix) * h)


def beta_draws(successes: np.ndarray, failures: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Posterior samples with a trailing axis of `draws` (Beta via two Gamma draws, vectorised)."""
    shape = successes.shape + (draws,)
    a = np.broadcast_to(successes[..., None], shape)
    b = np.broadcast_to(failures[..., None], shape)
    x = rng.standard_gamma(a)
    y = rng.standard_gamma(b)
    return x / (x + y)
