"""Ad creatives: a near-copy of a rejected creative inherits the decision and its reason."""

from __future__ import annotations

import json

import opencc
import pytest

from .corpus import edit, make_note
from .test_cli import run

CREATIVE = ("全网最低价！这款精华液七天美白淡斑，无效退款，已经有十万姐妹回购，"
            "添加客服领取专属优惠券，前一百名下单再送同款小样，错过再等一年，赶紧冲")


@pytest.fixture
def cli(home, monkeypatch, capsys, database_url):
    def invoke(*args: str, stdin=None):
        return run(monkeypatch, capsys, "--db", database_url, *args, stdin=stdin)

    return invoke


def check(cli, text) -> dict:
    code, out, err = cli("creative", "check", "-", "--format", "json", stdin=text)
    assert code == 0, err
    return json.loads(out)


def test_resubmitted_rejected_creative_inherits_the_decision(cli, rng):
    code, out, err = cli("creative", "review", "ad-1", "-", "--decision", "rejected", "--reason", "绝对化用语、功效承诺",
                         stdin=CREATIVE)
    assert code == 0, err
    assert "驳回" in out
    cli("creative", "review", "ad-2", "-", "--decision", "approved", stdin=make_note(rng))
    disguised = opencc.OpenCC("s2t").convert(edit(rng, CREATIVE, 0.05)).replace("，", "～✨")
    verdict = check(cli, disguised)
    assert verdict["inherited_decision"] == "rejected"
    assert verdict["inherited_reason"] == "绝对化用语、功效承诺"
    assert verdict["inherited_from"] == "ad-1"
    assert verdict["matches"][0]["similarity"] >= 0.8
    code, out, _ = cli("creative", "check", "-", stdin=disguised)
    assert "沿用驳回结论" in out and "ad-1" in out


def test_unrelated_or_heavily_changed_creatives_are_not_matched(cli, rng):
    cli("creative", "review", "ad-1", "-", "--decision", "rejected", "--reason", "夸大宣传", stdin=CREATIVE)
    assert check(cli, make_note(rng, 120))["matched"] is False
    # Half of the rejected text plus as much new material: below the similarity threshold.
    half = CREATIVE[: len(CREATIVE) // 2] + make_note(rng, len(CREATIVE))
    verdict = check(cli, half)
    assert verdict["inherited_decision"] is None


def test_latest_review_is_in_force(cli, rng):
    cli("creative", "review", "ad-1", "-", "--decision", "rejected", "--reason", "夸大宣传", stdin=CREATIVE)
    cli("creative", "review", "ad-1", "-", "--decision", "approved", "--reason", "复核后通过", stdin=CREATIVE)
    verdict = check(cli, CREATIVE)
    assert verdict["matched"] and verdict["inherited_decision"] is None
    assert verdict["matches"][0]["decision"] == "approved"


def test_review_input_errors(cli):
    code, _, err = cli("creative", "review", "ad-1", "-", "--decision", "maybe", stdin=CREATIVE)
    assert code == 2 and "approved 或 rejected" in err
    code, _, err = cli("creative", "review", "ad-1", "-", "--decision", "rejected", stdin=CREATIVE)
    assert code == 2 and "理由" in err
    assert check(cli, CREATIVE)["matched"] is False  # nothing was recorded


def test_reindex_rebuilds_the_creative_index_from_the_database(cli, home):
    import shutil

    cli("creative", "review", "ad-1", "-", "--decision", "rejected", "--reason", "夸大宣传", stdin=CREATIVE)
    shutil.rmtree(home.corpus_dir / "creatives")
    assert check(cli, CREATIVE)["matched"] is False
    code, out, _ = cli("creative", "reindex")
    assert code == 0 and "1 条创意" in out
    assert check(cli, CREATIVE)["inherited_from"] == "ad-1"
