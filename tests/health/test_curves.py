"""score_curve against the curve rules evaluated one value at a time."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from redline.health.curves import score_curve


def by_the_rules(value: float, curve: list[tuple[float, float]]) -> float:
    """Flat before the first point and after the last; linear between neighbours; at a repeated
    x the last of the repeated points' score."""
    if math.isnan(value):
        return math.nan
    if value < curve[0][0]:
        return curve[0][1]
    if value >= curve[-1][0]:
        return curve[-1][1]
    for (x0, y0), (x1, y1) in zip(curve, curve[1:]):
        if x0 <= value < x1:
            return y0 + (value - x0) / (x1 - x0) * (y1 - y0)
    raise AssertionError("unreachable")


finite = st.floats(-1e3, 1e3, allow_nan=False)
# Breakpoints as the policy writes them (hundredths): no spans of a few subnormals.
breakpoints = st.integers(-100_000, 100_000).map(lambda i: i / 100)
scores = st.floats(0, 100, allow_nan=False)


@st.composite
def curves(draw):
    xs = sorted(draw(st.lists(breakpoints, min_size=1, max_size=6)))
    if draw(st.booleans()) and len(xs) > 1:  # a step: one x repeated
        i = draw(st.integers(0, len(xs) - 2))
        xs[i + 1] = xs[i]
    # Two repeats in a row (three equal x) say nothing sensible: keep at most pairs.
    for i in range(2, len(xs)):
        if xs[i] == xs[i - 1] == xs[i - 2]:
            xs[i] = xs[i - 1] + 1.0
    xs.sort()
    return [(x, draw(scores)) for x in xs]


@settings(max_examples=300, deadline=None)
@given(curves(), st.lists(st.one_of(finite, st.just(math.nan), st.just(math.inf), st.just(-math.inf)), max_size=20))
def test_score_curve_follows_the_rules(curve, values):
    # also probe every breakpoint and its neighbours exactly
    probes = values + [x for x, _ in curve] + [np.nextafter(x, -math.inf) for x, _ in curve]
    got = score_curve(np.asarray(probes, dtype=np.float64), curve)
    for value, score in zip(probes, got):
        expected = by_the_rules(value, curve)
        if math.isnan(expected):
            assert math.isnan(score)
        else:
            assert score == np.float64(expected) or math.isclose(score, expected, rel_tol=1e-9, abs_tol=1e-9), (value, curve)
