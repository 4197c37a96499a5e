"""Each indicator at and around the thresholds of the source (SPEC R-SIG / R-IDX), computed by
the real signal expressions on DuckDB and the real scoring."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from .scenario import DAY, World, at, run


def unknown(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _interaction(policy, engagement: int, reads: int = 1000):
    world = World()
    world.account()
    world.note()
    world.event("read", "r", n=reads)
    world.event("like", "l", n=engagement)
    return run(world, policy).notes["n1"]


@pytest.mark.parametrize("likes, healthy, stopped", [(19, False, True), (20, False, False), (29, False, False), (30, True, False), (31, True, False)])
def test_interaction_rate_around_two_and_three_percent(policy, likes, healthy, stopped):
    note = _interaction(policy, likes)
    assert note["interaction_rate"] == pytest.approx(likes / 1000)
    score = note["cmp_interaction_rate"]
    stop_score = policy.index.curves.interaction_rate[1][1]  # the score just below 2 %
    healthy_score = policy.index.curves.interaction_rate[4][1]  # the score from 3 %
    if stopped:
        assert score < stop_score + 1e-9
    else:
        assert score > stop_score
    assert (score >= healthy_score) == healthy


def test_interaction_rate_needs_enough_reads(policy):
    world = World()
    world.account()
    world.note()
    world.event("read", "r", n=policy.signals.min_reads - 1)
    world.event("like", "l", n=5)
    note = run(world, policy).notes["n1"]
    assert unknown(note["interaction_rate"])
    assert unknown(note["ind_F2"])


def _completion(policy, seconds_long: float, completed: int, total: int = 100):
    world = World()
    world.account()
    world.note(video_seconds=seconds_long)
    full = seconds_long
    world.event("watch", "w", n=completed, seconds=full, duration=full)
    world.event("watch", "x", n=total - completed, seconds=full * 0.3, duration=full)
    return run(world, policy).notes["n1"]


@pytest.mark.parametrize("completed, expectation", [(29, "low"), (30, "middle"), (49, "middle"), (50, "healthy")])
def test_short_video_completion_thirty_and_fifty_percent(policy, completed, expectation):
    note = _completion(policy, 20.0, completed)
    assert note["completion_short"] == pytest.approx(completed / 100)
    assert unknown(note["completion_long"])
    score = note["cmp_completion_short"]
    curve = policy.index.curves.completion_short
    low_top, middle_start, healthy_start = curve[1][1], curve[2][1], curve[4][1]
    if expectation == "low":
        assert score < low_top + 1e-9
    elif expectation == "middle":
        assert middle_start <= score < healthy_start
    else:
        assert score >= healthy_start


@pytest.mark.parametrize("completed, bonus", [(39, False), (40, True)])
def test_long_video_completion_forty_percent_bonus(policy, completed, bonus):
    note = _completion(policy, 180.0, completed)
    assert note["completion_long"] == pytest.approx(completed / 100)
    bonus_score = policy.index.curves.completion_long[2][1]
    assert (note["cmp_completion_long"] >= bonus_score) == bonus


def test_completion_tolerates_the_last_moment(policy):
    # Watching 95 % of a 20 s video counts as completed (policy completion_min_fraction).
    world = World()
    world.account()
    world.note(video_seconds=20.0)
    world.event("watch", "w", n=10, seconds=20.0 * policy.signals.completion_min_fraction, duration=20.0)
    world.event("watch", "x", n=10, seconds=20.0 * policy.signals.completion_min_fraction - 0.5, duration=20.0)
    assert run(world, policy).notes["n1"]["completion_short"] == pytest.approx(0.5)


def _fans(policy, active: int, total: int = 100):
    world = World()
    world.account(followers=total)
    world.note()
    world.event("follow", "f", when=at(day=DAY - timedelta(days=60)), n=total, account_id="a1")
    for day_offset in range(policy.signals.fan_active_min_logins):
        world.event("login", "f", when=at(10, day=DAY - timedelta(days=day_offset)), n=active)
    return run(world, policy)


@pytest.mark.parametrize("active, zombie, bonus", [(14, True, False), (15, False, False), (29, False, False), (30, False, True)])
def test_fan_activity_fifteen_and_thirty_percent(policy, active, zombie, bonus):
    outcome = _fans(policy, active)
    account = outcome.accounts["a1"]
    assert account["details"]["metrics"]["fan_activity"] == pytest.approx(active / 100)
    score = account["details"]["components"]["fan_activity"]
    curve = policy.index.curves.fan_activity
    assert (score <= curve[1][1]) == zombie
    assert (score >= curve[4][1]) == bonus
    # The author's fan activity also counts in each note's F4.
    assert outcome.notes["n1"]["fan_activity"] == pytest.approx(active / 100)


def test_fan_activity_counts_logins_only_within_28_days_and_unfollows(policy):
    world = World()
    world.account(followers=40)
    world.note()
    world.event("follow", "f", when=at(day=DAY - timedelta(days=60)), n=40, account_id="a1")
    # fan user f0..f19 log in 3 times, but f0..f9 only long ago.
    for k in range(3):
        world.event("login", "f", when=at(10, day=DAY - timedelta(days=40 + k)), n=10)
    for k in range(3):
        for i in range(10, 20):
            world.event("login", f"f{i}", when=at(10, day=DAY - timedelta(days=k)))
    # f10 unfollows: no longer a fan.
    world.event("unfollow", "f10", when=at(9), account_id="a1")
    account = run(world, policy).accounts["a1"]
    assert account["details"]["metrics"]["fans_known"] == 39
    assert account["details"]["metrics"]["active_fans"] == 9


def _reports(policy, times, reasons=None, users=None):
    world = World()
    world.account()
    world.note()
    world.event("read", "r", n=30)
    for i, when in enumerate(times):
        world.event("report", (users or [f"rep{j}" for j in range(len(times))])[i], when=when, reason=(reasons or ["导流"] * len(times))[i])
    return run(world, policy).notes["n1"]


def test_five_valid_reports_within_24_hours_trigger_review(policy):
    note = _reports(policy, [at(1 + 4 * i) for i in range(5)])
    assert note["reports_24h_max"] == 5
    assert note["cmp_reports"] <= policy.index.curves.reports[2][1]


def test_four_reports_do_not(policy):
    note = _reports(policy, [at(1 + 4 * i) for i in range(4)])
    assert note["reports_24h_max"] == 4
    assert note["cmp_reports"] > policy.index.curves.reports[2][1]


def test_reports_spread_over_more_than_24_hours_are_not_one_window(policy):
    start = at(0, day=DAY - timedelta(days=1))
    note = _reports(policy, [start + timedelta(hours=6.1 * i) for i in range(5)])  # spans 24.4 h
    assert note["valid_reports"] == 5
    assert note["reports_24h_max"] == 4


def test_invalid_reasons_and_repeat_reporters_do_not_count(policy):
    times = [at(1 + i) for i in range(6)]
    note = _reports(policy, times, reasons=["导流", "导流", "导流", "导流", "我不喜欢", "导流"], users=["a", "b", "c", "d", "e", "a"])
    assert note["valid_reports"] == 4
    assert note["reports_24h_max"] == 4


def _dwell(policy, average: float):
    world = World()
    world.account()
    world.note(category="美妆")
    world.event("dwell", "d", n=policy.signals.min_dwell_events, seconds=average)
    return run(world, policy).notes["n1"]


@pytest.mark.parametrize("factor, high", [(1.19, False), (1.21, True)])
def test_dwell_over_baseline_times_1_2_is_high_value(policy, factor, high):
    baseline = policy.signals.dwell_baselines["美妆"]  # too few notes: the policy's baseline
    note = _dwell(policy, baseline * factor)
    assert note["dwell_baseline_source"] == "policy"
    assert note["dwell_ratio"] == pytest.approx(factor)
    assert (note["cmp_dwell_ratio"] >= policy.index.curves.dwell_ratio[4][1]) == high


def test_dwell_baseline_comes_from_the_data_when_the_category_has_enough_notes(policy):
    world = World()
    world.account()
    count = policy.signals.dwell_baseline_min_notes
    for i in range(count):
        world.note(f"n{i}", category="数码")
        world.event("dwell", f"d{i}-", n=policy.signals.min_dwell_events, seconds=20.0 + 10 * i, note_id=f"n{i}")
    notes = run(world, policy).notes
    mean = sum(20.0 + 10 * i for i in range(count)) / count
    assert notes["n0"]["dwell_baseline_source"] == "data"
    assert notes["n0"]["dwell_baseline"] == pytest.approx(mean)
    assert notes[f"n{count - 1}"]["dwell_ratio"] == pytest.approx((20.0 + 10 * (count - 1)) / mean)


@pytest.mark.parametrize("followers, likes, warned", [(10_000, 199, True), (10_000, 200, False), (9_999, 50, None)])
def test_ten_thousand_fans_but_under_200_likes_is_imbalance(policy, followers, likes, warned):
    world = World()
    world.account(followers=followers)
    world.note("n1", liked_count=likes, published=at(8, day=DAY - timedelta(days=2)))
    world.note("n2", liked_count=likes, published=at(8, day=DAY - timedelta(days=3)))
    account = run(world, policy).accounts["a1"]
    value = account["details"]["metrics"]["imbalance"]
    if warned is None:
        assert value is None  # below 10k fans the check does not apply
        return
    assert value == pytest.approx(likes)
    warning_top = policy.index.curves.imbalance[1][1]
    assert (account["details"]["components"]["imbalance"] <= warning_top) == warned


@pytest.mark.parametrize("bots, burst", [(49, False), (50, True)])
def test_bursts_of_likes_from_new_accounts_are_fake_engagement(policy, bots, burst):
    world = World()
    world.account()
    world.note()
    world.event("read", "r", n=100)
    world.event("like", "real", n=5)
    created = at(3, day=DAY - timedelta(days=2))
    for i in range(bots):
        world.event("like", f"bot{i}", when=at(3, 0, i), user_created_at=created)
    note = run(world, policy).notes["n1"]
    assert note["bursts"] == (1 if burst else 0)
    if burst:
        assert note["fake_engagement"] == pytest.approx(bots / (bots + 5))
        # Bought likes do not raise the interaction rate.
        assert note["interaction_rate"] == pytest.approx(5 / 100)
    else:
        assert note["fake_engagement"] == 0


def test_old_active_accounts_liking_together_are_not_a_burst(policy):
    world = World()
    world.account()
    world.note()
    world.event("login", "fan", when=at(1), n=60)
    world.event("like", "fan", when=at(3), n=60, user_created_at=at(3, day=DAY - timedelta(days=300)))
    assert run(world, policy).notes["n1"]["bursts"] == 0


def test_an_engagement_is_judged_on_its_own_day(policy):
    """Accounts dormant when they liked together are a burst, even if they log in afterwards;
    the same accounts having logged in within the inactivity window before are not."""
    old = at(3, day=DAY - timedelta(days=300))
    liked = at(3, day=DAY - timedelta(days=1))
    woken = World()
    woken.account()
    woken.note()
    woken.event("login", "someone", when=at(1, day=DAY - timedelta(days=1)))  # the lake has login data that day
    woken.event("like", "fan", when=liked, n=60, user_created_at=old)
    woken.event("login", "fan", when=at(9), n=60)  # the day after the likes
    assert run(woken, policy).notes["n1"]["bursts"] == 1
    active = World()
    active.account()
    active.note()
    active.event("login", "fan", when=at(9, day=DAY - timedelta(days=policy.signals.inactive_days - 1)), n=60)
    active.event("like", "fan", when=liked, n=60, user_created_at=old)
    assert run(active, policy).notes["n1"]["bursts"] == 0


def test_follows_from_dormant_accounts_are_purchased_followers(policy):
    world = World()
    world.account()
    world.note()
    for i in range(60):
        world.event("follow", f"bot{i}", when=at(3, 0, i), account_id="a1", user_created_at=at(3, day=DAY - timedelta(days=300)))
    world.event("login", "someone", when=at(1))  # the lake has login data: inactivity can be judged
    metrics = run(world, policy).accounts["a1"]["details"]["metrics"]
    assert metrics["follows_window"] == 60 and metrics["burst_follows"] == 60
    assert metrics["fake_followers"] == pytest.approx(1.0)


def test_negative_comments_and_discussion_bonus(policy):
    world = World()
    world.account()
    world.note()
    world.event("read", "r", n=100)
    world.event("like", "l", n=5)
    world.comment(n=6)
    world.comment(negative=True, n=2)
    world.comment(question=True, n=2)
    note = run(world, policy).notes["n1"]
    assert note["negative_comments"] == pytest.approx(0.2)
    assert note["discussion"] == pytest.approx(0.2)
    assert note["bonus_discussion"] is True
    plain = dict(note)
    assert note["ind_F2"] == pytest.approx(min(100.0, note["cmp_interaction_rate"] + policy.index.bonuses.discussion))
    assert plain["cmp_negative_comments"] == pytest.approx(policy.index.curves.negative_comments[1][1])


def test_click_through_and_fan_profile_match(policy):
    world = World()
    world.account(interests={"美妆": 0.8, "穿搭": 0.2})
    world.note("n1", category="美妆")
    world.note("n2", category="美食")
    world.event("impression", "i", n=100, note_id="n1")
    world.event("read", "r", n=10, note_id="n1")
    notes = run(world, policy).notes
    assert notes["n1"]["ctr"] == pytest.approx(0.1)
    assert notes["n1"]["fan_match"] == pytest.approx(0.8)
    assert notes["n1"]["cmp_fan_match"] == pytest.approx(policy.index.curves.fan_match[2][1])
    assert notes["n2"]["fan_match"] == 0.0  # interests known, none for this category


def test_text_findings_take_points_per_indicator(policy):
    from redline.checks.finding import Finding
    from redline.health.text import text_points

    findings = [
        Finding("substance.science_no_source", "violation", 0, 2, "研究", "", ""),
        Finding("diversion.wechat", "violation", 0, 2, "vx", "", ""),
        Finding("adlaw.absolute", "warning", 0, 2, "最好", "", ""),
    ]
    points = text_points(findings, policy)
    assert points == {"Q2": policy.index.text.violation_points, "Q3": 0.0, "C1": policy.index.text.warning_points,
                      "C2": policy.index.text.violation_points, "C3": 0.0}

    world = World()
    world.account()
    world.note(text={"text_q2": points["Q2"], "text_c2": points["C2"], "text_c1": points["C1"]})
    note = run(world, policy).notes["n1"]
    assert note["ind_Q2"] == pytest.approx(100 - policy.index.text.violation_points)
    assert note["ind_Q3"] == pytest.approx(100.0)
    assert note["ind_C2"] == pytest.approx(100 - policy.index.text.violation_points)


def test_originality_thirty_percent_duplicates_and_bonus(policy):
    world = World()
    world.account()
    world.note("low", text={"originality": 0.69, "chars": 800})
    world.note("ok", text={"originality": 0.70, "chars": 300})
    world.note("bonus", text={"originality": 0.95, "chars": 601})
    notes = run(world, policy).notes
    curve = policy.index.curves.originality
    assert notes["low"]["ind_Q1"] < curve[1][1] + 1e-9  # duplicates above 30 %: low quality, no bonus
    assert notes["low"]["bonus_originality"] is False
    assert notes["ok"]["ind_Q1"] == pytest.approx(curve[2][1])
    assert notes["ok"]["bonus_originality"] is False  # 600 characters or fewer
    assert notes["bonus"]["bonus_originality"] is True
    assert notes["bonus"]["ind_Q1"] == pytest.approx(min(100.0, notes["bonus"]["cmp_originality"] + policy.index.bonuses.originality))
