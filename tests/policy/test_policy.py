"""Policy as data: the shipped file validates, overrides apply key by key, bad values name the key."""

import pytest

from redline.errors import PolicyError
from redline.policy import default_policy, load_policy


def test_shipped_policy_is_valid_and_versioned():
    policy = default_policy()
    assert policy.meta.version
    assert policy.version.startswith(policy.meta.version + "+")
    weights = policy.index.dimension_weights
    assert (weights.quality, weights.compliance, weights.feedback) == (0.40, 0.35, 0.25)


def test_spec_numbers_live_in_the_policy():
    policy = default_policy()
    assert policy.signals.interaction_healthy == 0.03
    assert policy.signals.interaction_stop == 0.02
    assert policy.originality.low_quality_duplicate_ratio == 0.30
    assert policy.traffic.high_tier_min_index == 80
    assert policy.traffic.low_tier_below_index == 60
    assert policy.checks.price.risk_below == 9.9
    assert policy.titles.max_chars == 20


def test_override_changes_only_the_given_keys(tmp_path):
    override = tmp_path / "mine.toml"
    override.write_text("[signals]\ninteraction_healthy = 0.05\n", encoding="utf-8")
    policy = load_policy(override)
    assert policy.signals.interaction_healthy == 0.05
    assert policy.signals.interaction_stop == default_policy().signals.interaction_stop
    assert policy.version != default_policy().version  # the fingerprint tells them apart


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[signals]\ninteraction_healthy = -1\n", "signals.interaction_healthy"),
        ("[signals]\ninteraction_healthy = 'high'\n", "signals.interaction_healthy"),
        ("[signals]\ninteraction_stop = 0.5\n", "signals"),  # stop above healthy
        ("[index.dimension_weights]\nquality = 0.5\n", "index.dimension_weights"),  # no longer sums to 1
        ("[signals]\ninteraction_healty = 0.05\n", "signals.interaction_healty"),  # misspelt key
        ("[traffic.teen_mode]\nno_publish_from = '25:00'\n", "traffic.teen_mode.no_publish_from"),
    ],
)
def test_bad_values_fail_with_the_key_named(tmp_path, toml, key):
    override = tmp_path / "bad.toml"
    override.write_text(toml, encoding="utf-8")
    with pytest.raises(PolicyError) as error:
        load_policy(override)
    assert f"`{key}" in str(error.value)


def test_unreadable_policies(tmp_path):
    with pytest.raises(PolicyError, match="找不到"):
        load_policy(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[signals\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="TOML"):
        load_policy(broken)
