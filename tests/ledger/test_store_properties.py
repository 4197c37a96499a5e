"""Random sequences of violations, reviews, appeals, credits and dates driven through the store
(SQLite and PostgreSQL): the stored ledger agrees with the pure derivation, bad operations
change nothing, and replaying the same sequence on another account gives the same state."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from redline.errors import ConflictError, InputError
from redline.ledger.entries import reversed_ids
from redline.ledger.points import standing
from redline.ledger.sanctions import sanctions_in_force
from redline.store.ledger import account_state, decide_appeal, load_entries, record_credit, record_violation
from redline.store.review import claim_next, decide, enqueue

from .helpers import T0
from .store_helpers import seed

RULES = ["diversion.wechat", "report.confirmed", "authenticity.fake_engagement", "claim.medical", "values.clickbait", "commercial.soft_ad"]
gap = st.integers(0, 60 * 24 * 45)
operation = st.one_of(
    st.tuples(st.just("violation"), st.sampled_from(RULES), st.booleans(), gap),
    st.tuples(st.just("review"), st.sampled_from(RULES), st.sampled_from(["violation", "clear"]), gap),
    st.tuples(st.just("appeal"), st.integers(0, 1000), st.sampled_from(["uphold", "reverse"]), gap),
    st.tuples(st.just("credit"), st.none(), st.none(), gap),
    st.tuples(st.just("backdate"), st.none(), st.none(), st.integers(1, 60 * 24 * 10)),
)

_accounts = itertools.count()


def entry_count(database) -> int:
    with database.engine.connect() as connection:
        return connection.execute(text("SELECT COUNT(*) FROM ledger_entries")).scalar_one()


def apply(database, policy, account: str, ops) -> None:
    note = f"{account}-note"
    now = T0
    for kind, arg, option, minutes in ops:
        before = entry_count(database)
        if kind == "backdate":
            entries = load_entries(database, account)
            if entries:
                latest = max(e.created for e in entries)
                with pytest.raises(InputError):
                    record_violation(database, policy, account, "report.confirmed", at=latest - timedelta(minutes=minutes))
                assert entry_count(database) == before
            continue
        now = now + timedelta(minutes=minutes)
        if kind == "violation":
            record_violation(database, policy, account, arg, note_id=note if option else None, at=now)
        elif kind == "credit":
            record_credit(database, policy, account, at=now)
        elif kind == "review":
            item = enqueue(database, policy, note_id=note, rule=arg, reason="随机复核", at=now)
            claimed = claim_next(database, policy, f"rev-{account}", now=now)
            assert claimed is not None and claimed.id == item.id
            decide(database, policy, item.id, f"rev-{account}", option, reason="随机", now=now)
        elif kind == "appeal":
            entries = load_entries(database, account)
            if not entries:
                continue
            target = entries[arg % len(entries)]
            appealable = target.kind == "deduction" and target.id not in reversed_ids(entries)
            try:
                decide_appeal(database, policy, target.id, option, reason="随机申诉", at=now)
            except ConflictError:
                assert entry_count(database) == before
                continue
            assert appealable


def normalised_state(database, policy, account: str, at):
    entries = load_entries(database, account)
    seq = {e.id: e.seq for e in entries}
    state = account_state(database, policy, account, at)
    return (
        round(state.standing.points, 9),
        [(s.kind, s.start, s.end, tuple(seq[i] for i in s.because), s.note_id is not None) for s in state.sanctions],
        [(e.seq, e.kind, e.rule, e.points, e.created, e.reverses and seq[e.reverses]) for e in entries],
    )


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=1, max_size=12), probe=st.floats(0, 1))
def test_stored_ledger_matches_derivation_and_replays_identically(database, policy, ops, probe):
    n = next(_accounts)
    first, second = f"p{n}a", f"p{n}b"
    seed(database, accounts=(first, second), notes=((f"{first}-note", first), (f"{second}-note", second)))
    apply(database, policy, first, ops)
    apply(database, policy, second, ops)
    entries = load_entries(database, first)
    end = entries[-1].created if entries else T0
    window = timedelta(days=policy.ledger.history_window_days)
    for at in (T0 + (end - T0) * probe, end, end + timedelta(days=40), end + window):
        state = account_state(database, policy, first, at)
        assert state.standing == standing(entries, policy.ledger, at)
        assert list(state.sanctions) == sanctions_in_force(entries, policy.ledger, at)
        if not any(e.kind == "credit" for e in entries):
            cancelled = reversed_ids([e for e in entries if e.created <= at])
            expected = sum(
                e.points
                for e in entries
                if e.kind == "deduction" and e.created <= at and e.id not in cancelled and e.created + window > at
            )
            assert abs(state.standing.points - expected) < 1e-9
        assert normalised_state(database, policy, first, at) == normalised_state(database, policy, second, at)
