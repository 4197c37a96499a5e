"""The prior: learns from finished experiments, never from the future, validated by the policy."""

from __future__ import annotations

import numpy as np
import pytest

from redline.errors import PolicyError
from redline.policy import load_policy
from redline.titles.features import FEATURES
from redline.titles.prior import FinishedArm, TitlePrior, fit_prior
from redline.titles.replay import ReplayTest, rolling_prior


def _arms(question_lift: float, count: int = 300) -> list[FinishedArm]:
    rng = np.random.default_rng(0)
    arms = []
    for i in range(count):
        question = i % 2 == 0
        rate = 0.02 * (np.exp(question_lift) if question else 1.0)
        clicks = int(rng.binomial(5_000, rate))
        arms.append(FinishedArm(f"防晒怎么选{i}？" if question else f"防晒清单{i}", "防晒推荐", 5_000, clicks, 5_000, 100))
    return arms


def test_fit_learns_the_sign_of_a_feature(policy):
    prior = fit_prior(_arms(0.3), policy)
    assert prior.source.startswith("fitted")
    assert prior.as_dict()["question"] > 0.1
    down = fit_prior(_arms(-0.3), policy)
    assert down.as_dict()["question"] < -0.1


def test_too_few_arms_keep_the_shipped_weights(policy):
    prior = fit_prior(_arms(0.3, count=10), policy)
    assert prior == TitlePrior.from_policy(policy)


def test_ranking_puts_the_predicted_best_first(policy):
    prior = TitlePrior(tuple(1.0 if name == "question" else 0.0 for name in FEATURES), "test")
    assert prior.rank("防晒推荐", ["防晒清单", "防晒怎么选？"], policy) == [1, 0]


def test_rolling_prior_never_sees_the_future(policy):
    def test(week: int, lift: float, index: int) -> ReplayTest:
        clicks = np.array([100, int(100 * np.exp(lift))])
        return ReplayTest(f"t{index}", week, (f"plain {index}", f"why {index}?"), np.array([5_000, 5_000]), clicks)

    # Early weeks: questions win; later weeks: questions lose. 100 one-variant tests a week, so
    # weeks 1–2 are scored by the shipped weights (fewer than 200 earlier arms), weeks 3–6 fitted.
    tests = [test(1 + i // 100, 0.4 if i < 300 else -0.4, i) for i in range(600)]
    lifts, fitted = rolling_prior(tests, policy)
    assert policy.titles.prior.min_training_arms == 200
    assert fitted == 400
    assert lifts[350][1] > 0  # week 4 learnt only from weeks 1–3 (questions won)
    assert lifts[550][1] < lifts[350][1]  # week 6 has seen some of the reversal


def test_unknown_feature_weight_is_a_policy_error(tmp_path):
    override = tmp_path / "p.toml"
    override.write_text("[titles.prior]\nweights = { lenght = 0.1 }\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="lenght"):
        TitlePrior.from_policy(load_policy(override))


def test_arm_table_shape_is_validated(tmp_path):
    override = tmp_path / "p.toml"
    override.write_text("[titles.arms]\narm_counts = [2, 4]\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="arm_counts"):
        load_policy(override)


def test_pick_prefers_distinct_profiles(policy):
    prior = TitlePrior(tuple(1.0 if name == "question" else 0.0 for name in FEATURES), "test")
    variants = ["防晒怎么选？学生党", "防晒怎么选？打工人", "防晒清单｜学生党"]
    assert prior.pick("防晒推荐", variants, 2, policy) == [0, 2]
    assert prior.pick("防晒推荐", variants, 3, policy) == [0, 2, 1]
