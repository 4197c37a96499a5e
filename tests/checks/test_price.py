"""Low-price diversion products (SPEC R-TRF): floor, risk line, worsened by diversion cues."""

from __future__ import annotations

import math

import pytest

from redline.checks import check_text
from redline.errors import InputError
from .policy_helpers import policy_with


def price(result):
    return [f for f in result.findings if f.family == "price"]


def test_boundaries_follow_the_policy(policy):
    floor, risk = policy.checks.price.violation_floor, policy.checks.price.risk_below
    assert [f.rule for f in price(check_text("商品", kind="product", price=floor))] == ["price.floor"]
    assert [f.rule for f in price(check_text("商品", kind="product", price=floor + 0.01))] == ["price.risk"]
    assert price(check_text("商品", kind="product", price=risk)) == []


def test_floor_violation_points_and_sanction_come_from_the_policy(policy):
    [finding] = price(check_text("新人福利", kind="product", price=0.1))
    assert finding.severity == "violation"
    assert (finding.points, finding.sanction) == (policy.checks.price.points, policy.checks.price.sanction)
    assert "¥0.1" in finding.evidence


def test_diversion_in_the_product_text_makes_the_floor_case_worse(policy):
    p = policy.checks.price
    [finding] = price(check_text("拍下后加微信 abc12345 发货", kind="product", price=0.1))
    assert finding.points == p.points + p.with_diversion_extra_points
    assert finding.sanction == p.with_diversion_sanction
    assert "abc12345" in finding.evidence


def test_diversion_turns_a_risk_flag_into_a_violation():
    plain = price(check_text("小样", kind="product", price=3.9))
    worse = price(check_text("小样，私我领更多", kind="product", price=3.9))
    assert [f.severity for f in plain] == ["warning"] and [f.severity for f in worse] == ["violation"]


def test_the_finding_points_at_the_stated_price_when_the_text_has_it():
    text = "限时福利 仅需￥０．１ 拍下即发"
    [finding] = price(check_text(text, kind="product", price=0.1))
    assert finding.excerpt == "￥０．１" and text[finding.start : finding.end] == finding.excerpt


def test_without_a_price_the_listing_text_is_read_but_not_reference_prices():
    assert [f.rule for f in price(check_text("原价199元 现价0.1元", kind="product"))] == ["price.floor"]
    assert price(check_text("原价5元，现价59元", kind="product")) == []
    assert price(check_text("买了1元的口香糖", kind="note")) == []  # notes are not listings


def test_policy_floor_override():
    strict = policy_with({"checks": {"price": {"violation_floor": 5.0}}})
    assert [f.rule for f in price(check_text("商品", kind="product", price=4.5, policy=strict))] == ["price.floor"]


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_bad_prices_are_a_clear_error(bad):
    with pytest.raises(InputError, match="商品价格"):
        check_text("商品", kind="product", price=bad)
