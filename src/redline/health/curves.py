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
    """Scores for `values` (NaN stays NaN = unknown)."""
    xs = np.asarray([point[0] for point in curve], dtype=np.float64)
    ys = np.asarray([point[1] for point in curve], dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    # The segment around each value: from the last point at or left of it to the next one. Below
    # the first point both ends are the first point, above the last both are the last, so the
    # flat ends need no case of their own (a zero-length segment scores its end's y).
    right = np.searchsorted(xs, values, side="right")  # NaN sorts last
    last = len(xs) - 1
    lo = np.clip(right - 1, 0, last)
    hi = np.minimum(right, last)
    x0, x1, y0, y1 = xs[lo], xs[hi], ys[lo], ys[hi]
    span = x1 - x0
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(span > 0, (values - x0) / np.where(span > 0, span, 1.0), 0.0)
    out = y0 + t * (y1 - y0)
    out[np.isnan(values)] = np.nan
    return out


def score_one(value: float | None, curve: Curve) -> float | None:
    if value is None:
        return None
    result = score_curve(np.asarray([value], dtype=np.float64), curve)[0]
    return None if np.isnan(result) else float(result)
