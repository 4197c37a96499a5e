"""The daily job: events + store → signals (Ibis on DuckDB or Spark) → index for every note and
account → stored per day (history kept)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from redline.health.deductions import deductions_for
from redline.health.model import COMPONENTS, INDICATORS
from redline.health.score import note_bonus_flags, note_weights, score_accounts, score_notes
from redline.home import DataHome
from redline.pipeline.day_counts import LakeDay, WindowParts, event_window_parts, lake_days, window_parts
from redline.pipeline.textchecks import refresh_comment_labels, refresh_note_checks
from redline.policy import Policy
from redline.signals.engines import Engine, make_engine
from redline.signals.expressions import (
    BASELINE_SIGNALS,
    NOTE_SIGNALS,
    SignalTables,
    Window,
    account_signals,
    dwell_baselines,
    note_signals,
    user_activity,
)
from redline.store.database import Database
from redline.store.health import (
    RunRecord,
    load_accounts,
    load_comment_labels,
    load_notes,
    save_account_days,
    write_account_results,
    save_run,
    write_note_results,
)
from redline.store.lake import EventLake

NOTE_METRIC_COLUMNS = (
    "impressions", "reads", "likes", "saves", "comment_events", "shares", "orders", "order_amount",
    "watches", "likes_known", "interaction_rate", "ctr", "video_length", "completion_rate",
    "completion_short", "completion_long", "completion_other", "avg_dwell", "dwell_baseline",
    "dwell_baseline_source", "dwell_ratio", "valid_reports", "reports_24h_max", "engagement",
    "suspicious_engagement", "burst_engagement", "bursts", "fake_engagement", "labelled_comments",
    "negative_comments", "discussion", "fan_match", "fan_activity", "brand_linkage", "has_events",
)


@dataclass
class RecomputeResult:
    day: date
    engine: str
    policy_version: str
    notes: int
    accounts: int
    events: int
    timings: dict[str, float] = field(default_factory=dict)
    notes_file: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "engine": self.engine,
            "policy_version": self.policy_version,
            "notes": self.notes,
            "accounts": self.accounts,
            "events": self.events,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


def _floats(table: pa.Table, name: str) -> np.ndarray:
    column = table.column(name)
    return pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)


# The notes' own columns the signal expressions read (the rest stay in Python, see run_signals).
NOTE_INPUTS = ("note_id", "account_id", "category", "video_seconds", "published_epoch", "liked_count")


@dataclass(frozen=True)
class LakeWindow:
    """What the signals read from the lake alone: the window's days, its events, all history's
    follow events, the window's day parts and the users' login activity as of the day (kept in
    the engine)."""

    days: list[LakeDay]
    events: ir.Table
    follows: ir.Table
    parts: WindowParts
    users: ir.Table


def lake_window(engine: Engine, lake: EventLake, window: Window, policy: Policy, keep: ExitStack) -> LakeWindow:
    """The lake's side of the signals, computed now where it is dear: a day without kept parts
    (usually just the new one) is digested, and the fans' login activity as of the day is kept
    in the engine until `keep` closes. Needs nothing from the store, so it can run while the
    store is read."""
    days = lake_days(lake, window.first_day_needed, window.day)
    window_files = [path for lake_day in days for path in lake_day.files]
    follow_files = lake.files(None, window.day)
    events = engine.events(window_files)
    follows_all = engine.events(follow_files) if follow_files != window_files else events
    follows = follows_all.filter(follows_all.event_type.isin(["follow", "unfollow"]))
    parts = window_parts(engine, lake, days, window, policy)
    # The fans' login activity (the only users the account signals ask about).
    users = keep.enter_context(engine.kept(user_activity(events, window, among=follows)))
    return LakeWindow(days, events, follows, parts, users)


def compute_signals(engine: Engine, lake_side: LakeWindow, inputs: dict[str, pa.Table], window: Window, policy: Policy) -> tuple[pa.Table, pa.Table, int]:
    """Run the signal expressions over the lake's side (`lake_window`) and the store's inputs;
    returns (note metrics, account metrics, events read)."""
    notes, accounts = run_signals(engine, lake_side.events, lake_side.follows, inputs, window, policy, lake_side.parts, lake_side.users)
    return notes, accounts, sum(lake_day.rows for lake_day in lake_side.days)


def run_signals(
    engine: Engine,
    events: ir.Table,
    follows: ir.Table,
    inputs: dict[str, pa.Table],
    window: Window,
    policy: Policy,
    parts: WindowParts | None = None,
    users: ir.Table | None = None,
) -> tuple[pa.Table, pa.Table]:
    """The signal expressions over the window's `events` and all history's `follows`, with the
    store's `inputs`; returns (the notes with their metrics appended, the account metrics).
    `parts` and `users`: the window's day parts and the `user_activity` as of the day when the
    caller has them (see `lake_window`), else computed from `events`.

    The engine gets only the note columns the expressions read, plus each note's row number, and
    returns the metrics by row number: the notes' other columns (text-check scores, brand…) never
    travel to the engine and back, and nothing needs sorting by note id."""
    notes = inputs["notes"]
    rows = notes.select(list(NOTE_INPUTS)).append_column("row", pa.array(np.arange(notes.num_rows, dtype=np.int64)))
    with ExitStack() as kept:
        if users is None:
            users = kept.enter_context(engine.kept(user_activity(events, window)))
        if parts is None:
            parts = event_window_parts(engine, events, window, policy)
        tables = SignalTables(
            events=events,
            follows=follows,
            notes=engine.table(rows),
            accounts=engine.table(inputs["accounts"]),
            fan_interests=engine.table(inputs["fan_interests"]),
            comments=engine.table(inputs["comments"]),
            users=users,
            note_parts=parts.notes,
            account_parts=parts.accounts,
        )
        # Sorted by the engine (in parallel): cheaper than reordering here.
        by_row = _in_row_order(engine.execute(note_signals(tables, window, policy).order_by("row")), notes.num_rows)
        category = notes.column("category")
        baselines = engine.execute(dwell_baselines(engine.table(pa.table({"category": category, "avg_dwell": by_row.column("avg_dwell")}))))
        view = pa.table({name: notes.column(name) for name in ("account_id", "published_epoch")} | {"likes_known": by_row.column("likes_known")})
        accounts = engine.execute(account_signals(tables, engine.table(view), window, policy)).sort_by("account_id")
    for name in NOTE_SIGNALS:
        notes = notes.append_column(name, by_row.column(name))
    # Each note's category's baseline (a NULL category has its own, as in the group).
    position = pc.index_in(category, value_set=baselines.column("category"), skip_nulls=False)
    for name in BASELINE_SIGNALS:
        notes = notes.append_column(name, pc.take(baselines.column(name), position))
    return notes, accounts


def _in_row_order(metrics: pa.Table, rows: int) -> pa.Table:
    """The engine's rows (one per note) in note order: as they come when the engine kept the
    order it sorted them in (DuckDB), else put in order by their `row`."""
    row = metrics.column("row").to_numpy()
    if len(row) != rows or (rows and not np.array_equal(np.bincount(row, minlength=rows), np.ones(rows, dtype=np.int64))):
        raise RuntimeError(f"note signals returned {len(row)} rows for {rows} notes")
    if np.array_equal(row, np.arange(rows)):
        return metrics
    position = np.empty(rows, dtype=np.int64)
    position[row] = np.arange(rows, dtype=np.int64)
    # One chunk first: taking from the engine's many small batches resolves a chunk per index.
    return metrics.combine_chunks().take(position)


def _dwell_ratio(notes: pa.Table, policy: Policy) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dwell ratio, the baseline it was divided by, whether that baseline came from the data)."""
    s = policy.signals
    avg = _floats(notes, "avg_dwell")
    data_mean = _floats(notes, "category_dwell_mean")
    data_count = _floats(notes, "category_dwell_notes")
    categories = pc.fill_null(notes.column("category"), "").combine_chunks().dictionary_encode()
    per_category = np.asarray([s.dwell_baselines.get(c, s.dwell_baselines["default"]) for c in categories.dictionary.to_pylist()] or [0.0])
    fallback = per_category[categories.indices.to_numpy(zero_copy_only=False)] if notes.num_rows else np.empty(0)
    from_data = (data_count >= s.dwell_baseline_min_notes) & ~np.isnan(data_mean) & (data_mean > 0)
    baseline = np.where(from_data, data_mean, fallback)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = avg / baseline
    return ratio, baseline, from_data


@contextmanager
def _without_huge_pages() -> Iterator[None]:
    """NumPy asks the kernel for transparent huge pages for every large array. Where the kernel
    then compacts memory on the first touch (THP defrag `madvise`, a common default), each fresh
    8 MB array of the daily job took milliseconds of system time: on the benchmark's machine
    sixty million-element arrays took 1.1 s with huge pages and 0.3 s without. The job makes
    hundreds of short-lived arrays, so it asks for ordinary pages while it runs."""
    switch = getattr(getattr(np, "_core", None), "multiarray", None)
    switch = getattr(switch, "_set_madvise_hugepage", None)
    if switch is None:
        yield
        return
    before = switch(False)
    try:
        yield
    finally:
        switch(before)


# Notes are scored this many at a time: each step's temporaries then stay in the CPU cache and in
# memory the allocator hands out again, instead of a fresh million-element array per step.
NOTE_BLOCK = 1 << 16
SCORE_THREADS = min(8, os.cpu_count() or 1)


def _score_note_block(notes: pa.Table, fan_activity: np.ndarray, brand_points: np.ndarray, window: Window, policy: Policy) -> dict[str, np.ndarray]:
    """Every computed column of a block of notes: the derived inputs, the bonus flags, the
    scores (see `Scores.columns`) and the note's weight in its account's index."""
    dwell_ratio, baseline, from_data = _dwell_ratio(notes, policy)
    originality = _floats(notes, "originality")
    values = {
        "originality": originality,
        "text_q2": _floats(notes, "text_q2"),
        "text_q3": _floats(notes, "text_q3"),
        "text_c1": _floats(notes, "text_c1"),
        "text_c2": _floats(notes, "text_c2"),
        "text_c3": _floats(notes, "text_c3"),
        "completion_short": _floats(notes, "completion_short"),
        "completion_long": _floats(notes, "completion_long"),
        "completion_other": _floats(notes, "completion_other"),
        "ctr": _floats(notes, "ctr"),
        "brand_linkage": brand_points,
        "fake_engagement": _floats(notes, "fake_engagement"),
        "reports": _floats(notes, "reports_24h_max"),
        "negative_comments": _floats(notes, "negative_comments"),
        "interaction_rate": _floats(notes, "interaction_rate"),
        "dwell_ratio": dwell_ratio,
        "fan_activity": fan_activity,
        "fan_match": _floats(notes, "fan_match"),
        "discussion": _floats(notes, "discussion"),
    }
    chars = np.nan_to_num(_floats(notes, "text_chars"), nan=0.0)
    flags = note_bonus_flags(values, chars, policy)
    scores = score_notes(values, flags, notes.num_rows, policy)
    impressions = _floats(notes, "impressions")
    exposure = np.where(impressions > 0, impressions, _floats(notes, "reads"))
    return {
        "dwell_ratio": dwell_ratio,
        "dwell_baseline": baseline,
        "dwell_from_data": from_data,
        "originality": originality,
        "bonus_originality": flags["originality"],
        "bonus_discussion": flags["discussion"],
        **scores.columns(),
        "account_weight": note_weights(_floats(notes, "published_epoch"), exposure, window.end, policy),
    }


def _score_notes_by_block(notes: pa.Table, fan_activity: np.ndarray, brand_points: np.ndarray, window: Window, policy: Policy) -> dict[str, np.ndarray]:
    """`_score_note_block` over the notes NOTE_BLOCK at a time, gathered into whole columns.
    Blocks are scored on SCORE_THREADS threads: NumPy lets go of the interpreter in every step
    over a block, so they run side by side."""
    n = notes.num_rows
    starts = list(range(0, n, NOTE_BLOCK)) or [0]
    out: dict[str, np.ndarray] = {}

    def score(start: int) -> None:
        stop = min(n, start + NOTE_BLOCK)
        block = _score_note_block(notes.slice(start, stop - start), fan_activity[start:stop], brand_points[start:stop], window, policy)
        if not out:  # the first block names the columns and their types
            out.update({name: np.empty(n, values.dtype) for name, values in block.items()})
        for name, values in block.items():
            out[name][start:stop] = values

    score(starts[0])
    with ThreadPoolExecutor(max_workers=SCORE_THREADS) as pool:
        list(pool.map(score, starts[1:]))  # (raises a block's error here)
    return out


def score_day(
    notes: pa.Table,
    accounts: pa.Table,
    window: Window,
    policy: Policy,
    deductions: dict[str, tuple[float, list[dict]]],
    engine_name: str,
    computed_at: datetime,
    on_notes: Callable[[pa.Table], None] | None = None,
) -> tuple[pa.Table, pa.Table]:
    """Score notes and accounts from their metrics; returns (note results, account results).
    `on_notes` receives the note results as soon as they are complete, before the accounts are
    scored (the caller can start writing them meanwhile)."""
    n, m = notes.num_rows, accounts.num_rows
    account_ids = accounts.column("account_id").to_pylist()
    position = pc.index_in(notes.column("account_id"), value_set=accounts.column("account_id"))
    note_account = pc.fill_null(position, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    fan_activity_by_account = _floats(accounts, "fan_activity")
    note_fan_activity = np.where(note_account >= 0, fan_activity_by_account[np.maximum(note_account, 0)], np.nan) if m else np.full(n, np.nan)

    brand_points = np.full(n, np.nan)
    brands = notes.column("brand_account_id")
    if brands.null_count < n:
        brand_ids = brands.to_pylist()
        brand_points = np.asarray([deductions.get(b, (0.0, []))[0] if b else np.nan for b in brand_ids], dtype=np.float64)
    scored = _score_notes_by_block(notes, note_fan_activity, brand_points, window, policy)

    note_columns: dict[str, Any] = {
        "note_id": notes.column("note_id"),
        "account_id": notes.column("account_id"),
        "category": notes.column("category"),
        "published_epoch": notes.column("published_epoch"),
        "text_chars": notes.column("text_chars"),
        "has_check": notes.column("has_check"),
        "dynamic_cover": notes.column("dynamic_cover"),
        "brand_account_id": notes.column("brand_account_id"),
    }
    extra = {
        "dwell_ratio": scored["dwell_ratio"],
        "dwell_baseline": scored["dwell_baseline"],
        "dwell_baseline_source": pc.if_else(pa.array(scored["dwell_from_data"]), "data", "policy"),
        "fan_activity": note_fan_activity,
        "brand_linkage": brand_points,
        "originality": scored["originality"],
    }
    for name in NOTE_METRIC_COLUMNS:
        if name in extra:
            note_columns[name] = extra[name]
        elif name in notes.column_names:
            note_columns[name] = notes.column(name)
    note_columns["originality"] = scored["originality"]
    note_columns["bonus_originality"] = scored["bonus_originality"]
    note_columns["bonus_discussion"] = scored["bonus_discussion"]
    for name, column in scored.items():
        if name not in NOTE_BLOCK_INPUTS:
            note_columns[name] = column
    note_columns["policy_version"] = _same(policy.version, n, pa.string())
    note_columns["engine"] = _same(engine_name, n, pa.string())
    note_table = pa.table({k: (pa.array(v, from_pandas=True) if isinstance(v, np.ndarray) else v) for k, v in note_columns.items()})
    if on_notes is not None:
        on_notes(note_table)

    # Account index: its notes' indicators (recency × exposure) plus account-level parts.
    keep = note_account >= 0
    kept = slice(None) if keep.all() else keep  # a mask copies every column; most days every note has its account
    account_values = {
        "imbalance": _floats(accounts, "imbalance"),
        "fake_followers": _floats(accounts, "fake_followers"),
        "fan_activity": fan_activity_by_account,
    }
    points, entries = _account_deductions(account_ids, deductions)
    account_scores = score_accounts(
        {i.code: scored[f"ind_{i.code}"][kept] for i in INDICATORS},
        note_account[kept],
        scored["account_weight"][kept],
        account_values,
        points,
        m,
        policy,
    )

    account_table = _account_results(accounts, account_scores, entries, note_account[kept], window, policy, engine_name, computed_at)
    return note_table, account_table


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


def recompute(
    database: Database,
    home: DataHome,
    day: date,
    policy: Policy,
    engine: str | Engine = "duckdb",
    refresh_text: bool = True,
) -> RecomputeResult:
    """Compute and store the index of every note and account for `day`."""
    started = datetime.now(timezone.utc)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    window = Window.for_day(day, policy)
    if refresh_text:
        refresh_note_checks(database, policy, home=home)
        refresh_comment_labels(database, policy)
    lap("text_checks")
    # Writers release the GIL: the refreshed note frame and the results' Parquet files are
    # written in the background while the job goes on (and waited for before it ends).
    with _without_huge_pages(), ExitStack() as keep, ThreadPoolExecutor(max_workers=2) as background:
        runner = make_engine(engine) if isinstance(engine, str) else engine
        lake = EventLake.in_home(home.lake_dir)
        # The engine counts the new day's events and the users' logins while the store is read
        # (the engine's own threads do that work; reading the store is mostly one Python thread).
        lake_ready = background.submit(lake_window, runner, lake, window, policy, keep)
        pending = []
        accounts, interests = load_accounts(database)
        inputs = {
            "notes": load_notes(database, home.root, window.end, defer=lambda job: pending.append(background.submit(job))),
            "accounts": accounts,
            "fan_interests": interests,
            "comments": load_comment_labels(database),
        }
        lap("load_store")
        notes, account_metrics, events = compute_signals(runner, lake_ready.result(), inputs, window, policy)
        keep.close()  # what the engine kept for the signals is read
        lap("signals")
        at = datetime.fromtimestamp(window.end, timezone.utc)
        brand_ids = {b for b in pc.unique(inputs["notes"].column("brand_account_id")).to_pylist() if b}
        deductions = deductions_for(database, set(account_metrics.column("account_id").to_pylist()) | brand_ids, at, policy)
        lap("deductions")
        notes_written = []  # started as soon as the notes are scored, while the accounts are
        note_table, account_table = score_day(
            notes, account_metrics, window, policy, deductions, runner.name, started,
            on_notes=lambda table: notes_written.append(background.submit(write_note_results, home.root, day, table)),
        )
        lap("score")
        accounts_written = background.submit(write_account_results, home.root, day, account_table)
        save_account_days(database, day, account_table)
        notes_file = notes_written[0].result()
        accounts_written.result()
        for job in pending:
            job.result()  # a failed frame save is an error of the run
    result = RecomputeResult(day, runner.name, policy.version, note_table.num_rows, account_table.num_rows, events, timings, notes_file)
    lap("store")
    save_run(database, RunRecord(day, runner.name, policy.version, started, datetime.now(timezone.utc), result.notes, result.accounts, events, dict(timings)))
    return result
