"""The stored ledger on SQLite and PostgreSQL: append-only, ordered, audited, appealable."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from redline.errors import ConflictError, InputError, NotFoundError
from redline.ledger.deductions import points_in_force
from redline.store.ledger import (
    account_state,
    decide_appeal,
    load_entries,
    record_credit,
    record_violation,
    reverse_entry,
)

from .helpers import day
from .store_helpers import seed


@pytest.fixture
def db(database):
    seed(database, accounts=("a1", "a2", "brand"), notes=(("n1", "a1"), ("n2", "a2")), brand_notes=(("c1", "a1", "brand"),))
    return database


def table_count(db, table: str) -> int:
    with db.engine.connect() as connection:
        return connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()


def test_a_recorded_violation_counts_at_once_and_carries_policy_version(db, policy):
    entry = record_violation(db, policy, "a1", "claim.medical", note_id="n1", at=day(0), reason="无证宣称治疗")
    assert entry.points == policy.ledger.rules["claim.medical"].points
    assert entry.policy_version == policy.version and entry.seq == 1
    points, active = points_in_force(db, "a1", day(0), policy=policy)
    assert points == entry.points
    assert active[0]["id"] == entry.id and active[0]["rule"] == "claim.medical"
    assert active[0]["stops_counting"] == day(policy.ledger.history_window_days).isoformat()
    state = account_state(db, policy, "a1", day(1))
    assert {s.kind for s in state.sanctions} == {"remove", "commercial_restriction"}


def test_the_bridge_answers_zero_for_an_account_without_entries(db, policy):
    assert points_in_force(db, "a2", day(0), policy=policy) == (0.0, [])


def test_unknown_account_or_note_writes_nothing(db, policy):
    with pytest.raises(NotFoundError, match="账号"):
        record_violation(db, policy, "ghost", "claim.medical", at=day(0))
    with pytest.raises(NotFoundError, match="笔记"):
        record_violation(db, policy, "a1", "claim.medical", note_id="nope", at=day(0))
    with pytest.raises(InputError, match="属于账号"):
        record_violation(db, policy, "a1", "claim.medical", note_id="n2", at=day(0))
    with pytest.raises(InputError, match="未知的违规规则"):
        record_violation(db, policy, "a1", "made.up", at=day(0))
    with pytest.raises(InputError, match="来源"):
        record_violation(db, policy, "a1", "claim.medical", source="appeal", at=day(0))
    with pytest.raises(NotFoundError):
        account_state(db, policy, "ghost", day(0))
    assert table_count(db, "ledger_entries") == 0


def test_dates_out_of_order_are_rejected_and_change_nothing(db, policy):
    record_violation(db, policy, "a1", "report.confirmed", at=day(10))
    with pytest.raises(InputError, match="早于"):
        record_violation(db, policy, "a1", "report.confirmed", at=day(9))
    record_violation(db, policy, "a2", "report.confirmed", at=day(1))  # other accounts are independent
    assert [e.seq for e in load_entries(db, "a1")] == [1]


def test_the_database_rejects_update_and_delete_of_entries(db, policy):
    record_violation(db, policy, "a1", "report.confirmed", at=day(0))
    for statement in ("UPDATE ledger_entries SET points = 0", "DELETE FROM ledger_entries"):
        with pytest.raises((IntegrityError, DBAPIError), match="append-only"):
            with db.engine.begin() as connection:
                connection.execute(text(statement))
    assert load_entries(db, "a1")[0].points == policy.ledger.rules["report.confirmed"].points


def test_appeal_reverse_restores_points_and_lifts_sanctions_at_once(db, policy):
    first = record_violation(db, policy, "a1", "diversion.wechat", at=day(0))
    second = record_violation(db, policy, "a1", "diversion.wechat", at=day(5))
    medical = record_violation(db, policy, "a1", "claim.medical", note_id="n1", at=day(6))
    assert {s.kind for s in account_state(db, policy, "a1", day(6)).sanctions} >= {"mute", "remove"}
    outcome = decide_appeal(db, policy, medical.id, "reverse", reason="有资质", reviewer="r1", at=day(7))
    assert outcome.reversal is not None and outcome.reversal.reverses == medical.id
    state = account_state(db, policy, "a1", day(7))
    assert state.standing.points == 0
    assert {s.kind for s in state.sanctions} == {"mute"}
    decide_appeal(db, policy, first.id, "reverse", reason="误判", at=day(8))
    state = account_state(db, policy, "a1", day(8))
    assert [(s.kind, s.because) for s in state.sanctions] == [("throttle", (second.id,))]
    # the past answers stay as they were
    assert {s.kind for s in account_state(db, policy, "a1", day(6)).sanctions} >= {"mute", "remove"}


def test_appeal_errors_change_nothing(db, policy):
    entry = record_violation(db, policy, "a1", "report.confirmed", at=day(0))
    other = record_violation(db, policy, "a1", "report.confirmed", at=day(1))
    decide_appeal(db, policy, entry.id, "reverse", reason="误判", at=day(2))
    before = table_count(db, "ledger_entries"), table_count(db, "ledger_appeals")
    with pytest.raises(ConflictError, match="不能重复"):
        decide_appeal(db, policy, entry.id, "uphold", at=day(3))
    reversal = load_entries(db, "a1")[-1]
    with pytest.raises(ConflictError, match="撤销记录"):
        decide_appeal(db, policy, reversal.id, "reverse", at=day(3))
    with pytest.raises(NotFoundError):
        decide_appeal(db, policy, 999_999, "reverse", at=day(3))
    with pytest.raises(InputError, match="uphold"):
        decide_appeal(db, policy, other.id, "maybe", at=day(3))
    with pytest.raises(InputError, match="早于"):
        decide_appeal(db, policy, other.id, "reverse", at=day(0))
    assert (table_count(db, "ledger_entries"), table_count(db, "ledger_appeals")) == before
    decide_appeal(db, policy, other.id, "uphold", reason="证据充分", at=day(3))
    with pytest.raises(ConflictError, match="维持"):
        decide_appeal(db, policy, other.id, "reverse", at=day(4))


def test_a_correction_cannot_reverse_twice(db, policy):
    entry = record_violation(db, policy, "a1", "report.confirmed", at=day(0))
    reverse_entry(db, policy, entry.id, at=day(1), reason="录入错误")
    with pytest.raises(ConflictError, match="已被撤销"):
        reverse_entry(db, policy, entry.id, at=day(2), reason="再来一次")
    with pytest.raises(InputError, match="理由"):
        reverse_entry(db, policy, entry.id, at=day(2), reason=" ")


def test_credits_restore_points_gradually(db, policy):
    record_violation(db, policy, "a1", "claim.medical", at=day(0))
    record_credit(db, policy, "a1", note_id="n1", at=day(1))
    points, active = points_in_force(db, "a1", day(2), policy=policy)
    expected = policy.ledger.rules["claim.medical"].points - policy.ledger.recovery.points_per_credit
    assert points == pytest.approx(expected)
    assert active[0]["restored"] == pytest.approx(policy.ledger.recovery.points_per_credit)


def test_brand_violation_throttles_linked_cooperation_notes(db, policy):
    brand_entry = record_violation(db, policy, "brand", "commercial.soft_ad", at=day(0))
    state = account_state(db, policy, "a1", day(1))
    [linked] = state.sanctions
    assert linked.kind == "throttle" and linked.note_id == "c1" and linked.because == (brand_entry.id,)


def test_points_range_is_enforced_for_fake_engagement(db, policy):
    rule = policy.ledger.rules["authenticity.fake_engagement"]
    entry = record_violation(db, policy, "a1", "authenticity.fake_engagement", points=rule.points_max, at=day(0))
    assert entry.points == rule.points_max
    with pytest.raises(InputError):
        record_violation(db, policy, "a1", "authenticity.fake_engagement", points=rule.points_max + 1, at=day(1))
    assert table_count(db, "ledger_entries") == 1
