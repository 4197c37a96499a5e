"""Piecewise-linear score curves whose breakpoints come from the policy.

A curve is a list of (x, score) points with x ascending. Between two points the score is linear;
below the first point it is the first score, above the last the last score. Two points with the
same x make a step: x itself takes the second (upper) score, anything below it the first. So the
policy's "≥ 3 % is healthy" is written as a step at 0.03.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Curve = Sequence[Sequence[float]]


def score_curve(values: np.ndarray, curve: Curve) -> np.ndarray:
    """Scores for `values` (NaN stays NaN = unknown).

    `np.interp` is exactly this curve: flat beyond both ends, and at a repeated x its search
    lands on the last of the repeated points, so x itself takes the upper score of a step."""
    xs = np.asarray([point[0] for point in curve], dtype=np.float64)
    ys = np.asarray([point[1] for point in curve], dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if len(xs) == 1:  # np.interp answers a one-point curve's y even for NaN
        return np.where(np.isnan(values), np.nan, ys[0])
    return np.interp(values, xs, ys)


def score_one(value: float | None, curve: Curve) -> float | None:
    if value is None:
        return None
    result = score_curve(np.asarray([value], dtype=np.float64), curve)[0]
    return None if np.isnan(result) else float(result)
