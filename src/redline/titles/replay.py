"""Replay title experiments on real A/B data: does the lab pick better titles than naive tests?

Each archived test becomes a simulation: arm 0 (the first headline) is the original, each arm's
empirical CTR is its true rate, the test's real total impressions are the horizon. Three
strategies run on the same tests in the same run:

- `uniform`: an even split, a z-test after every batch (the naive "peek until significant");
- `thompson`: plain batched Thompson sampling, a switch proposed when a variant's P(best) ≥ 0.95;
- `redline`: the lab (burn-in, control share, sharpened Thompson sampling, always-valid mSPRT,
  proposals accepted at once: the remaining traffic goes to the proposed title).

Metrics: `oracle_share` (expected clicks ÷ clicks of always showing the truly best arm, mean over
tests; `oracle_share_pooled` sums first), `proposal_rate`, `winner_precision` (proposed arm truly
better than the original), `aa_false_winner_rate` (every arm set to the original's CTR), the
prior's `prior_top1` against the 1/k of a random pick (weights fitted only on EARLIER weeks), and
the SRM check's flag rate on clean tests and on tests from a window where randomisation was broken.
Pure: the caller loads the tests (see `redline.ingest.upworthy`); everything is seeded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from redline.policy import Policy
from redline.titles.arms import arm_count
from redline.titles.bandit import batch_shares, thompson_shares, uniform_shares
from redline.titles.experiment import allocation_settings
from redline.titles.features import FEATURES, feature_matrix
from redline.titles.prior import ridge_fit
from redline.titles.srm import srm_check
from redline.titles.stopping import winners

Z_NAIVE = 1.959963984540054  # the naive baseline's two-sided 5 % z threshold (what people use)
P_BEST_RULE = 0.95  # the plain-Thompson baseline's "P(best) ≥ 0.95" rule (the baseline)


@dataclass(frozen=True)
class ReplayTest:
    test_id: str
    week: int
    headlines: tuple[str, ...]
    impressions: np.ndarray
    clicks: np.ndarray

    @property
    def ctr(self) -> np.ndarray:
        return self.clicks / np.maximum(self.impressions, 1)

    @property
    def horizon(self) -> int:
        return int(self.impressions.sum())


@dataclass
class Outcome:
    """Per-test results of one strategy."""

    reward: np.ndarray  # expected clicks earned
    oracle: np.ndarray  # expected clicks of always showing the best arm
    winner: np.ndarray  # proposed arm, −1 when none


def _simulate_group(
    strategy: str,
    true_ctr: np.ndarray,
    horizon: np.ndarray,
    prior_mean: np.ndarray,
    active: np.ndarray,
    policy: Policy,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    e = policy.titles.experiment
    settings = allocation_settings(policy)
    tests, arms = true_ctr.shape
    impressions = np.zeros((tests, arms))
    clicks = np.zeros((tests, arms))
    reward = np.zeros(tests)
    remaining = horizon.astype(float).copy()
    winner = np.full(tests, -1)
    live = remaining > 0
    while live.any():
        idx = np.flatnonzero(live)
        batch = np.minimum(e.batch_impressions, remaining[idx])
        n, c, act = impressions[idx], clicks[idx], active[idx]
        if strategy == "uniform":
            shares = uniform_shares(act)
        elif strategy == "thompson":
            shares, _ = thompson_shares(c, n, act, settings.draws, rng)
        else:
            used = 1.0 - remaining[idx] / horizon[idx]
            shares = batch_shares(c, n, act, prior_mean[idx], used, settings, rng).shares
        shares = np.where(act, np.maximum(shares, 0.0), 0.0)
        shares /= shares.sum(axis=1, keepdims=True)
        served = rng.multinomial(batch.astype(np.int64), shares)
        got = rng.binomial(served, true_ctr[idx])
        impressions[idx] += served
        clicks[idx] += got
        reward[idx] += (served * true_ctr[idx]).sum(axis=1)
        remaining[idx] -= batch
        n, c = impressions[idx], clicks[idx]
        if strategy == "uniform":
            with np.errstate(divide="ignore", invalid="ignore"):
                pooled = (c + c[:, :1]) / (n + n[:, :1])
                z = (c / n - c[:, :1] / n[:, :1]) / np.sqrt(pooled * (1 - pooled) * (1 / n + 1 / n[:, :1]))
            found = act & (np.nan_to_num(z, nan=0.0) >= Z_NAIVE)
        elif strategy == "thompson":
            p_best, _ = thompson_shares(c, n, act, settings.draws, rng)
            found = act & (p_best >= P_BEST_RULE)
        else:
            significant = winners(c, n, act, e.alpha, e.mixture_relative_sd, e.burn_in)
            found = significant
            if significant.any():
                used = 1.0 - remaining[idx] / horizon[idx]
                beats = batch_shares(c, n, act, prior_mean[idx], used, settings, rng).p_beats_control
                found = significant & (beats >= e.confidence)
        found[:, 0] = False
        new = found.any(axis=1) & (winner[idx] < 0)
        if new.any():
            rows = idx[new]
            with np.errstate(divide="ignore", invalid="ignore"):
                rate = np.where(found[new], clicks[rows] / impressions[rows], -1.0)
            winner[rows] = rate.argmax(axis=1)
            if strategy == "redline":
                # The creator accepts: the rest of the horizon shows the proposed title.
                reward[rows] += remaining[rows] * true_ctr[rows, winner[rows]]
                remaining[rows] = 0
        live = remaining > 0
    return reward, winner


def simulate(
    strategy: str,
    true_ctrs: Sequence[np.ndarray],
    horizons: Sequence[int],
    prior_lifts: Sequence[np.ndarray],
    base_ctr: Sequence[float],
    policy: Policy,
    seed: int,
) -> Outcome:
    """Run one strategy over many tests (grouped by arm count, vectorised within a group)."""
    rng = np.random.default_rng(seed)
    count = len(true_ctrs)
    sizes = np.array([len(p) for p in true_ctrs])
    reward = np.zeros(count)
    winner = np.full(count, -1)
    oracle = np.array([float(np.max(p)) * h for p, h in zip(true_ctrs, horizons)])
    for arms in np.unique(sizes):
        members = np.flatnonzero(sizes == arms)
        true_ctr = np.vstack([true_ctrs[i] for i in members])
        horizon = np.array([horizons[i] for i in members], dtype=float)
        lifts = np.vstack([prior_lifts[i] for i in members])
        prior_mean = np.asarray([base_ctr[i] for i in members])[:, None] * np.exp(lifts)
        active = np.ones_like(true_ctr, dtype=bool)
        r, w = _simulate_group(strategy, true_ctr, horizon, prior_mean, active, policy, rng)
        reward[members] = r
        winner[members] = w
    return Outcome(reward, oracle, winner)


def rolling_prior(tests: Sequence[ReplayTest], policy: Policy) -> tuple[list[np.ndarray], int]:
    """For every test, each arm's predicted log-lift over arm 0, from weights fitted only on tests
    of EARLIER weeks (the shipped weights until enough earlier arms exist). Returns the lifts and
    the number of tests scored with fitted (not shipped) weights."""
    titles = policy.titles
    shipped = np.array([titles.prior.weights.get(name, 0.0) for name in FEATURES])
    bound = titles.prior.max_predicted_lift_sd * titles.prior.relative_sd
    diffs: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    precisions: list[np.ndarray] = []
    for test in tests:
        x = feature_matrix(list(test.headlines), titles.prior, titles.generation)
        diffs.append(x[1:] - x[0])
        c = test.clicks.astype(float) + 1.0
        n = test.impressions.astype(float) + 1.0
        targets.append(np.log(c[1:] / n[1:]) - np.log(c[0] / n[0]))
        precisions.append(1.0 / (1.0 / c[1:] + 1.0 / c[0]))
    order = sorted(range(len(tests)), key=lambda i: tests[i].week)
    lifts: list[np.ndarray] = [np.zeros(0)] * len(tests)
    fitted_tests = 0
    position = 0
    weights = shipped
    current_week = None
    for i in order:
        week = tests[i].week
        if week != current_week:
            # Train on everything strictly before this week.
            while position < len(order) and tests[order[position]].week < week:
                position += 1
            earlier = order[:position]
            arms_available = sum(len(targets[j]) for j in earlier)
            if arms_available >= titles.prior.min_training_arms:
                x = np.vstack([diffs[j] for j in earlier])
                y = np.concatenate([targets[j] for j in earlier])
                w = np.concatenate([precisions[j] for j in earlier])
                weights = ridge_fit(x, y, w, titles.prior.ridge)
            else:
                weights = shipped
            fitted = arms_available >= titles.prior.min_training_arms
            current_week = week
        predicted = np.clip(diffs[i] @ weights, -bound, bound)
        lifts[i] = np.concatenate([[0.0], predicted])
        fitted_tests += int(fitted)
    return lifts, fitted_tests


def _strategy_metrics(outcome: Outcome, true_ctrs: Sequence[np.ndarray], aa: Outcome) -> dict[str, float]:
    proposed = outcome.winner >= 0
    correct = np.array([true_ctrs[i][w] > true_ctrs[i][0] if w >= 0 else False for i, w in enumerate(outcome.winner)])
    share = outcome.reward / outcome.oracle
    return {
        "oracle_share": float(share.mean()),
        "oracle_share_pooled": float(outcome.reward.sum() / outcome.oracle.sum()),
        "proposal_rate": float(proposed.mean()),
        "winner_precision": float(correct[proposed].mean()) if proposed.any() else float("nan"),
        "aa_false_winner_rate": float((aa.winner >= 0).mean()),
    }


def replay(
    clean: Sequence[ReplayTest],
    broken: Sequence[ReplayTest],
    policy: Policy,
    seed: int = 7,
    strategies: Sequence[str] = ("uniform", "thompson", "redline"),
    progress: Callable[[str], None] | None = None,
) -> dict:
    """The whole evidence run; returns a JSON-ready report."""
    e = policy.titles.experiment
    say = progress or (lambda _message: None)
    true_ctrs = [t.ctr for t in clean]
    horizons = [t.horizon for t in clean]
    aa_ctrs = [np.full(len(p), p[0]) for p in true_ctrs]
    say("拟合先验（每周只用更早的测试）…")
    lifts, fitted_tests = rolling_prior(clean, policy)
    base = _rolling_base_ctr(clean, e.default_ctr)
    report: dict = {"tests": len(clean), "broken_window_tests": len(broken), "seed": seed, "policy_version": policy.version}
    strategies_report: dict[str, dict[str, float]] = {}
    for number, strategy in enumerate(strategies):
        say(f"模拟 {strategy}…")
        outcome = simulate(strategy, true_ctrs, horizons, lifts, base, policy, seed + 101 * number)
        aa = simulate(strategy, aa_ctrs, horizons, lifts, base, policy, seed + 101 * number + 50)
        strategies_report[strategy] = _strategy_metrics(outcome, true_ctrs, aa)
    if "redline" in strategies:
        say("模拟 redline（按预期点击数选分组数）…")
        sub_ctrs, sub_lifts, kept_best = _arm_table_subsets(clean, lifts, base, policy)
        outcome = simulate("redline", sub_ctrs, horizons, sub_lifts, base, policy, seed + 999)
        # Oracle = the best arm of the FULL test: leaving the best title out is a real loss.
        outcome.oracle[:] = [float(np.max(p)) * h for p, h in zip(true_ctrs, horizons)]
        aa = simulate("redline", [np.full(len(p), p[0]) for p in sub_ctrs], horizons, sub_lifts, base, policy, seed + 998)
        metrics = _strategy_metrics(outcome, sub_ctrs, aa)
        metrics["best_arm_tested"] = float(np.mean(kept_best))
        metrics["mean_arms"] = float(np.mean([len(p) for p in sub_ctrs]))
        strategies_report["redline_arm_table"] = metrics
    report["strategies"] = strategies_report
    top1 = [int(np.argmax(lift) == np.argmax(t.ctr)) for lift, t in zip(lifts, clean)]
    report["prior_top1"] = float(np.mean(top1))
    report["random_top1"] = float(np.mean([1.0 / len(t.headlines) for t in clean]))
    report["prior_fitted_tests"] = fitted_tests
    report["srm"] = srm_rates(clean, broken, policy)
    return report


def _rolling_base_ctr(tests: Sequence[ReplayTest], default: float) -> list[float]:
    """The expected CTR of a new test: the median CTR of earlier weeks' originals."""
    weeks = sorted({t.week for t in tests})
    originals: dict[int, list[float]] = {}
    for t in tests:
        originals.setdefault(t.week, []).append(float(t.ctr[0]))
    base_by_week: dict[int, float] = {}
    seen: list[float] = []
    for week in weeks:
        base_by_week[week] = float(np.median(seen)) if seen else default
        seen.extend(originals[week])
    return [base_by_week[t.week] for t in tests]


def _arm_table_subsets(
    tests: Sequence[ReplayTest], lifts: Sequence[np.ndarray], base: Sequence[float], policy: Policy
) -> tuple[list[np.ndarray], list[np.ndarray], list[bool]]:
    """The arms the lab would test: the original plus the prior's top variants, as many as the
    expected clicks allow (policy arm table)."""
    ctrs, sub_lifts, kept_best = [], [], []
    for test, lift, ctr in zip(tests, lifts, base):
        arms = arm_count(test.horizon * ctr, policy, available_variants=len(test.headlines) - 1)
        order = [0] + sorted(range(1, len(lift)), key=lambda i: (-lift[i], i))[: arms - 1]
        ctrs.append(test.ctr[order])
        sub_lifts.append(lift[order])
        kept_best.append(int(np.argmax(test.ctr)) in order)
    return ctrs, sub_lifts, kept_best


def srm_rates(clean: Sequence[ReplayTest], broken: Sequence[ReplayTest], policy: Policy) -> dict[str, float]:
    """Share of tests the SRM check flags, clean vs broken-randomisation (intended: even split)."""
    e = policy.titles.experiment

    def flagged(tests: Sequence[ReplayTest]) -> float:
        if not tests:
            return float("nan")
        hits = [
            srm_check(t.impressions.tolist(), [1.0] * len(t.impressions), e.srm_p_value, e.srm_min_impressions).mismatch
            for t in tests
        ]
        return float(np.mean(hits))

    return {"clean_flag_rate": flagged(clean), "broken_flag_rate": flagged(broken), "p_value": e.srm_p_value}
