"""Unknown indicators are left out, the rest renormalised, and coverage says how much was known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from redline.health.curves import score_curve
from redline.health.score import indicator_weights, score_accounts, score_notes

from .scenario import World, run


def test_curve_steps_take_the_upper_score_at_the_threshold():
    curve = [[0.0, 0.0], [0.02, 30.0], [0.02, 55.0], [0.03, 80.0]]
    scores = score_curve(np.array([-1.0, 0.0, 0.01, 0.0199999, 0.02, 0.025, 0.03, 1.0, np.nan]), curve)
    assert scores[:2].tolist() == [0.0, 0.0]
    assert scores[2] == pytest.approx(15.0)
    assert scores[3] < 30.0 + 1e-3
    assert scores[4] == 55.0
    assert scores[5] == pytest.approx(67.5)
    assert scores[6:8].tolist() == [80.0, 80.0]
    assert math.isnan(scores[8])


def test_weights_of_the_twelve_indicators_follow_the_dimensions(policy):
    weights = indicator_weights(policy)
    assert len(weights) == 12
    assert sum(weights.values()) == pytest.approx(1.0)
    assert sum(w for code, w in weights.items() if code.startswith("Q")) == pytest.approx(0.40)
    assert sum(w for code, w in weights.items() if code.startswith("C")) == pytest.approx(0.35)
    assert sum(w for code, w in weights.items() if code.startswith("F")) == pytest.approx(0.25)


def test_unknown_indicators_are_left_out_and_the_rest_renormalised(policy):
    values = {"text_q2": np.array([0.0, 0.0]), "interaction_rate": np.array([np.nan, 0.05])}
    scores = score_notes(values, {}, 2, policy)
    weights = indicator_weights(policy)
    # Note 0 knows only Q2 (100 points): its index is 100, not dragged down by the unknowns.
    assert scores.index[0] == pytest.approx(100.0)
    assert scores.coverage[0] == pytest.approx(weights["Q2"])
    # Note 1 also knows F2.
    f2 = scores.indicators["F2"][1]
    expected = (100.0 * weights["Q2"] + f2 * weights["F2"]) / (weights["Q2"] + weights["F2"])
    assert scores.index[1] == pytest.approx(expected)
    assert scores.coverage[1] == pytest.approx(weights["Q2"] + weights["F2"])
    assert math.isnan(scores.indicators["Q1"][0])
    assert math.isnan(scores.dimensions["feedback"][0])


def test_nothing_known_means_no_index(policy):
    scores = score_notes({}, {}, 1, policy)
    assert math.isnan(scores.index[0])
    assert scores.coverage[0] == 0.0


def test_imported_notes_without_events_score_on_what_is_known(policy):
    """A MediaCrawler-style note: text and a like count, no impressions, reads, dwell or reports."""
    world = World()
    world.account(followers=None)
    world.note(liked_count=1300, text={"text_c2": policy.index.text.violation_points})
    outcome = run(world, policy)
    note = outcome.notes["n1"]
    known = {code for code in ("Q1", "Q2", "Q3", "Q4", "C1", "C2", "C3", "C4", "F1", "F2", "F3", "F4") if note[f"ind_{code}"] is not None and not math.isnan(note[f"ind_{code}"])}
    assert known == {"Q2", "Q3", "C1", "C2", "C3"}
    assert note["coverage"] < 0.6
    assert note["ind_C2"] == pytest.approx(100 - policy.index.text.violation_points)
    assert note["likes_known"] == 1300


def test_account_index_weights_recent_exposed_notes_and_subtracts_deductions(policy):
    note_indicators = {code: np.full(3, np.nan) for code in ("Q1", "Q2", "Q3", "Q4", "C1", "C2", "C3", "C4", "F1", "F2", "F3", "F4")}
    note_indicators["Q2"] = np.array([100.0, 40.0, 70.0])
    accounts = np.array([0, 0, 1])
    weights = np.array([3.0, 1.0, 1.0])
    scores = score_accounts(note_indicators, accounts, weights, {}, np.array([5.0, 0.0]), 2, policy)
    assert scores.from_notes["Q2"][0] == pytest.approx((100 * 3 + 40 * 1) / 4)
    assert scores.index_before_deductions[0] == pytest.approx(85.0)
    assert scores.index[0] == pytest.approx(80.0)  # 5 points in force deducted
    assert scores.index[1] == pytest.approx(70.0)


def test_deductions_never_take_the_index_below_zero(policy):
    note_indicators = {code: np.full(1, np.nan) for code in ("Q1", "Q2", "Q3", "Q4", "C1", "C2", "C3", "C4", "F1", "F2", "F3", "F4")}
    note_indicators["C2"] = np.array([10.0])
    scores = score_accounts(note_indicators, np.array([0]), np.array([1.0]), {}, np.array([50.0]), 1, policy)
    assert scores.index[0] == 0.0


def test_recency_halves_a_notes_weight_every_half_life(policy):
    from redline.health.score import note_weights

    day_end = 1_000_000_000
    half = policy.index.recency_half_life_days * 86_400
    weights = note_weights(np.array([day_end, day_end - half]), np.array([0.0, 0.0]), day_end, policy)
    assert weights[1] == pytest.approx(weights[0] / 2)
