"""Distribute days of impressions over a community by the traffic rules, and report who got
what and why (SPEC R-TRF's simulator).

Per day: each community-pool note enters the recommendation pool with the policy's base chance
times its tier's multiplier (3× for ≥ 80 accounts); the day's community impressions are shared
among the entrants in proportion to the rest of their multiplier (throttles, bonuses, stops).
Commerce impressions are split over categories by their product notes, within a category by
the horse race (the top 10 % of merchants take the bulk) with a shop's low-price listings
cutting its share, then over a merchant's notes by their multipliers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from redline.policy import Policy
from redline.traffic.decision import TrafficDecision
from redline.traffic.horse_race import RaceStanding


@dataclass(frozen=True, slots=True)
class SimNote:
    note_id: str
    account_id: str
    tier: str  # high | normal | low | unknown
    index: float | None
    decision: TrafficDecision
    merchant_id: str | None = None  # for commerce notes: whose shop
    category: str = ""  # product category for commerce notes

    @property
    def pool(self) -> str:
        return self.decision.pools[0]

    def tier_factor(self) -> float:
        return next((r.multiplier for r in self.decision.reasons if r.rule == "traffic.tier.high"), 1.0)

    def low_price_factor(self) -> float:
        """The cut a low-price listing (引流款) puts on this note's commerce traffic."""
        factor = 1.0
        for reason in self.decision.reasons:
            if reason.rule.startswith("traffic.low_price."):
                factor *= reason.multiplier
        return factor

    def other_factor(self) -> float:
        """The multiplier without the tier's recommendation-chance factor."""
        tier = self.tier_factor()
        return self.decision.multiplier / tier if tier else 0.0


@dataclass
class SimulationResult:
    days: int
    entries: dict[str, int] = field(default_factory=dict)  # note → recommendation-pool entries
    community: dict[str, float] = field(default_factory=dict)  # note → community impressions
    commerce: dict[str, float] = field(default_factory=dict)  # note → commerce impressions
    high_vs_normal_pool_ratio: float | None = None
    top_merchant_commerce_share: dict[str, float] = field(default_factory=dict)


def _share_out(total: float, weights: dict[str, float]) -> dict[str, float]:
    weight_sum = sum(weights.values())
    if weight_sum <= 0:
        return {key: 0.0 for key in weights}
    return {key: total * weight / weight_sum for key, weight in weights.items()}


def simulate(notes: list[SimNote], standings: dict[str, list[RaceStanding]], days: int, policy: Policy) -> SimulationResult:
    config = policy.traffic.simulate
    rng = np.random.default_rng(config.seed)
    result = SimulationResult(days)
    community = [n for n in notes if n.pool == "community" and not n.decision.blocked]
    commerce = [n for n in notes if n.pool == "commerce" and not n.decision.blocked]
    for note in notes:
        result.entries[note.note_id] = 0
        result.community[note.note_id] = 0.0
        result.commerce[note.note_id] = 0.0

    chances = np.array([min(1.0, config.base_entry_chance * n.tier_factor()) for n in community])
    for _ in range(days):
        entered = rng.random(len(community)) < chances if community else np.array([], dtype=bool)
        weights = {n.note_id: n.other_factor() for n, went in zip(community, entered) if went}
        for note_id in weights:
            result.entries[note_id] += 1
        for note_id, impressions in _share_out(config.daily_community_impressions, weights).items():
            result.community[note_id] += impressions

        by_category: dict[str, list[SimNote]] = defaultdict(list)
        for note in commerce:
            by_category[note.category].append(note)
        category_budget = _share_out(config.daily_commerce_impressions, {c: len(ns) for c, ns in by_category.items()})
        for category, category_notes in by_category.items():
            shares = {s.merchant_id: s.traffic_share for s in standings.get(category, [])}
            by_merchant: dict[str, list[SimNote]] = defaultdict(list)
            for note in category_notes:
                by_merchant[note.merchant_id or note.account_id].append(note)
            # A shop's share from the horse race, cut by its low-price listings: the mean factor
            # of its product notes (a ¥0.1 product on one of three notes costs a third).
            merchant_budget = _share_out(
                category_budget[category],
                {m: shares.get(m, 0.0) * sum(n.low_price_factor() for n in ns) / len(ns) for m, ns in by_merchant.items()},
            )
            for merchant, merchant_notes in by_merchant.items():
                weights = {n.note_id: n.decision.multiplier for n in merchant_notes}
                for note_id, impressions in _share_out(merchant_budget[merchant], weights).items():
                    result.commerce[note_id] += impressions

    result.high_vs_normal_pool_ratio = _high_vs_normal(community, result)
    result.top_merchant_commerce_share = _top_share(commerce, standings, result)
    return result


def _high_vs_normal(community: list[SimNote], result: SimulationResult) -> float | None:
    """Entries per note of ≥ 80 accounts over those of comparable 60–80 accounts (notes whose
    other multipliers are neutral, so only the tier differs)."""
    def per_note(tier: str) -> float | None:
        comparable = [n for n in community if n.tier == tier and abs(n.other_factor() - 1.0) < 1e-9]
        if not comparable:
            return None
        return sum(result.entries[n.note_id] for n in comparable) / len(comparable)

    high, normal = per_note("high"), per_note("normal")
    if high is None or not normal:
        return None
    return high / normal


def _top_share(commerce: list[SimNote], standings: dict[str, list[RaceStanding]], result: SimulationResult) -> dict[str, float]:
    shares: dict[str, float] = {}
    for category, standing in standings.items():
        top = {s.merchant_id for s in standing if s.in_top}
        notes = [n for n in commerce if n.category == category]
        total = sum(result.commerce[n.note_id] for n in notes)
        if total > 0 and len(standing) > 1:
            shares[category] = sum(result.commerce[n.note_id] for n in notes if (n.merchant_id or n.account_id) in top) / total
    return shares
