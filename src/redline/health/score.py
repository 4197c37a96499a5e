"""Score every note and account at once (NumPy over columns; NaN = unknown).

components → indicators (weighted mean of the known parts, plus bonuses) → dimensions → index.
An indicator with no known part is unknown: it is left out and the weights of the known ones are
renormalised; `coverage` is the share of the total weight that was known. The account index
aggregates its notes' indicators (recency- and exposure-weighted) with its account-level parts,
then subtracts the ledger's points in force.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from redline.health.curves import score_curve
from redline.health.model import COMPONENTS, DIMENSIONS, INDICATORS, components_of
from redline.policy import Policy

DAY_SECONDS = 86_400.0


@dataclass
class Scores:
    """Scores of n items (notes or accounts), column by column."""

    components: dict[str, np.ndarray] = field(default_factory=dict)
    indicators: dict[str, np.ndarray] = field(default_factory=dict)
    dimensions: dict[str, np.ndarray] = field(default_factory=dict)
    index: np.ndarray = field(default_factory=lambda: np.empty(0))
    coverage: np.ndarray = field(default_factory=lambda: np.empty(0))

    def columns(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {"index": self.index, "coverage": self.coverage}
        out.update({f"dim_{name}": values for name, values in self.dimensions.items()})
        out.update({f"ind_{code}": values for code, values in self.indicators.items()})
        out.update({f"cmp_{key}": values for key, values in self.components.items()})
        return out


def _weighted_mean(parts: list[tuple[np.ndarray, float]], n: int) -> np.ndarray:
    """Per item, the weighted mean of the parts it knows (NaN when it knows none). Summed in
    place (the ufuncs' `where=` instead of masked assignments): over a million items each
    temporary is memory the system must hand out afresh, which costs more than the arithmetic."""
    if len(parts) == 1 and parts[0][1] > 0:
        return np.array(parts[0][0], dtype=np.float64)
    total = np.zeros(n)
    weight = np.zeros(n)
    scratch = np.empty(n)
    known = np.empty(n, dtype=bool)
    for values, w in parts:
        np.equal(values, values, out=known)  # not NaN
        np.multiply(values, w, out=scratch)
        np.add(total, scratch, out=total, where=known)
        np.add(weight, w, out=weight, where=known)
    with np.errstate(invalid="ignore", divide="ignore"):
        total /= weight  # 0 / 0 = NaN where no part is known
    return total


def indicator_weights(policy: Policy) -> dict[str, float]:
    """Each indicator's share of the whole index: dimension weight × share within dimension."""
    iw = policy.index.indicator_weights
    dw = policy.index.dimension_weights
    out: dict[str, float] = {}
    for dimension in DIMENSIONS:
        codes = [i.code for i in INDICATORS if i.dimension == dimension]
        total = sum(getattr(iw, code) for code in codes)
        for code in codes:
            out[code] = getattr(dw, dimension) * getattr(iw, code) / total
    return out


def _combine(indicators: dict[str, np.ndarray], n: int, policy: Policy, scores: Scores) -> Scores:
    iw = policy.index.indicator_weights
    for dimension in DIMENSIONS:
        codes = [i.code for i in INDICATORS if i.dimension == dimension]
        scores.dimensions[dimension] = _weighted_mean([(indicators[c], getattr(iw, c)) for c in codes], n)
    weights = indicator_weights(policy)
    scores.index = _weighted_mean([(indicators[c], weights[c]) for c in weights], n)
    known_weight = np.zeros(n)
    for code, w in weights.items():
        known_weight += ~np.isnan(indicators[code]) * w
    scores.coverage = known_weight / sum(weights.values())
    scores.indicators = indicators
    return scores


def _components(values: dict[str, np.ndarray], level: str, n: int, policy: Policy) -> dict[str, np.ndarray]:
    curves = policy.index.curves
    out = {}
    for component in COMPONENTS:
        if component.level not in (level, "both"):
            continue
        raw = values.get(component.key)
        raw = np.full(n, np.nan) if raw is None else np.asarray(raw, dtype=np.float64)
        out[component.key] = score_curve(raw, getattr(curves, component.curve))
    return out


def _indicators_from(components: dict[str, np.ndarray], level: str, n: int, policy: Policy) -> dict[str, np.ndarray]:
    cw = policy.index.component_weights
    return {
        i.code: _weighted_mean([(components[c.key], getattr(cw, c.key)) for c in components_of(i.code, level)], n)
        for i in INDICATORS
    }


def _add_bonus(scores: np.ndarray, eligible: np.ndarray | None, points: float) -> np.ndarray:
    if eligible is None or points == 0:
        return scores
    eligible = np.asarray(eligible, dtype=bool) & ~np.isnan(scores)
    return np.where(eligible, np.minimum(100.0, scores + points), scores)


def note_bonus_flags(values: dict[str, np.ndarray], chars: np.ndarray, policy: Policy) -> dict[str, np.ndarray]:
    """Which notes earn the originality (Q1) and discussion (F2) bonuses."""
    originality = np.asarray(values.get("originality", np.full(len(chars), np.nan)), dtype=np.float64)
    discussion = np.asarray(values.get("discussion", np.full(len(chars), np.nan)), dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return {
            # A low-quality note (duplicates above the threshold) earns no bonus, however long.
            "originality": (originality >= policy.originality.bonus_min_originality)
            & (originality >= 1 - policy.originality.low_quality_duplicate_ratio)
            & (chars > policy.originality.bonus_min_chars),
            "discussion": discussion >= policy.index.bonuses.discussion_min_share,
        }


def score_notes(values: dict[str, np.ndarray], bonus_flags: dict[str, np.ndarray], n: int, policy: Policy) -> Scores:
    """`values`: component key → raw metric per note (NaN unknown)."""
    return combine_notes(note_indicators(values, bonus_flags, n, policy), n, policy)


def note_indicators(values: dict[str, np.ndarray], bonus_flags: dict[str, np.ndarray], n: int, policy: Policy) -> Scores:
    """The notes' components and indicators (bonuses added): what their accounts' index reads.
    `combine_notes` adds the dimensions, the index and the coverage."""
    components = _components(values, "note", n, policy)
    indicators = _indicators_from(components, "note", n, policy)
    bonuses = policy.index.bonuses
    indicators["Q1"] = _add_bonus(indicators["Q1"], bonus_flags.get("originality"), bonuses.originality)
    indicators["F2"] = _add_bonus(indicators["F2"], bonus_flags.get("discussion"), bonuses.discussion)
    return Scores(components=components, indicators=indicators)


def combine_notes(scores: Scores, n: int, policy: Policy) -> Scores:
    """`scores` (components and indicators of n notes) with their dimensions, index and coverage."""
    return _combine(scores.indicators, n, policy, scores)


def note_weights(published_epoch: np.ndarray, exposure: np.ndarray, day_end: int, policy: Policy) -> np.ndarray:
    """Recency × exposure weight of each note in its account's index."""
    age_days = np.maximum(0.0, (day_end - np.asarray(published_epoch, dtype=np.float64)) / DAY_SECONDS)
    recency = np.power(0.5, age_days / policy.index.recency_half_life_days)
    return recency * (1.0 + np.log1p(np.maximum(0.0, np.nan_to_num(exposure))))


@dataclass
class AccountScores(Scores):
    from_notes: dict[str, np.ndarray] = field(default_factory=dict)
    from_account: dict[str, np.ndarray] = field(default_factory=dict)
    index_before_deductions: np.ndarray = field(default_factory=lambda: np.empty(0))
    deductions: np.ndarray = field(default_factory=lambda: np.empty(0))
    notes_weight: np.ndarray = field(default_factory=lambda: np.empty(0))

    def columns(self) -> dict[str, np.ndarray]:
        out = super().columns()
        out["index_before_deductions"] = self.index_before_deductions
        out["deductions"] = self.deductions
        out.update({f"notes_{code}": v for code, v in self.from_notes.items()})
        out.update({f"acct_{code}": v for code, v in self.from_account.items()})
        return out


def score_accounts(
    note_indicators: dict[str, np.ndarray],
    note_account: np.ndarray,
    weights: np.ndarray,
    account_values: dict[str, np.ndarray],
    deductions: np.ndarray,
    n: int,
    policy: Policy,
) -> AccountScores:
    """`note_account`: each note's account position (0..n-1); `account_values`: account-level
    component key → raw metric per account."""
    from_notes: dict[str, np.ndarray] = {}
    # Per indicator: the weighted sum of the known values and the weight they carry, per account.
    # The per-note steps reuse two buffers (a million notes × twelve indicators of fresh
    # temporaries cost more in page faults than the arithmetic).
    notes_weight = np.bincount(note_account, weights=weights, minlength=n)
    scratch = np.empty(len(note_account))
    known = np.empty(len(note_account), dtype=bool)
    for code, values in note_indicators.items():
        np.equal(values, values, out=known)  # not NaN
        if known.all():  # every note's weight counts (often: the text indicators)
            np.multiply(values, weights, out=scratch)
            total, weight = np.bincount(note_account, weights=scratch, minlength=n), notes_weight
        else:
            np.copyto(scratch, 0.0)
            np.copyto(scratch, values, where=known)
            np.multiply(scratch, weights, out=scratch)
            total = np.bincount(note_account, weights=scratch, minlength=n)
            np.multiply(weights, known, out=scratch)
            weight = np.bincount(note_account, weights=scratch, minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            from_notes[code] = np.where(weight > 0, total / np.where(weight > 0, weight, 1.0), np.nan)
    components = _components(account_values, "account", n, policy)
    account_only = {key: v for key, v in components.items()}
    from_account = _indicators_from(account_only, "account", n, policy)
    share = policy.index.account_component_weight
    indicators = {}
    for code in from_notes:
        a, b = from_notes[code], from_account[code]
        both = ~np.isnan(a) & ~np.isnan(b)
        indicators[code] = np.where(both, (1 - share) * np.nan_to_num(a) + share * np.nan_to_num(b), np.where(np.isnan(a), b, a))
    scores = _combine(indicators, n, policy, AccountScores(components=components))
    scores.from_notes = from_notes
    scores.from_account = from_account
    scores.notes_weight = notes_weight
    scores.index_before_deductions = scores.index
    scores.deductions = np.asarray(deductions, dtype=np.float64)
    scores.index = np.where(np.isnan(scores.index), np.nan, np.clip(scores.index - scores.deductions, 0.0, 100.0))
    return scores
