"""The [signals] and [index] policy sections: bad values fail with the key named."""

from __future__ import annotations

import pytest

from redline.errors import PolicyError
from redline.policy import load_policy


def _load(tmp_path, text: str):
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return load_policy(path)


def test_the_shipped_policy_has_every_health_number(policy):
    assert policy.signals.interaction_healthy == 0.03 and policy.signals.interaction_stop == 0.02
    assert policy.signals.reports_for_review == 5 and policy.signals.reports_window_hours == 24
    assert policy.signals.imbalance_min_fans == 10_000 and policy.signals.imbalance_max_likes == 200
    assert policy.index.dimension_weights.quality == 0.40
    assert policy.signals.dwell_baselines["美妆"] == 45.0


@pytest.mark.parametrize(
    "text, key",
    [
        ("[index.curves]\ninteraction_rate = [[0.03, 10.0], [0.02, 50.0]]\n", "index.curves"),
        ("[index.curves]\nreports = [[0.0, 100.0], [5.0, 130.0]]\n", "index.curves"),
        ("[signals]\ntimezone = \"Mars/Olympus\"\n", "signals.timezone"),
        ("[signals.dwell_baselines]\n\"美妆\" = -3.0\n", "signals.dwell_baselines"),
        ("[index.dimension_weights]\nquality = 0.5\n", "index.dimension_weights"),
        ("[index.component_weights]\nreports = 0\n", "index.component_weights.reports"),
        ("[index]\nrecency_half_life_days = 0\n", "index.recency_half_life_days"),
    ],
)
def test_bad_health_policy_values_name_the_key(tmp_path, text, key):
    with pytest.raises(PolicyError) as error:
        _load(tmp_path, text)
    assert key in str(error.value)


def test_a_user_policy_moves_a_threshold(tmp_path):
    policy = _load(tmp_path, "[signals]\nreports_for_review = 3\n")
    assert policy.signals.reports_for_review == 3
    assert policy.version != load_policy(None).version
