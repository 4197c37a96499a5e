"""Every sanction rule of SPEC R-LED at its boundaries."""

from datetime import timedelta

import pytest

from redline.ledger.sanctions import CooperationNote, sanction_history, sanctions_in_force

from .helpers import Ledger, day

SECOND = timedelta(seconds=1)


@pytest.fixture
def lp(policy):
    return policy.ledger


def kinds(sanctions, note=False):
    return sorted(s.kind for s in sanctions if (s.note_id is not None) == note)


def only(sanctions, kind):
    found = [s for s in sanctions if s.kind == kind]
    assert len(found) == 1, sanctions
    return found[0]


# --- diversion: first offence 7-day throttle, second 30-day mute -----------------------------


def test_first_diversion_offence_throttles_the_account_for_seven_days(lp):
    ledger = Ledger()
    first = ledger.violation("diversion.wechat", day(0), lp.rules["diversion"].points)
    days = lp.rules["diversion"].account[0].days
    throttle = only(sanctions_in_force(ledger.entries, lp, day(0)), "throttle")
    assert throttle.because == (first.id,) and throttle.note_id is None
    assert throttle.end == day(days) and throttle.percent == lp.rules["diversion"].account[0].percent
    assert sanctions_in_force(ledger.entries, lp, day(days) - SECOND)
    assert sanctions_in_force(ledger.entries, lp, day(days)) == []


def test_second_diversion_offence_mutes_for_thirty_days(lp):
    ledger = Ledger()
    ledger.violation("diversion.wechat", day(0), 0)
    second = ledger.violation("diversion.phone", day(20), 0)
    mute_days = lp.rules["diversion"].account[1].days
    mute = only(sanctions_in_force(ledger.entries, lp, day(20)), "mute")
    assert mute.because == (second.id,)
    assert mute.end == day(20 + mute_days)
    assert "第 2 次" in mute.reason
    assert not [s for s in sanctions_in_force(ledger.entries, lp, day(20 + mute_days)) if s.kind == "mute"]


def test_a_diversion_offence_after_the_history_window_is_a_first_offence_again(lp):
    window = lp.history_window_days
    ledger = Ledger()
    ledger.violation("diversion.wechat", day(0), 0)
    ledger.violation("diversion.wechat", day(window), 0)  # the first one no longer counts
    assert kinds(sanctions_in_force(ledger.entries, lp, day(window))) == ["throttle"]
    ledger2 = Ledger()
    ledger2.violation("diversion.wechat", day(0), 0)
    ledger2.violation("diversion.wechat", day(window) - SECOND, 0)
    assert kinds(sanctions_in_force(ledger2.entries, lp, day(window))) == ["mute"]


def test_reversing_the_first_offence_turns_the_mute_back_into_a_throttle(lp):
    ledger = Ledger()
    first = ledger.violation("diversion.wechat", day(0), 0)
    ledger.violation("diversion.wechat", day(10), 0)
    assert kinds(sanctions_in_force(ledger.entries, lp, day(11))) == ["mute"]
    ledger.reverse(first, day(11))
    assert kinds(sanctions_in_force(ledger.entries, lp, day(11))) == ["throttle"]
    assert kinds(sanctions_in_force(ledger.entries, lp, day(10.5))) == ["mute"]  # history unchanged


# --- fake engagement: permanent ban at the third detection ------------------------------------


def test_the_third_fake_engagement_detection_bans_permanently(lp):
    rule = "authenticity.fake_engagement"
    ledger = Ledger()
    ledger.violation(rule, day(0), 6)
    ledger.violation(rule, day(30), 8)
    assert [s for s in sanctions_in_force(ledger.entries, lp, day(31)) if s.kind == "ban"] == []
    third = ledger.violation(rule, day(60), 10)
    ban = only(sanctions_in_force(ledger.entries, lp, day(60)), "ban")
    assert ban.because == (third.id,) and ban.end is None and ban.permanent
    assert only(sanctions_in_force(ledger.entries, lp, day(5000)), "ban")


def test_detections_older_than_the_history_window_do_not_count_toward_the_ban(lp):
    rule = "authenticity.fake_engagement"
    window = lp.history_window_days
    ledger = Ledger()
    ledger.violation(rule, day(0), 6)
    ledger.violation(rule, day(100), 6)
    ledger.violation(rule, day(window), 6)  # the first has left the window
    assert not [s for s in sanctions_in_force(ledger.entries, lp, day(window)) if s.kind == "ban"]
    ledger.violation(rule, day(window + 1), 6)  # third within the window of the second
    assert only(sanctions_in_force(ledger.entries, lp, day(window + 1)), "ban")


# --- commercial restriction: ≥ 10 points within any 30 days → 6 months --------------------------


def test_ten_points_within_thirty_days_restrict_commercial_cooperation_for_six_months(lp):
    window = timedelta(days=lp.commercial_restriction_window_days)
    ledger = Ledger()
    a = ledger.violation("report.confirmed", day(0), 5)
    b = ledger.violation("report.confirmed", day(0) + window - SECOND, 5)
    restriction = only(sanctions_in_force(ledger.entries, lp, b.created), "commercial_restriction")
    assert set(restriction.because) == {a.id, b.id}
    assert restriction.start == b.created
    assert restriction.end == b.created + timedelta(days=lp.commercial_restriction_days)
    assert not [s for s in sanctions_in_force(ledger.entries, lp, restriction.end) if s.kind == "commercial_restriction"]
    assert [s for s in sanctions_in_force(ledger.entries, lp, restriction.end - SECOND) if s.kind == "commercial_restriction"]


def test_ten_points_spread_over_exactly_thirty_days_do_not_restrict(lp):
    window = timedelta(days=lp.commercial_restriction_window_days)
    ledger = Ledger()
    ledger.violation("report.confirmed", day(0), 5)
    ledger.violation("report.confirmed", day(0) + window, 5)
    assert "commercial_restriction" not in kinds(sanctions_in_force(ledger.entries, lp, day(0) + window))


def test_nine_points_within_thirty_days_do_not_restrict(lp):
    ledger = Ledger()
    for i in range(3):
        ledger.violation("values.clickbait", day(i), 3)
    assert "commercial_restriction" not in kinds(sanction_history(ledger.entries, lp, day(3)))
    ledger.violation("values.clickbait", day(4), 1)
    assert "commercial_restriction" in kinds(sanction_history(ledger.entries, lp, day(4)))


def test_overlapping_triggers_extend_one_restriction(lp):
    ledger = Ledger()
    ledger.violation("claim.medical", day(0), 10)
    last = ledger.violation("claim.medical", day(100), 10)
    history = [s for s in sanction_history(ledger.entries, lp, day(101)) if s.kind == "commercial_restriction"]
    assert len(history) == 1
    assert history[0].start == day(0) and history[0].end == last.created + timedelta(days=lp.commercial_restriction_days)


# --- single-entry consequences -----------------------------------------------------------------


def test_medical_claim_removes_the_note_permanently(lp):
    ledger = Ledger()
    entry = ledger.violation("claim.medical", day(0), 10, note="n1")
    removal = only(sanctions_in_force(ledger.entries, lp, day(1000)), "remove")
    assert removal.note_id == "n1" and removal.permanent and removal.end is None
    assert removal.because == (entry.id,)


def test_health_food_curing_disease_and_severe_values_ban_the_account(lp):
    for rule in ("claim.food", "values.severe"):
        ledger = Ledger()
        entry = ledger.violation(rule, day(0), lp.rules[rule].points, note="n1")
        ban = only(sanctions_in_force(ledger.entries, lp, day(0)), "ban")
        assert ban.note_id is None and ban.permanent and ban.because == (entry.id,)


def test_confirmed_interaction_imbalance_demotes_for_thirty_days(lp):
    ledger = Ledger()
    ledger.violation("authenticity.imbalance", day(0), 0)
    days = lp.rules["authenticity.imbalance"].account[0].days
    assert kinds(sanctions_in_force(ledger.entries, lp, day(days) - SECOND)) == ["demotion"]
    assert sanctions_in_force(ledger.entries, lp, day(days)) == []


def test_confirmed_report_throttles_the_note(lp):
    ledger = Ledger()
    ledger.violation("report.confirmed", day(0), 5, note="n9")
    throttle = only(sanctions_in_force(ledger.entries, lp, day(1)), "throttle")
    assert throttle.note_id == "n9" and throttle.percent == lp.rules["report.confirmed"].note_percent


def test_unreported_soft_ad_limits_commercial_rights(lp):
    ledger = Ledger()
    ledger.violation("commercial.soft_ad", day(0), 2, note="n1")
    assert kinds(sanctions_in_force(ledger.entries, lp, day(1))) == ["commercial_restriction"]


def test_subrules_fall_back_to_their_family(lp):
    ledger = Ledger()
    ledger.violation("values.clickbait", day(0), 3, note="n1")
    throttle = only(sanctions_in_force(ledger.entries, lp, day(0)), "throttle")
    assert throttle.rule == "values"


# --- brand linkage and the watch list -----------------------------------------------------------


def test_a_brand_violation_throttles_the_creators_cooperation_notes(lp):
    brand = Ledger("brand1")
    brand_entry = brand.violation("commercial.soft_ad", day(0), 2)
    notes = [CooperationNote("n1", "brand1"), CooperationNote("n2", "other-brand")]
    creator = Ledger("creator")
    sanctions = sanctions_in_force(
        creator.entries, lp, day(1), brand_entries={"brand1": brand.entries}, cooperation_notes=notes
    )
    throttle = only(sanctions, "throttle")
    assert throttle.note_id == "n1" and throttle.because == (brand_entry.id,)
    assert throttle.end == day(lp.brand_linkage.days)
    brand.reverse(brand_entry, day(2))
    assert sanctions_in_force(creator.entries, lp, day(2), brand_entries={"brand1": brand.entries}, cooperation_notes=notes) == []


def test_the_watch_list_starts_below_index_sixty(lp):
    ledger = Ledger()
    ledger.violation("claim.medical", day(0), 10)
    threshold = lp.watchlist_below_index
    below = only(sanctions_in_force(ledger.entries, lp, day(1), account_index=threshold - 0.1), "watchlist")
    assert below.because == (1,)
    assert sanctions_in_force(Ledger().entries, lp, day(1), account_index=threshold) == []
