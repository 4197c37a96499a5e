"""The review queue on SQLite and PostgreSQL: reports, claims, decisions, second reviews, stats."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from redline.errors import ConflictError, InputError, NotFoundError
from redline.store.ledger import load_entries
from redline.store.review import (
    claim_next,
    decide,
    enqueue,
    enqueue_findings,
    enqueue_reported_notes,
    load_item,
    release,
    review_stats,
)

from .helpers import day
from .store_helpers import seed


@pytest.fixture
def db(database):
    seed(database, accounts=("a1", "a2"), notes=(("n1", "a1"), ("n2", "a1"), ("n3", "a2")))
    return database


def count(db, table):
    with db.engine.connect() as connection:
        return connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()


def reports(note, start, n, spacing=timedelta(hours=1), who="u"):
    return [(note, start + spacing * i, f"{who}{i}") for i in range(n)]


def test_five_reports_within_a_day_queue_the_note_and_four_do_not(db, policy):
    threshold = policy.signals.reports_for_review
    assert enqueue_reported_notes(db, reports("n1", day(0), threshold - 1), policy) == []
    same_reporter_again = reports("n1", day(0) + timedelta(hours=10), 1)
    assert enqueue_reported_notes(db, same_reporter_again, policy) == []  # u0 counts once
    [item] = enqueue_reported_notes(db, reports("n1", day(0) + timedelta(hours=11), 1, who="x"), policy)
    assert item.note_id == "n1" and item.account_id == "a1" and item.origin == "reports"
    assert item.rule == policy.ledger.review.report_rule
    # ingesting the same reports again queues nothing new
    assert enqueue_reported_notes(db, reports("n1", day(0), threshold - 1), policy) == []
    assert count(db, "review_items") == 1


def test_reports_spread_over_more_than_the_window_do_not_queue(db, policy):
    threshold = policy.signals.reports_for_review
    window = timedelta(hours=policy.signals.reports_window_hours)
    spacing = window / (threshold - 1)  # first and last exactly one window apart
    assert enqueue_reported_notes(db, reports("n2", day(0), threshold, spacing), policy) == []


def test_reports_for_unknown_notes_are_rejected_whole(db, policy):
    rows = reports("n1", day(0), 5) + [("ghost", day(0), "u")]
    with pytest.raises(NotFoundError, match="ghost"):
        enqueue_reported_notes(db, rows, policy)
    assert count(db, "note_reports") == 0 and count(db, "review_items") == 0
    assert len(enqueue_reported_notes(db, rows, policy, unknown="skip")) == 1
    with pytest.raises(InputError):
        enqueue_reported_notes(db, [("n1", "yesterday")], policy)


def test_claim_decide_writes_the_entry_and_the_item_is_never_decided_twice(db, policy):
    [item] = enqueue_reported_notes(db, reports("n1", day(0), 5), policy)
    claimed = claim_next(db, policy, "alice", now=day(1))
    assert claimed.id == item.id and claimed.claimed_by == "alice"
    assert claim_next(db, policy, "bob", now=day(1)) is None  # two reviewers never hold one item
    assert claim_next(db, policy, "alice", now=day(1)).id == item.id  # your own claim comes back
    with pytest.raises(ConflictError, match="alice"):
        decide(db, policy, item.id, "bob", "violation", reason="x", now=day(1))
    outcome = decide(db, policy, item.id, "alice", "violation", reason="核实导流", now=day(1))
    [entry] = load_entries(db, "a1")
    assert outcome.entry_id == entry.id and entry.source == "report_review" and entry.note_id == "n1"
    assert entry.rule == "report.confirmed" and entry.actor == "alice"
    before = count(db, "review_decisions"), count(db, "ledger_entries")
    if load_item(db, item.id).stage == "done":
        with pytest.raises(ConflictError, match="已经裁决"):
            decide(db, policy, item.id, "alice", "violation", reason="again", now=day(1))
    else:  # sampled for a blind second review: the first round still cannot be decided again
        with pytest.raises(ConflictError):
            decide(db, policy, item.id, "alice", "violation", reason="again", now=day(1))
    assert (count(db, "review_decisions"), count(db, "ledger_entries")) == before


def test_an_abandoned_claim_expires_and_returns_to_the_queue(db, policy):
    enqueue(db, policy, note_id="n2", reason="人工送审", rule="claim.medical", at=day(0))
    item = claim_next(db, policy, "alice", now=day(1))
    timeout = timedelta(minutes=policy.ledger.review.claim_timeout_minutes)
    assert claim_next(db, policy, "bob", now=day(1) + timeout - timedelta(seconds=1)) is None
    taken = claim_next(db, policy, "bob", now=day(1) + timeout)
    assert taken.id == item.id and taken.claimed_by == "bob"
    with pytest.raises(ConflictError):
        decide(db, policy, item.id, "alice", "clear", reason="迟到", now=day(1) + timeout)
    release(db, item.id, "bob")
    assert claim_next(db, policy, "carol", now=day(1) + timeout).claimed_by == "carol"


def test_decision_input_errors_change_nothing(db, policy):
    item = enqueue(db, policy, account_id="a2", reason="账号异常", at=day(0))
    claim_next(db, policy, "alice", now=day(1))
    with pytest.raises(InputError, match="--rule"):
        decide(db, policy, item.id, "alice", "violation", reason="无规则", now=day(1))
    with pytest.raises(InputError, match="violation"):
        decide(db, policy, item.id, "alice", "maybe", reason="?", now=day(1))
    with pytest.raises(InputError, match="理由"):
        decide(db, policy, item.id, "alice", "clear", reason="", now=day(1))
    with pytest.raises(NotFoundError):
        decide(db, policy, 424242, "alice", "clear", reason="x", now=day(1))
    with pytest.raises(NotFoundError):
        enqueue(db, policy, note_id="ghost", reason="x")
    with pytest.raises(NotFoundError):
        enqueue(db, policy, account_id="ghost", reason="x")
    assert count(db, "review_decisions") == 0 and count(db, "ledger_entries") == 0
    decide(db, policy, item.id, "alice", "violation", rule="authenticity.imbalance", reason="核查属实", now=day(1))
    assert [e.rule for e in load_entries(db, "a2")] == ["authenticity.imbalance"]


def test_flagged_findings_enter_the_queue_once(db, policy):
    findings = [
        {"rule": "claim.medical", "severity": "violation", "start": 0, "end": 2, "excerpt": "治疗"},
        {"rule": "commercial.soft_ad", "severity": "violation", "start": 0, "end": 9, "excerpt": "…"},
        {"rule": "claim.medical", "severity": "warning", "start": 5, "end": 7, "excerpt": "疗效"},
    ]
    items = enqueue_findings(db, policy, findings, note_id="n1", at=day(0))
    assert [i.rule for i in items] == ["claim.medical"]
    again = enqueue_findings(db, policy, findings, note_id="n1", at=day(1))
    assert [i.id for i in again] == [items[0].id]
    assert count(db, "review_items") == 1


def test_second_blind_reviews_measure_consistency_per_reviewer_and_rule(db, policy, monkeypatch):
    import redline.store.review as review

    monkeypatch.setattr(review, "selected_for_second_review", lambda key, share: True)
    first = enqueue(db, policy, note_id="n1", rule="claim.medical", reason="a", at=day(0))
    second = enqueue(db, policy, note_id="n2", rule="claim.medical", reason="b", at=day(0) + timedelta(minutes=1))
    for expected in (first, second):
        assert claim_next(db, policy, "alice", now=day(1)).id == expected.id
        decide(db, policy, expected.id, "alice", "violation", reason="违规", now=day(1))
    assert claim_next(db, policy, "alice", second=True, now=day(1)) is None  # never your own
    assert claim_next(db, policy, "bob", second=True, now=day(1)).id == first.id
    decide(db, policy, first.id, "bob", "violation", reason="同意", now=day(1))
    assert claim_next(db, policy, "bob", second=True, now=day(1)).id == second.id
    decide(db, policy, second.id, "bob", "clear", reason="不同意", now=day(1))
    assert count(db, "ledger_entries") == 2  # blind checks write no entries
    stats = review_stats(db, now=day(1))
    assert stats["queue"] == {"first": 0, "second": 0, "done": 2, "claimed": 0}
    assert stats["consistency"]["by_reviewer"]["alice"] == {"pairs": 2, "agreed": 1, "agreement": 0.5}
    assert stats["consistency"]["by_rule"]["claim.medical"]["agreement"] == 0.5
    assert stats["decisions"]["alice"] == {"violation": 2, "clear": 0}
