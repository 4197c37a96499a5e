"""Scoring a day: the notes' and accounts' metrics → twelve indicators, three dimensions, the
index and its coverage for every note and account (health/score.py), as what is stored (note
results: every input and score, a block of notes at a time; account results: headline and
details)."""

from __future__ import annotations

import json
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from redline.health.model import COMPONENTS, INDICATORS
from redline.health.score import Scores, combine_notes, note_bonus_flags, note_indicators, note_weights, score_accounts
from redline.pipeline.signals import DaySignals
from redline.policy import Policy
from redline.signals.expressions import Window

NOTE_METRIC_COLUMNS = (
    "impressions", "reads", "likes", "saves", "comment_events", "shares", "orders", "order_amount",
    "watches", "likes_known", "interaction_rate", "ctr", "video_length", "completion_rate",
    "completion_short", "completion_long", "completion_other", "avg_dwell", "dwell_baseline",
    "dwell_baseline_source", "dwell_ratio", "valid_reports", "reports_24h_max", "engagement",
    "suspicious_engagement", "burst_engagement", "bursts", "fake_engagement", "labelled_comments",
    "negative_comments", "discussion", "fan_match", "fan_activity", "brand_linkage", "has_events",
)


def _floats(table: pa.Table, name: str) -> np.ndarray:
    column = table.column(name)
    return pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)


def _dwell_ratio(category: pa.DictionaryArray, avg: np.ndarray, baselines: dict[str, np.ndarray], policy_baselines: np.ndarray, policy: Policy) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dwell ratio, the baseline it was divided by, whether that baseline came from the data).
    `policy_baselines`: `_policy_baselines` of `category`'s dictionary."""
    s = policy.signals
    data_mean = baselines["category_dwell_mean"]
    data_count = baselines["category_dwell_notes"]
    fallback = policy_baselines[pc.fill_null(category.indices, -1).to_numpy(zero_copy_only=False)]  # (no category: -1, the default)
    with np.errstate(invalid="ignore"):
        from_data = (data_count >= s.dwell_baseline_min_notes) & ~np.isnan(data_mean) & (data_mean > 0)
    baseline = np.where(from_data, data_mean, fallback)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = avg / baseline
    return ratio, baseline, from_data


def _policy_baselines(categories: pa.DictionaryArray, policy: Policy) -> np.ndarray:
    """The policy's dwell baseline of each category name in `categories`' dictionary, and last
    the default one (for notes without a category)."""
    s = policy.signals
    default = s.dwell_baselines["default"]
    return np.asarray([s.dwell_baselines.get(name, default) for name in categories.dictionary.to_pylist()] + [default], dtype=np.float64)


# Notes are scored this many at a time, from their metrics to the stored result: each step's
# temporaries stay in the CPU cache and in memory the allocator hands out again (a fresh
# million-element array per step costs more in page faults than in arithmetic).
NOTE_BLOCK = 1 << 16


def _score_note_block(notes: pa.Table, metrics: pa.Table, categories: pa.DictionaryArray, baselines: dict[str, np.ndarray], policy_baselines: np.ndarray,
                      fan_activity: np.ndarray, brand_points: np.ndarray, window: Window, policy: Policy) -> dict[str, np.ndarray]:
    """What scoring a block of notes holds until its results are made (`_note_scores`): the
    derived inputs, the bonus flags, the components and indicators (`cmp_*`, `ind_*`) and the
    note's weight in its account's index."""
    dwell_ratio, baseline, from_data = _dwell_ratio(categories, _floats(metrics, "avg_dwell"), baselines, policy_baselines, policy)
    originality = _floats(notes, "originality")
    values = {
        "originality": originality,
        "text_q2": _floats(notes, "text_q2"),
        "text_q3": _floats(notes, "text_q3"),
        "text_c1": _floats(notes, "text_c1"),
        "text_c2": _floats(notes, "text_c2"),
        "text_c3": _floats(notes, "text_c3"),
        "completion_short": _floats(metrics, "completion_short"),
        "completion_long": _floats(metrics, "completion_long"),
        "completion_other": _floats(metrics, "completion_other"),
        "ctr": _floats(metrics, "ctr"),
        "brand_linkage": brand_points,
        "fake_engagement": _floats(metrics, "fake_engagement"),
        "reports": _floats(metrics, "reports_24h_max"),
        "negative_comments": _floats(metrics, "negative_comments"),
        "interaction_rate": _floats(metrics, "interaction_rate"),
        "dwell_ratio": dwell_ratio,
        "fan_activity": fan_activity,
        "fan_match": _floats(metrics, "fan_match"),
        "discussion": _floats(metrics, "discussion"),
    }
    chars = np.nan_to_num(_floats(notes, "text_chars"), nan=0.0)
    flags = note_bonus_flags(values, chars, policy)
    scores = note_indicators(values, flags, notes.num_rows, policy)
    impressions = _floats(metrics, "impressions")
    exposure = np.where(impressions > 0, impressions, _floats(metrics, "reads"))
    return {
        "dwell_ratio": dwell_ratio,
        "dwell_baseline": baseline,
        "dwell_from_data": from_data,
        "originality": originality,
        "bonus_originality": flags["originality"],
        "bonus_discussion": flags["discussion"],
        **{f"cmp_{key}": values for key, values in scores.components.items()},
        **{f"ind_{code}": values for code, values in scores.indicators.items()},
        "account_weight": note_weights(_floats(notes, "published_epoch"), exposure, window.end, policy),
    }


def _note_scores(held: dict[str, np.ndarray], policy: Policy) -> dict[str, np.ndarray]:
    """Every computed column of a block of notes from what `_score_note_block` held: the derived
    inputs, the bonus flags, the scores (see `Scores.columns`) and the account weight."""
    n = len(held["account_weight"])
    scores = combine_notes(Scores(
        components={name.removeprefix("cmp_"): values for name, values in held.items() if name.startswith("cmp_")},
        indicators={name.removeprefix("ind_"): values for name, values in held.items() if name.startswith("ind_")},
    ), n, policy)
    return {**{name: held[name] for name in NOTE_BLOCK_INPUTS}, **scores.columns(), "account_weight": held["account_weight"]}


NOTE_COLUMNS = ("note_id", "account_id", "category", "published_epoch", "text_chars", "has_check", "dynamic_cover", "brand_account_id")


# What the dwell baseline of a note came from (`dwell_baseline_source`): its codes are 0 and 1.
BASELINE_SOURCES = pa.array(["data", "policy"])


def _labelled(codes: np.ndarray, labels: pa.Array) -> pa.DictionaryArray:
    """A text column of few distinct values as codes into `labels`: a run's every block shares
    the labels, and the file holds them once (as plain text, a million notes' policy version
    alone was 22 MB to compress)."""
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int8, copy=False)), labels)


def _result_table(notes: pa.Table, metrics: pa.Table, categories: pa.DictionaryArray, scored: dict[str, np.ndarray], fan_activity: np.ndarray,
                  brand_points: np.ndarray, run_labels: dict[str, pa.Array]) -> pa.Table:
    """A block of notes' stored results: the note, every metric and input, every score.
    `run_labels`: the policy version and the engine, each as a one-value dictionary."""
    n = notes.num_rows
    columns: dict[str, Any] = {name: notes.column(name) for name in NOTE_COLUMNS}
    columns["category"] = categories  # (the day's dictionary, shared by every block)
    extra = {
        "dwell_ratio": scored["dwell_ratio"],
        "dwell_baseline": scored["dwell_baseline"],
        "dwell_baseline_source": _labelled(~scored["dwell_from_data"], BASELINE_SOURCES),
        "fan_activity": fan_activity,
        "brand_linkage": brand_points,
    }
    for name in NOTE_METRIC_COLUMNS:
        columns[name] = extra[name] if name in extra else _stored_integers(metrics.column(name))
    for name in ("originality", "bonus_originality", "bonus_discussion"):
        columns[name] = scored[name]
    for name, column in scored.items():
        if name not in NOTE_BLOCK_INPUTS:
            columns[name] = column
    for name, labels in run_labels.items():
        columns[name] = _labelled(np.zeros(n, np.int8), labels)
    return pa.table({name: _nan_as_null(value) if isinstance(value, np.ndarray) else value for name, value in columns.items()})


def _stored_integers(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Counts as the results store them, 64-bit: the window's sums are 32-bit while they fit
    (`KeyedSums`), and every day's file has the same columns whatever size its counts were."""
    return pc.cast(column, pa.int64()) if pa.types.is_integer(column.type) and column.type != pa.int64() else column


def _nan_as_null(values: np.ndarray) -> pa.Array:
    """A NumPy column as Arrow, NaN (unknown) as null. The validity bits are packed by NumPy,
    which lets go of the interpreter (converting with `from_pandas` holds it, and the job's
    other threads wait)."""
    if values.dtype != np.float64:
        return pa.array(values)
    values = np.ascontiguousarray(values)
    known = values == values
    return pa.Array.from_buffers(pa.float64(), len(values), [pa.py_buffer(np.packbits(known, bitorder="little")), pa.py_buffer(values)])


@dataclass
class DayScores:
    """A day's scores, made as they are asked for from what the notes' scoring held: the
    account results when `account_results()` is called, the note results a block at a time as
    `note_results()` is iterated (the two may run at the same time, on different threads)."""

    notes: int
    account_results: Callable[[], pa.Table]  # every account's stored result (headline and details)
    note_results: Callable[[], Iterator[pa.Table]]  # every note's stored result, a block of notes at a time

    def note_table(self) -> pa.Table:
        return pa.concat_tables(list(self.note_results()))


SCORE_THREADS = min(4, os.cpu_count() or 1)


def score_day(
    signals: DaySignals,
    engine_name: str,
    window: Window,
    policy: Policy,
    deductions: dict[str, tuple[float, list[dict]]],
    computed_at: datetime,
) -> DayScores:
    """Score notes and accounts from a day's signals, in two passes over the notes. The first
    (here) scores them NOTE_BLOCK at a time, the blocks on SCORE_THREADS threads (NumPy lets go
    of the interpreter in every step over a block), holding the indicators the account index
    needs and what the notes' results are made of. The accounts are scored from those when the
    caller asks (`account_results`); the second pass, as the caller iterates `note_results`,
    makes the notes' stored results a block at a time — the caller scores and stores the
    accounts beside it (a million notes' results are about 700 MB before compression: made and
    written a block at a time, the memory of each block written is what the next is made in)."""
    notes, accounts = signals.notes, signals.accounts
    n, m = notes.num_rows, accounts.num_rows
    note_account = signals.note_account
    fan_activity_by_account = _floats(accounts, "fan_activity")
    note_fan_activity = np.where(note_account >= 0, fan_activity_by_account[np.maximum(note_account, 0)], np.nan) if m else np.full(n, np.nan)
    brand_points = np.full(n, np.nan)
    brands = notes.column("brand_account_id")
    if brands.null_count < n:
        brand_ids = brands.to_pylist()
        brand_points = np.asarray([deductions.get(b, (0.0, []))[0] if b else np.nan for b in brand_ids], dtype=np.float64)

    categories = signals.categories
    policy_baselines = _policy_baselines(categories, policy)
    run_labels = {"policy_version": pa.array([policy.version]), "engine": pa.array([engine_name])}
    starts = list(range(0, max(n, 1), NOTE_BLOCK))
    held: dict[str, np.ndarray] = {}
    naming = threading.Lock()

    def score(start: int) -> None:
        stop = min(n, start + NOTE_BLOCK)
        scored = _score_note_block(
            notes.slice(start, stop - start), signals.metrics.slice(start, stop - start), categories.slice(start, stop - start),
            {name: values[start:stop] for name, values in signals.baselines.items()}, policy_baselines,
            note_fan_activity[start:stop], brand_points[start:stop], window, policy,
        )
        with naming:  # the first block scored names the columns
            if not held:
                held.update({name: np.empty(n, values.dtype) for name, values in scored.items()})
        for name, values in scored.items():
            held[name][start:stop] = values

    with ThreadPoolExecutor(max_workers=SCORE_THREADS) as pool:
        list(pool.map(score, starts))

    def account_results() -> pa.Table:
        # Account index: its notes' indicators (recency × exposure) plus account-level parts.
        indicators = {i.code: held[f"ind_{i.code}"] for i in INDICATORS}
        account_weight = held["account_weight"]
        keep = note_account >= 0
        use = slice(None) if keep.all() else keep  # a mask copies every column; most days every note has its account
        account_values = {
            "imbalance": _floats(accounts, "imbalance"),
            "fake_followers": _floats(accounts, "fake_followers"),
            "fan_activity": fan_activity_by_account,
        }
        points, entries = _account_deductions(accounts.column("account_id").to_pylist(), deductions)
        account_scores = score_accounts(
            {code: values[use] for code, values in indicators.items()}, note_account[use], account_weight[use], account_values, points, m, policy,
        )
        return _account_results(accounts, account_scores, entries, note_account[use], window, policy, engine_name, computed_at)

    def result(start: int) -> pa.Table:
        stop = min(n, start + NOTE_BLOCK)
        scored = _note_scores({name: values[start:stop] for name, values in held.items()}, policy)
        return _result_table(notes.slice(start, stop - start), signals.metrics.slice(start, stop - start), categories.slice(start, stop - start), scored,
                             note_fan_activity[start:stop], brand_points[start:stop], run_labels)

    return DayScores(n, account_results, lambda: _in_order(result, starts))


def _in_order(make: Callable[[int], pa.Table], starts: list[int]) -> Iterator[pa.Table]:
    """`make(start)` for each of `starts`, in order, made on SCORE_THREADS threads at most that
    many ahead of the one taken."""
    with ThreadPoolExecutor(max_workers=SCORE_THREADS) as pool:
        ahead: deque[Future] = deque()
        for start in starts:
            ahead.append(pool.submit(make, start))
            if len(ahead) > SCORE_THREADS:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()


# Block columns written above under their own names (or not at all), not as scores.
NOTE_BLOCK_INPUTS = ("dwell_ratio", "dwell_baseline", "dwell_from_data", "originality", "bonus_originality", "bonus_discussion")


ACCOUNT_METRICS = ("followers", "fans_known", "active_fans", "fan_activity", "follows_window", "burst_follows", "fake_followers", "recent_notes", "imbalance")


def _same(value: Any, n: int, kind: pa.DataType) -> pa.Array:
    """A column of `n` times the same value (without a list of n Python objects)."""
    return pa.repeat(pa.scalar(value, kind), n)


def _rounded(values: np.ndarray) -> pa.Array:
    """A NumPy column with 6 decimals and NaN as null (unknown)."""
    return pa.array(np.round(values.astype(np.float64), 6), from_pandas=True)


def _account_deductions(account_ids: list[str], deductions: dict[str, tuple[float, list[dict]]]) -> tuple[np.ndarray, np.ndarray]:
    """Per account (in `account_ids` order): the ledger points in force, and the entries behind
    them as JSON text ("[]" for none)."""
    points = np.zeros(len(account_ids))
    entries = np.full(len(account_ids), "[]", dtype=object)
    if deductions:
        position = {account_id: i for i, account_id in enumerate(account_ids)}
        for account_id, (value, rows) in deductions.items():
            if account_id in position:
                points[position[account_id]] = value
                entries[position[account_id]] = json.dumps(rows, ensure_ascii=False)
    return points, entries


def _account_results(accounts, scores, entries, note_account, window, policy, engine_name, computed_at) -> pa.Table:
    """One row per account: the headline numbers (stored in SQL) and, as flat `group.name`
    columns, everything `explain` shows (stored in Parquet, see store/health.py)."""
    m = accounts.num_rows
    ids = accounts.column("account_id")
    notes_per_account = np.bincount(note_account, minlength=m) if len(note_account) else np.zeros(m, dtype=np.int64)
    columns = scores.columns()
    table = {
        "account_id": ids,
        "day": _same(window.day, m, pa.date32()),
        "health_index": _rounded(columns["index"]),
        "index_before_deductions": _rounded(columns["index_before_deductions"]),
        "deductions": pa.array(scores.deductions, pa.float64()),
        "quality": _rounded(columns["dim_quality"]),
        "compliance": _rounded(columns["dim_compliance"]),
        "feedback": _rounded(columns["dim_feedback"]),
        "coverage": pc.fill_null(_rounded(columns["coverage"]), 0.0),
        "notes": pa.array(notes_per_account, pa.int64()),
        "policy_version": _same(policy.version, m, pa.string()),
        "engine": _same(engine_name, m, pa.string()),
        "computed_at": _same(computed_at, m, pa.timestamp("us", tz="UTC")),
    }
    account_components = [c.key for c in COMPONENTS if c.level in ("account", "both")]
    table.update({f"metrics.{name}": accounts.column(name) for name in ACCOUNT_METRICS})
    table.update({f"indicators.{code}": _rounded(v) for code, v in scores.indicators.items()})
    table.update({f"from_notes.{code}": _rounded(v) for code, v in scores.from_notes.items()})
    table.update({f"from_account.{code}": _rounded(v) for code, v in scores.from_account.items()})
    table.update({f"components.{key}": _rounded(scores.components[key]) for key in account_components})
    table["notes_weight"] = _rounded(scores.notes_weight)
    table["deduction_entries"] = pa.array(entries, pa.string())
    return pa.table(table)
