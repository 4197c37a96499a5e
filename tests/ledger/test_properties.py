"""Ledger invariants over random sequences of violations, credits, reversals and dates."""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from redline.ledger.entries import reversed_ids
from redline.ledger.points import standing
from redline.ledger.sanctions import sanctions_in_force

from .helpers import T0, Ledger

RULES = [
    "diversion.wechat",
    "diversion.qq",
    "commercial.soft_ad",
    "report.confirmed",
    "authenticity.fake_engagement",
    "authenticity.imbalance",
    "claim.medical",
    "claim.food",
    "values.clickbait",
    "values.severe",
    "price.floor",
]

op = st.one_of(
    st.tuples(st.just("violation"), st.sampled_from(RULES), st.sampled_from([None, "n1", "n2"]), st.integers(0, 60 * 24 * 40)),
    st.tuples(st.just("credit"), st.none(), st.none(), st.integers(0, 60 * 24 * 40)),
    st.tuples(st.just("reverse"), st.integers(0, 10_000), st.none(), st.integers(0, 60 * 24 * 40)),
)


def build(ops, policy, *, credits: bool = True) -> Ledger:
    """Apply the operations in time order, as the store would accept them."""
    ledger = Ledger()
    now = T0
    for kind, arg, note, gap_minutes in ops:
        now = now + timedelta(minutes=gap_minutes)
        if kind == "violation":
            consequence = policy.rules[policy.rule_key(arg)]
            ledger.violation(arg, now, consequence.points, note)
        elif kind == "credit" and credits:
            ledger.credit(now, policy.recovery.points_per_credit)
        elif kind == "reverse":
            cancelled = reversed_ids(ledger.entries)
            candidates = [e for e in ledger.entries if e.kind != "reversal" and e.id not in cancelled]
            if candidates:
                ledger.reverse(candidates[arg % len(candidates)], now)
    return ledger


def query_times(ledger: Ledger, offsets):
    end = ledger.entries[-1].created if ledger.entries else T0
    return [T0 + (end - T0) * f for f in offsets] + [end + timedelta(days=d) for d in (0, 31, 200)]


offsets = st.lists(st.floats(0, 1), min_size=1, max_size=4)


@settings(max_examples=150, deadline=None)
@given(ops=st.lists(op, max_size=40), fractions=offsets)
def test_points_in_force_equal_the_sum_of_unexpired_unreversed_deductions(policy, ops, fractions):
    lp = policy.ledger
    ledger = build(ops, lp, credits=False)
    window = timedelta(days=lp.history_window_days)
    for at in query_times(ledger, fractions):
        known = [e for e in ledger.entries if e.created <= at]
        cancelled = reversed_ids(known)
        expected = sum(
            e.points for e in known if e.kind == "deduction" and e.id not in cancelled and e.created + window > at
        )
        assert abs(standing(ledger.entries, lp, at).points - expected) < 1e-9


@settings(max_examples=150, deadline=None)
@given(ops=st.lists(op, max_size=40), fractions=offsets)
def test_recovery_only_ever_lowers_points_within_the_caps(policy, ops, fractions):
    lp = policy.ledger
    with_credits = build(ops, lp)
    for at in query_times(with_credits, fractions):
        result = standing(with_credits.entries, lp, at)
        gross = sum(a.entry.points for a in result.active)
        assert 0 <= result.points <= gross + 1e-9
        assert abs(result.points + result.restored - gross) < 1e-9
        for active in result.active:
            assert -1e-9 <= active.restored <= active.entry.points + 1e-9
        credits = [e for e in with_credits.entries if e.kind == "credit" and e.created <= at]
        assert result.restored <= sum(c.points for c in credits) + 1e-9


@settings(max_examples=150, deadline=None)
@given(ops=st.lists(op, max_size=40), fractions=offsets)
def test_every_sanction_in_force_is_justified_by_live_entries(policy, ops, fractions):
    lp = policy.ledger
    ledger = build(ops, lp)
    by_id = {e.id: e for e in ledger.entries}
    for at in query_times(ledger, fractions):
        known = [e for e in ledger.entries if e.created <= at]
        cancelled = reversed_ids(known)
        for sanction in sanctions_in_force(ledger.entries, lp, at):
            assert sanction.because, sanction
            assert sanction.start <= at and (sanction.end is None or at < sanction.end)
            causes = [by_id[i] for i in sanction.because]
            for cause in causes:
                assert cause.kind == "deduction" and cause.created <= at and cause.id not in cancelled
            if sanction.rule == "ledger.commercial_restriction":
                # some window of the policy's length holds enough points among the causes
                window = timedelta(days=lp.commercial_restriction_window_days)
                assert any(
                    sum(c.points for c in causes if t.created - window < c.created <= t.created)
                    >= lp.commercial_restriction_points
                    for t in causes
                )
            else:
                (cause,) = causes
                assert sanction.start == cause.created
                rule = lp.rules[lp.rule_key(cause.rule)]
                if sanction.note_id is not None:
                    assert sanction.note_id == cause.note_id and sanction.kind in ("throttle", "remove")
                    assert sanction.kind == ("throttle" if rule.note == "throttle" else "remove")
                else:
                    assert sanction.kind in {step.kind for step in rule.account}


@settings(max_examples=100, deadline=None)
@given(ops=st.lists(op, max_size=40), fractions=offsets, seed=st.integers(0, 2**32 - 1))
def test_replay_is_deterministic_and_later_entries_never_change_past_answers(policy, ops, fractions, seed):
    lp = policy.ledger
    ledger = build(ops, lp)
    shuffled = list(ledger.entries)
    random.Random(seed).shuffle(shuffled)
    replayed = build(ops, lp)
    for at in query_times(ledger, fractions):
        expected_points = standing(ledger.entries, lp, at)
        expected_sanctions = sanctions_in_force(ledger.entries, lp, at)
        assert standing(shuffled, lp, at) == expected_points
        assert sanctions_in_force(shuffled, lp, at) == expected_sanctions
        assert sanctions_in_force(replayed.entries, lp, at) == expected_sanctions
        known = [e for e in ledger.entries if e.created <= at]
        assert standing(known, lp, at) == expected_points
        assert sanctions_in_force(known, lp, at) == expected_sanctions
