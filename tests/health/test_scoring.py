"""The daily scoring's passes (pipeline/scoring.py): the notes' results are made a block at a
time, in order, from what the first pass held, and match a single pass over all notes."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from redline.health.score import combine_notes, note_indicators, score_notes
from redline.pipeline import scoring
from redline.policy import default_policy


def test_blocks_come_in_order_whichever_is_made_first(monkeypatch):
    monkeypatch.setattr(scoring, "SCORE_THREADS", 3)
    made = []
    lock = threading.Lock()

    def make(start: int) -> int:
        time.sleep(0.05 * (5 - start))  # the later blocks finish first
        with lock:
            made.append(start)
        return start

    assert list(scoring._in_order(make, list(range(6)))) == list(range(6))
    assert sorted(made) == list(range(6)) and made != list(range(6))


def test_an_error_making_a_block_is_the_callers():
    def make(start: int) -> int:
        if start == 2:
            raise ValueError("block 2")
        return start

    taken = []
    with pytest.raises(ValueError, match="block 2"):
        for block in scoring._in_order(make, list(range(5))):
            taken.append(block)
    assert taken == [0, 1]


def test_indicators_then_combined_give_the_single_pass_scores():
    policy = default_policy()
    rng = np.random.default_rng(3)
    n = 50
    values = {key: np.where(rng.random(n) < 0.2, np.nan, rng.random(n)) for key in ("ctr", "interaction_rate", "fan_match", "reports", "originality", "text_q2")}
    flags = {"originality": rng.random(n) < 0.5, "discussion": rng.random(n) < 0.5}
    once = score_notes(values, flags, n, policy).columns()
    held = note_indicators(values, flags, n, policy)
    twice = combine_notes(held, n, policy).columns()
    assert once.keys() == twice.keys()
    for name, column in once.items():
        np.testing.assert_array_equal(column, twice[name], err_msg=name)
