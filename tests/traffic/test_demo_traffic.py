"""The traffic engine on a generated demo community with merchants: the simulator's aggregates
(tier effect, horse-race share) and the golden diagnoses of typical accounts.

Golden files: tests/traffic/golden/diagnose_<account>.json, made with the fixed seed and last
day of `demo_home.py` and a fixed `--at`. After an intended change, regenerate them with
`REDLINE_UPDATE_GOLDEN=1 uv run pytest tests/traffic/test_demo_traffic.py`, then read the
diff (the Chinese reasons included) before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

AT = "2026-11-21T12:00:00+00:00"
GOLDEN = Path(__file__).parent / "golden"
# The account of each case and the kind the demo generated it as (the golden's meaning).
CASES = {
    "healthy": ("acct0006", "healthy"),
    "zombie_fans": ("acct0007", "zombie"),
    "bought_likes": ("acct0003", "buyer"),
    "product_at_publish_and_later": ("shop0001", "merchant"),
    "low_price_listing": ("shop0005", "merchant"),
    "weak_shop": ("duo0001", "duo"),
    "teen_night_publish": ("teen0001", "teen"),
}
VOLATILE = {"policy_version"}


def _stable(value):
    """Drop fields that change without the behaviour changing (the policy fingerprint) and
    round floats so the last bits of a float sum do not matter."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    if isinstance(value, float):
        return round(value, 6)
    return value


def _diagnose(redline_cli, account: str) -> dict:
    code, out, err = redline_cli("diagnose", account, "--at", AT, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_simulator_reports_tier_effect_and_horse_race_share(redline_cli, policy):
    code, out, err = redline_cli("simulate", "--days", "365", "--at", AT, "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    # ≥ 80 accounts enter the recommendation pool about 3× as often as comparable 60–80 ones.
    assert result["high_vs_normal_pool_ratio"] == pytest.approx(policy.traffic.high_tier_recommend_multiplier, rel=0.12)
    shares = result["top_merchant_commerce_share"]
    assert set(shares) == {"美妆", "母婴", "数码"}
    target = policy.traffic.horse_race.top_traffic_share
    # Categories without low-price listings: the top 10 % get exactly the policy's bulk.
    assert shares["母婴"] == pytest.approx(target, abs=0.005)
    assert shares["数码"] == pytest.approx(target, abs=0.005)
    # 美妆 holds the 引流款 shops: their cut traffic does not go to them, so the head's share rises a little.
    assert target < shares["美妆"] <= target + 0.06
    by_account = {row["account"]: row for row in result["accounts"]}
    assert by_account["shop0004"]["reasons"].get("traffic.low_price.floor") == 1
    assert by_account["duo0001"]["commerce_impressions"] < by_account["shop0001"]["commerce_impressions"]


def test_simulate_text_shows_the_aggregates(redline_cli):
    code, out, err = redline_cli("simulate", "--days", "30", "--at", AT)
    assert code == 0, err
    assert "进入推荐池的次数是" in out and "前 10% 商家拿到" in out


@pytest.mark.parametrize("case", sorted(CASES))
def test_diagnosis_matches_golden(redline_cli, demo_home, case):
    account, kind = CASES[case]
    _, _, community = demo_home
    assert community.kinds[account] == kind, "the demo no longer generates this case under this id"
    actual = _stable(_diagnose(redline_cli, account))
    path = GOLDEN / f"diagnose_{case}.json"
    if os.environ.get("REDLINE_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(actual, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with REDLINE_UPDATE_GOLDEN=1"
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert actual == expected


def _rules(diagnosis: dict) -> dict[str, set[str]]:
    return {note["note_id"]: {r["rule"] for r in note["reasons"]} for note in diagnosis["notes"]}


def test_golden_cases_say_what_they_are_about(redline_cli):
    """The behaviour each golden case stands for, stated directly (so a regenerated golden
    file cannot quietly lose it)."""
    shop = _diagnose(redline_cli, "shop0001")
    assert all(note["pools"] == ["commerce"] for note in shop["notes"])
    pool_numbers = [next(r for r in note["reasons"] if r["rule"] == "traffic.pool.commerce")["numbers"] for note in shop["notes"]]
    later = [n for n in pool_numbers if n["attached_after_publication"]]
    assert len(later) == 1 and len(pool_numbers) - len(later) >= 1  # attached later vs at publication
    assert later[0]["attached_at"] > later[0]["published_at"]
    assert shop["horse_race"]["rank"] == 1 and shop["horse_race"]["gap_to_cutoff"] == 0

    low = _diagnose(redline_cli, "shop0005")  # a ¥0.1 listing with a WeChat cue in its description
    floor = [r for note in low["notes"] for r in note["reasons"] if r["rule"] == "traffic.low_price.floor"]
    assert len(floor) == 1 and floor[0]["multiplier"] == 0 and floor[0]["numbers"]["diversion_cues"]
    # Recorded in the shop's ledger with the extra points for diversion: ≥ 10 points in 30 days
    # restrict commercial cooperation.
    assert low["points_in_force"] == 10
    assert [s["kind"] for s in low["sanctions"]] == ["commercial_restriction"]

    duo = _diagnose(redline_cli, "duo0001")
    pools = {note["pools"][0] for note in duo["notes"]}
    assert pools == {"community", "commerce"}
    assert duo["shop_drag"]["separate_helps"] is True and duo["shop_drag"]["estimated_loss_impressions"] > 0
    assert "耗电分离" in duo["shop_drag"]["message"]

    teen = _diagnose(redline_cli, "teen0001")
    night = [r for note in teen["notes"] for r in note["reasons"] if r["rule"] == "traffic.teen.night_publish"]
    assert len(night) == 1 and night[0]["numbers"]["published_local"].endswith("23:10")

    healthy = _diagnose(redline_cli, "acct0006")
    assert healthy["tier"] == "high" and not healthy["sanctions"]
    buyer = _diagnose(redline_cli, "acct0003")
    assert buyer["tier"] == "normal" and buyer["index"] < healthy["index"]
