"""Points in force: the 6-month window, reversals, gradual recovery (SPEC R-LED)."""

from datetime import timedelta

import pytest

from redline.errors import InputError
from redline.ledger.points import standing
from redline.ledger.rules import needs_human_review, points_for

from .helpers import Ledger, day


@pytest.fixture
def lp(policy):
    return policy.ledger


def test_a_deduction_counts_immediately_and_until_the_history_window_ends(lp):
    ledger = Ledger()
    entry = ledger.violation("claim.medical", day(0), 10)
    window = timedelta(days=lp.history_window_days)
    assert standing(ledger.entries, lp, day(0)).points == 10
    just_before = standing(ledger.entries, lp, day(0) + window - timedelta(seconds=1))
    assert just_before.points == 10
    assert just_before.active[0].stops_counting == entry.created + window
    assert standing(ledger.entries, lp, day(0) + window).points == 0
    assert standing(ledger.entries, lp, day(0) - timedelta(seconds=1)).points == 0  # not yet recorded


def test_points_sum_over_active_entries_and_each_expires_on_its_own(lp):
    ledger = Ledger()
    ledger.violation("commercial.soft_ad", day(0), 2)
    ledger.violation("report.confirmed", day(100), 5)
    assert standing(ledger.entries, lp, day(150)).points == 7
    after_first = standing(ledger.entries, lp, day(lp.history_window_days + 1))
    assert after_first.points == 5
    assert [a.entry.rule for a in after_first.active] == ["report.confirmed"]


def test_a_reversal_restores_the_points_from_its_time_on(lp):
    ledger = Ledger()
    entry = ledger.violation("claim.medical", day(0), 10)
    ledger.reverse(entry, day(3))
    assert standing(ledger.entries, lp, day(2)).points == 10  # the past stays as it was
    assert standing(ledger.entries, lp, day(3)).points == 0


def test_credits_restore_oldest_deductions_first_up_to_the_window_cap(lp):
    recovery = lp.recovery
    ledger = Ledger()
    first = ledger.violation("claim.medical", day(0), 10)
    second = ledger.violation("report.confirmed", day(1), 5)
    credits = int(recovery.max_points / recovery.points_per_credit) + 3
    for i in range(credits):
        ledger.credit(day(2) + timedelta(hours=i), recovery.points_per_credit)
    result = standing(ledger.entries, lp, day(3))
    assert result.restored == pytest.approx(recovery.max_points)  # the cap holds
    assert result.points == pytest.approx(15 - recovery.max_points)
    by_id = {a.entry.id: a for a in result.active}
    assert by_id[first.id].restored == pytest.approx(recovery.max_points)
    assert by_id[second.id].restored == 0


def test_the_recovery_cap_is_per_window(lp):
    recovery = lp.recovery
    ledger = Ledger()
    ledger.violation("claim.medical", day(0), 10)
    ledger.violation("claim.aesthetic", day(0), 10)
    n = int(recovery.max_points / recovery.points_per_credit)
    for i in range(n):
        ledger.credit(day(1) + timedelta(hours=i), recovery.points_per_credit)
    for i in range(n):
        ledger.credit(day(1 + recovery.window_days) + timedelta(hours=i), recovery.points_per_credit)
    assert standing(ledger.entries, lp, day(2 + recovery.window_days)).restored == pytest.approx(2 * recovery.max_points)


def test_credits_are_not_banked_before_a_violation(lp):
    ledger = Ledger()
    ledger.credit(day(0), 1)
    ledger.violation("report.confirmed", day(1), 5)
    assert standing(ledger.entries, lp, day(2)).points == 5


def test_rule_ids_resolve_by_prefix_and_points_respect_the_policy_range(lp):
    assert points_for("diversion.wechat", lp) == lp.rules["diversion"].points
    fake = lp.rules["authenticity.fake_engagement"]
    assert points_for("authenticity.fake_engagement", lp) == fake.points
    assert points_for("authenticity.fake_engagement", lp, fake.points_max) == fake.points_max
    with pytest.raises(InputError, match="扣分"):
        points_for("authenticity.fake_engagement", lp, fake.points_max + 1)
    with pytest.raises(InputError):
        points_for("authenticity.fake_engagement", lp, fake.points - 1)
    with pytest.raises(InputError, match="非负"):
        points_for("report.confirmed", lp, -5)
    with pytest.raises(InputError, match="未知的违规规则"):
        points_for("no.such.rule", lp)
    assert needs_human_review("claim.medical", lp)
    assert not needs_human_review("commercial.soft_ad", lp)


def test_report_triggers_count_distinct_reporters_within_the_window(policy):
    from redline.ledger.reports import report_triggers

    s = policy.signals
    n, hours = s.reports_for_review, s.reports_window_hours
    start = day(0)
    distinct = [(start + timedelta(hours=i), f"u{i}") for i in range(n)]
    assert report_triggers(distinct, n, hours) == [distinct[-1][0]]
    one_user = [(start + timedelta(minutes=i), "u1") for i in range(n * 2)]
    assert report_triggers(one_user, n, hours) == []
    spread = [(start + timedelta(hours=hours) * i / (n - 1), f"u{i}") for i in range(n)]
    assert report_triggers(spread, n, hours) == []  # first and last exactly one window apart
    twice = [(start + timedelta(minutes=i), f"u{i}") for i in range(2 * n)]
    assert len(report_triggers(twice, n, hours)) == 2  # counting restarts after a trigger
    anonymous = [start + timedelta(minutes=i) for i in range(n)]
    assert report_triggers(anonymous, n, hours) == [anonymous[-1]]
