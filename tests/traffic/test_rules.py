"""Traffic rules at their boundaries (SPEC R-TRF)."""

from datetime import datetime, timedelta, timezone

import pytest

from redline.traffic.decision import NoteFacts, SanctionFact, decide_note
from redline.traffic.horse_race import MerchantSales, race
from redline.traffic.pools import ProductLinkEvent, pool_at, pool_timeline
from redline.traffic.promotion import compare_objectives, forecast
from redline.traffic.teen_mode import check_teen_publish, teen_pool_eligible
from redline.traffic.tiers import tier_for

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)


def note(**fields) -> NoteFacts:
    return NoteFacts(note_id="n1", published_at=NOW - timedelta(days=1), **fields)


def rules(decision) -> set[str]:
    return {reason.rule for reason in decision.reasons}


@pytest.mark.parametrize(
    ("index", "tier"), [(80, "high"), (79.99, "normal"), (60, "normal"), (59.99, "low"), (None, "unknown")]
)
def test_tier_boundaries(policy, index, tier):
    assert tier_for(index, policy).name == tier


def test_high_tier_triples_the_recommendation_chance(policy):
    decision = decide_note(note(), tier_for(85, policy), [], NOW, policy)
    assert decision.multiplier == pytest.approx(3.0)
    assert "traffic.tier.high" in rules(decision)


def test_low_tier_halves_new_notes_only(policy):
    low = tier_for(55, policy)
    assert decide_note(note(), low, [], NOW, policy).multiplier == pytest.approx(0.5)
    old = NoteFacts(note_id="old", published_at=NOW - timedelta(days=30))
    assert decide_note(old, low, [], NOW, policy).multiplier == pytest.approx(1.0)
    assert low.watch_list and not low.pugongying_allowed


@pytest.mark.parametrize(("rate", "stopped"), [(0.02, False), (0.0199, True), (0.05, False)])
def test_interaction_rate_below_two_percent_stops_recommendation(policy, rate, stopped):
    decision = decide_note(note(interaction_rate=rate), tier_for(70, policy), [], NOW, policy)
    assert ("traffic.interaction_stop" in rules(decision)) is stopped
    assert decision.multiplier == (0.0 if stopped else 1.0)


@pytest.mark.parametrize(("ratio", "low"), [(0.30, False), (0.3001, True)])
def test_duplicate_ratio_above_thirty_percent_is_low_quality(policy, ratio, low):
    decision = decide_note(note(duplicate_ratio=ratio), tier_for(70, policy), [], NOW, policy)
    assert ("traffic.duplicate_low_quality" in rules(decision)) is low


@pytest.mark.parametrize(("originality", "chars", "bonus"), [(0.60, 601, True), (0.59, 900, False), (0.9, 600, False)])
def test_originality_bonus_needs_sixty_percent_and_over_600_characters(policy, originality, chars, bonus):
    decision = decide_note(note(originality=originality, chars=chars), tier_for(70, policy), [], NOW, policy)
    assert ("traffic.originality_bonus" in rules(decision)) is bonus


def test_science_without_source_loses_ninety_percent(policy):
    decision = decide_note(note(is_science=True, science_has_source=False, category="science"), tier_for(70, policy), [], NOW, policy)
    assert decision.multiplier == pytest.approx(0.10)
    assert any("参考文献" in r.advice for r in decision.reasons)


def test_science_fund_scales_up_to_five_times(policy):
    best = decide_note(note(is_science=True, category="science", quality_score=100), tier_for(70, policy), [], NOW, policy)
    assert best.multiplier == pytest.approx(5.0)
    middle = decide_note(note(is_science=True, category="science", quality_score=77.5), tier_for(70, policy), [], NOW, policy)
    assert 1.0 < middle.multiplier < 5.0


@pytest.mark.parametrize(("ratio", "push"), [(1.2, False), (1.21, True)])
def test_dwell_above_baseline_by_twenty_percent_gets_a_second_push(policy, ratio, push):
    decision = decide_note(note(dwell_ratio=ratio), tier_for(70, policy), [], NOW, policy)
    assert ("traffic.dwell_second_push" in rules(decision)) is push


def test_review_hold_and_sanctions_from_the_ledger(policy):
    held = decide_note(note(under_review=True), tier_for(70, policy), [], NOW, policy)
    assert held.multiplier == 0.0 and "traffic.review_hold" in rules(held)
    throttle = SanctionFact("throttle", NOW - timedelta(days=1), NOW + timedelta(days=6), because=("e1",))
    limited = decide_note(note(), tier_for(70, policy), [throttle], NOW, policy)
    assert limited.multiplier == pytest.approx(policy.traffic.throttle_keeps)
    expired = SanctionFact("throttle", NOW - timedelta(days=8), NOW - timedelta(days=1))
    assert decide_note(note(), tier_for(70, policy), [expired], NOW, policy).multiplier == 1.0
    other_note = SanctionFact("remove", NOW - timedelta(days=1), None, note_id="n2")
    assert not decide_note(note(), tier_for(70, policy), [other_note], NOW, policy).blocked
    removed = SanctionFact("remove", NOW - timedelta(days=1), None, note_id="n1")
    decision = decide_note(note(), tier_for(90, policy), [removed], NOW, policy)
    assert decision.blocked and decision.multiplier == 0.0


def test_product_attached_later_moves_the_note_to_commerce_from_that_moment():
    published = NOW - timedelta(days=10)
    attached = NOW - timedelta(days=3)
    history = [ProductLinkEvent(attached, "p1")]
    assert pool_at(history, attached - timedelta(seconds=1)) == "community"
    assert pool_at(history, attached) == "commerce"
    detached = [*history, ProductLinkEvent(NOW - timedelta(days=1), None)]
    assert pool_at(detached, NOW) == "community"
    spans = pool_timeline(published, detached)
    assert [s.pool for s in spans] == ["community", "commerce", "community"]
    assert spans[0].end == attached  # the community reach before attaching stays in history


def test_product_attached_at_publish_never_gets_community_traffic(policy):
    published = NOW - timedelta(days=1)
    facts = NoteFacts("n1", published, product_history=(ProductLinkEvent(published, "p1"),))
    decision = decide_note(facts, tier_for(70, policy), [], NOW, policy)
    assert decision.pools == ("commerce",)
    assert [s.pool for s in pool_timeline(published, list(facts.product_history))] == ["commerce"]


def test_horse_race_top_ten_percent_take_the_bulk(policy):
    sales = [MerchantSales(f"m{i:02d}", "美妆", gmv=1000.0 * (i + 1), orders=10 * (i + 1), visits=1000) for i in range(20)]
    standings = race(sales, policy)
    top = [s for s in standings if s.in_top]
    assert [s.merchant_id for s in top] == ["m19", "m18"]
    assert sum(s.traffic_share for s in top) == pytest.approx(policy.traffic.horse_race.top_traffic_share)
    assert sum(s.traffic_share for s in standings) == pytest.approx(1.0)
    last = standings[-1]
    assert last.gap_to_cutoff > 0 and last.gmv_gap_to_cutoff == pytest.approx(18000.0)
    assert "头部线为第 2 名" in last.explain()


@pytest.mark.parametrize(
    ("clock", "allowed"), [((21, 59), True), ((22, 0), False), ((23, 30), False), ((5, 59), False), ((6, 0), True)]
)
def test_teen_mode_refuses_publishing_between_22_and_6(policy, clock, allowed):
    at = datetime(2026, 11, 21, *clock)
    result = check_teen_publish(at, policy)
    assert result.allowed is allowed
    if not allowed:
        assert result.next_allowed_at.hour == 6 and result.next_allowed_at > at
        assert "06:00" in result.message


def test_teen_pool_excludes_beauty_and_games(policy):
    assert not teen_pool_eligible("美妆", 95, policy)[0]
    assert teen_pool_eligible("学习", 95, policy)[0]
    assert not teen_pool_eligible("学习", 10, policy)[0]


def test_engagement_objective_buys_likes_and_conversion_buys_orders(policy):
    forecasts = compare_objectives(1000, policy)
    assert forecasts["engagement"].likes > forecasts["conversion"].likes
    assert forecasts["conversion"].orders > forecasts["engagement"].orders
    assert forecasts["conversion"].roi > forecasts["engagement"].roi


@pytest.mark.parametrize("budget", [0, -5])
def test_promotion_rejects_non_positive_budgets(policy, budget):
    from redline.errors import InputError

    with pytest.raises(InputError):
        forecast("engagement", budget, policy)


def test_shop_drag_estimates_what_the_weak_shop_costs():
    from redline.traffic.shop_drag import NoteReach, shop_drag

    reach = [NoteReach(f"c{i}", "community", 5000) for i in range(4)] + [NoteReach(f"p{i}", "commerce", 800) for i in range(3)]
    report = shop_drag("a1", reach, shop_traffic_share=0.004, shop_rank=37, merchants_in_category=40)
    assert report.separate_helps
    assert report.estimated_loss == pytest.approx(3 * 4200)
    assert "耗电分离" in report.message and "37/40" in report.message
    strong = shop_drag("a2", [NoteReach("c", "community", 1000), NoteReach("p", "commerce", 3000)])
    assert not strong.separate_helps
    assert shop_drag("a3", [NoteReach("c", "community", 1000)]).estimated_loss == 0.0


def test_reach_explanation_tells_marketing_from_sanctions(policy):
    from redline.traffic.marketing_reach import NoteMarketing, explain_reach

    promotional = [NoteMarketing(f"n{i}", marketing=i / 10, impressions=10000 - 900 * i, under_sanction=False) for i in range(10)]
    assert explain_reach(promotional, policy).main_cause == "marketing"
    sanctioned = [NoteMarketing(f"n{i}", marketing=0.2, impressions=[9000, 11000, 10000][i % 3], under_sanction=False) for i in range(6)]
    sanctioned += [NoteMarketing(f"s{i}", marketing=0.2, impressions=2000, under_sanction=True) for i in range(3)]
    result = explain_reach(sanctioned, policy)
    assert result.main_cause == "sanction"
    assert result.sanctioned_median == 2000
    assert explain_reach([], policy).main_cause == "unknown"


def test_teen_index_is_its_own_score(policy):
    from redline.traffic.teen_mode import TeenNote, teen_index

    teen = policy.traffic.teen_mode
    clean = TeenNote("学习", 90.0, 0.0, frozenset())
    assert teen_index([clean], policy) == 90.0
    promotional = TeenNote("学习", 90.0, 1.0, frozenset({"commercial"}))
    assert teen_index([promotional], policy) == pytest.approx(90.0 - teen.marketing_penalty - teen.finding_penalty)
    beauty = TeenNote("美妆", 95.0, 0.0, frozenset())
    assert teen_index([beauty], policy) is None  # excluded categories do not count
    assert teen_index([clean, beauty, TeenNote("学习", None, 0.0, frozenset())], policy) == 90.0


def test_teen_pool_reason_follows_the_teen_index(policy):
    published = NOW.replace(hour=4)  # 12:00 in UTC+8
    facts = NoteFacts("n1", published, category="学习", teen_audience=True, teen_index=50.0)
    decision = decide_note(facts, tier_for(90, policy), [], NOW, policy)
    assert "traffic.teen.index_low" in rules(decision)
    assert decision.multiplier == pytest.approx(3.0)  # ordinary traffic untouched
    eligible = NoteFacts("n1", published, category="学习", teen_audience=True, teen_index=85.0)
    assert "traffic.teen.pool" in rules(decide_note(eligible, tier_for(90, policy), [], NOW, policy))
