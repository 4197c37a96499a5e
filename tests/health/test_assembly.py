"""Lining per-note numbers up by key (signals/assembly.py)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from redline.signals.assembly import NARROW_COUNTS, KeyedSums, positions


def _part(counts: list[int], amounts: list[float | None]) -> pa.Table:
    return pa.table({"reads": pa.array(counts, pa.int64()), "order_amount": pa.array(amounts, pa.float64())})


def test_parts_add_up_by_key_integers_exactly_and_missing_values_as_zero():
    first = (np.array([0, 3]), _part([2**52 + 1, 5], [1.5, None]))
    second = (np.array([3, 1]), _part([1, 7], [2.25, 4.0]))
    sums = KeyedSums.add_up([first, second], size=2, names=("reads", "order_amount"))
    assert sums.columns["reads"].dtype == np.int64
    assert sums.columns["reads"].tolist() == [2**52 + 1, 7, 0, 6]  # grown to the largest key
    assert sums.columns["order_amount"].tolist() == [1.5, 4.0, 0.0, 2.25]


def test_sums_of_different_lengths_add_and_keys_beyond_them_read_zero():
    short = KeyedSums.add_up([(np.array([0]), _part([1], [1.0]))], size=1, names=("reads", "order_amount"))
    long = KeyedSums.add_up([(np.array([2]), _part([4], [2.0]))], size=3, names=("reads", "order_amount"))
    short += long
    assert short.columns["reads"].tolist() == [1, 0, 4]
    at = short.at(np.array([2, 0, 7, -1]))
    assert at["reads"].tolist() == [4, 1, 0, 0] and at["order_amount"].tolist() == [2.0, 1.0, 0.0, 0.0]
    nothing = KeyedSums.add_up([], size=2, names=("reads", "order_amount")).columns
    assert nothing["reads"].dtype == np.int32 and nothing["order_amount"].dtype == np.float64  # small counts: 32 bits


def test_counts_stay_32_bit_while_they_fit_and_widen_before_an_addition_could_overflow():
    near = NARROW_COUNTS - 10
    sums = KeyedSums.add_up([(np.array([0, 1]), _part([near, 3], [1.0, 2.0]))], size=2, names=("reads", "order_amount"))
    assert sums.columns["reads"].dtype == np.int32 and sums.bound == near + 3
    # A day's sparse parts whose totals would take a key past the limit: the sums become 64-bit
    # first, then add exactly (32 bits would have wrapped around).
    day = KeyedSums.of_parts([(np.array([0, 0]), _part([2**31 - 1, 2**31 - 1], [None, None]))], names=("reads", "order_amount"))
    assert day.columns["reads"].dtype == np.int64
    sums += day
    assert sums.columns["reads"].dtype == np.int64
    assert sums.columns["reads"].tolist() == [near + 2 * (2**31 - 1), 3]
    # Small sparse parts are 32-bit, and add to 32-bit sums as they are.
    small = KeyedSums.add_up([(np.array([0]), _part([1], [1.0]))], size=1, names=("reads", "order_amount"))
    small += KeyedSums.of_parts([(np.array([0, 0]), _part([2, 3], [0.5, None]))], names=("reads", "order_amount"))
    assert small.columns["reads"].dtype == np.int32 and small.columns["reads"].tolist() == [6]
    assert small.columns["order_amount"].tolist() == [1.5]
    # Parts too large from the start are added up in 64 bits.
    large = KeyedSums.add_up([(np.array([0]), _part([NARROW_COUNTS + 1], [None]))], size=1, names=("reads", "order_amount"))
    assert large.columns["reads"].dtype == np.int64


@pytest.mark.parametrize("among", [["b", "a"], []])
def test_positions_name_the_place_in_the_smaller_side_or_minus_one(among):
    got = positions(pa.array(["a", None, "c", "b"]), pa.array(among, pa.string()))
    expected = [among.index(v) if v in among else -1 for v in ["a", None, "c", "b"]]
    assert got.tolist() == expected


def test_sparse_parts_add_into_dense_sums_repeated_keys_included():
    dense = KeyedSums.add_up([(np.array([0, 2]), _part([1, 2], [0.5, None]))], size=3, names=("reads", "order_amount"))
    columns = dense.columns
    sparse = KeyedSums.of_parts([(np.array([2, 2, 4]), _part([10, 20, 5], [1.0, 2.0, 3.0]))], names=("reads", "order_amount"))
    assert len(sparse) == 5
    dense += sparse
    assert dense.columns["reads"].tolist() == [1, 0, 32, 0, 5]  # grown to the sparse side's largest key
    assert dense.columns["order_amount"].tolist() == [0.5, 0.0, 3.0, 0.0, 3.0]
    same = KeyedSums.add_up([(np.array([1]), _part([7], [1.0]))], size=5, names=("reads", "order_amount"))
    kept = same.columns["reads"]
    same += sparse
    assert same.columns["reads"] is kept and kept.tolist() == [0, 7, 30, 0, 5]  # long enough: added in place
    assert columns["reads"].tolist() == [1, 0, 2]  # what was grown from is left as it was


def test_keys_in_order_read_the_sums_themselves_others_a_copy():
    sums = KeyedSums.add_up([(np.array([0, 1, 2]), _part([1, 2, 3], [1.0, 2.0, 3.0]))], size=3, names=("reads", "order_amount"))
    in_order = sums.at(np.arange(3))
    assert in_order["reads"].tolist() == [1, 2, 3] and np.shares_memory(in_order["reads"], sums.columns["reads"])
    shuffled = sums.at(np.array([2, 0, 1]))
    assert shuffled["reads"].tolist() == [3, 1, 2] and not np.shares_memory(shuffled["reads"], sums.columns["reads"])
    beyond = sums.at(np.arange(5))  # keys newer than the sums read 0
    assert beyond["reads"].tolist() == [1, 2, 3, 0, 0]


@pytest.mark.parametrize("accounts", [3, 50_000])  # a code table by (account, interest); past its size, a hash
def test_interest_share_reads_the_first_listing_of_the_accounts_interest_in_the_category(accounts):
    from redline.signals.assembly import interest_share

    # Notes of accounts 0, 1, 2 and of an account not scored (-1); categories 美妆, 美食 and none.
    category = pa.array(["美妆", "美食", "美妆", None, "美妆", "美食"]).dictionary_encode()
    note_account = np.array([0, 0, 1, 0, -1, 2])
    interests = pa.table({
        "interest": ["美妆", "美妆", "美食", "母婴"],  # account 0 lists 美妆 twice: the first counts
        "share": [0.7, 0.1, 0.2, 0.5],
    })
    interest_account = np.array([0, 0, 1, 2])
    share, has_interests = interest_share(category, note_account, accounts, interests, interest_account)
    assert share.to_pylist() == [0.7, None, None, None, None, None]
    assert has_interests.tolist() == [1, 1, 1, 1, 0, 1]


def test_first_rows_by_table_and_by_hash_agree_with_positions():
    """The first row holding each asked code: the same from the table of every code as from a
    hash (codes repeated, codes never asked, -1 for none asked)."""
    from redline.signals.assembly import _first_rows

    rng = np.random.default_rng(7)
    codes = rng.integers(0, 5_000, 2_000)
    asked = np.where(rng.random(10_000) < 0.2, -1, rng.integers(0, 5_000, 10_000))
    expected = positions(pa.array(asked), pa.array(codes))
    assert np.array_equal(_first_rows(asked, codes, 5_000), expected)  # as a table
    assert np.array_equal(_first_rows(asked, codes, 10**9), expected)  # too wide for one: hashed
    assert _first_rows(np.array([-1, 3, 5, 4]), np.array([5, 3, 3, 5]), 6).tolist() == [-1, 1, 0, -1]
    assert _first_rows(np.array([2, -1]), np.empty(0, np.int64), 4).tolist() == [-1, -1]
