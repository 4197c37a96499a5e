"""The [ledger] policy section: user overrides are validated and name the bad key."""

import pytest

from redline.errors import PolicyError
from redline.policy import load_policy


def write(tmp_path, text: str):
    path = tmp_path / "override.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_overrides_change_the_consequences(tmp_path):
    policy = load_policy(write(tmp_path, '[ledger.rules."report.confirmed"]\npoints = 4\n'))
    assert policy.ledger.rules["report.confirmed"].points == 4
    assert policy.ledger.rules["claim.medical"].points == 10  # the rest stays


@pytest.mark.parametrize(
    "text, key",
    [
        ("[ledger.rules.diversion]\npoints = -1\n", "ledger.rules.diversion.points"),
        ('[ledger.rules."claim.education"]\nnote_percent = 0\n', "ledger.rules.claim.education"),
        ("[ledger.review]\nsecond_review_share = 1.5\n", "ledger.review.second_review_share"),
        ('[ledger.review]\nreport_rule = "no.such"\n', "ledger"),
        ("[ledger.recovery]\nmax_points = 0\n", "ledger.recovery.max_points"),
    ],
)
def test_bad_values_name_the_key(tmp_path, text, key):
    with pytest.raises(PolicyError) as error:
        load_policy(write(tmp_path, text))
    assert key in str(error.value)


def test_a_throttle_step_needs_a_percent_and_days(tmp_path):
    text = '[ledger.rules.diversion]\naccount = [{ kind = "throttle", days = 7 }]\n'
    with pytest.raises(PolicyError, match="percent"):
        load_policy(write(tmp_path, text))
    text = '[ledger.rules.diversion]\naccount = [{ kind = "mute" }]\n'
    with pytest.raises(PolicyError, match="days"):
        load_policy(write(tmp_path, text))
