"""A day's signals: what the engine aggregates from the lake (the window's day parts added up by
note key, the valid reports, the fans), lined up with the store's notes and accounts, then the
metric formulas over the lined-up rows (the aggregations and formulas: `signals/expressions.py`;
the lining up: `signals/assembly.py`).

The lake's side needs nothing from the store and the store's nothing from the lake: the daily job
has the engine compute what it must (`lake_news`) while it reads the store (`store_side`) and adds
up the kept days (`kept_sums`); `lake_side` does the lake's part in one call. `events_side`
computes the same from an events table of any days (small data held in memory, and the tests).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from redline.pipeline.day_counts import (
    DAILY,
    LakeDay,
    WindowPlan,
    WindowSums,
    daily_table,
    event_window_sums,
    kept_daily,
    kept_sums,
    lake_days,
    local_logins,
    new_sums,
    plan_window,
)
from redline.policy import Policy
from redline.signals.assembly import account_inputs, interest_share, note_inputs, ordered_by, positions
from redline.signals.engines import Engine
from redline.signals.expressions import (
    BASELINE_SIGNALS,
    NOTE_DERIVED,
    NOTE_SIGNALS,
    REPORT_ACTIONS,
    Window,
    account_metrics,
    comment_stats,
    dwell_baselines,
    fan_stats,
    follow_actions,
    in_window,
    note_metrics,
    recent_likes,
    report_actions,
    user_activity,
    window_reports,
)
from redline.store.lake import EventLake
from redline.store.note_keys import NoteKeys


@dataclass(frozen=True)
class LakeSide:
    """What the signals read from the events alone."""

    sums: WindowSums  # the window's day parts added up (by note key; by account)
    reports: pa.Table  # window_reports: note_id, valid_reports, reports_24h_max
    fans: pa.Table  # fan_stats: account_id, fans_known, active_fans
    events: int  # events in the lake days read

    def plus(self, sums: WindowSums) -> "LakeSide":
        """The same with more of the window's sums added (see `lake_news`): added into `sums`'
        arrays (the kept days' dense sums take the new day's parts)."""
        sums += self.sums
        return replace(self, sums=sums)


def lake_side(engine: Engine, lake: EventLake, window: Window, policy: Policy, keys: NoteKeys) -> LakeSide:
    """The lake's side of the day's signals (see `lake_news` and `kept_sums`)."""
    days, plan = plan_lake(lake, window, policy)
    return lake_news(engine, lake, days, plan, window, policy, keys).plus(kept_sums(lake, plan.ready, keys))


def plan_lake(lake: EventLake, window: Window, policy: Policy) -> tuple[list[LakeDay], WindowPlan]:
    """The lake days the day's signals read, and how the window's are added up."""
    days = lake_days(lake, window.first_day_needed, window.day)
    return days, plan_window(lake, days, window, policy)


def lake_news(engine: Engine, lake: EventLake, days: list[LakeDay], plan: WindowPlan, window: Window, policy: Policy, keys: NoteKeys) -> LakeSide:
    """What the engine must compute from the lake: the window's days without current kept
    parts (usually just the new one) digested and added up — the days with them are added by
    `kept_sums`, which the daily job does meanwhile —, and, at the same time on another
    connection (`Engine.beside`), the valid reports of the window and the fans of every account
    (all history's follows) with their login activity as of the day. Both read the lake days'
    kept follows, logins and first reports (`kept_daily`: the new day's are kept first, its
    logins before either starts, its follows and reports by the connection that reads them)."""
    logins = kept_daily(engine, lake, window.day, ("logins",))  # read by both
    history_kinds = tuple(name for name in DAILY if name != "logins")
    other = engine.beside()

    def history(on: Engine) -> tuple[pa.Table, pa.Table]:
        return _lake_history(on, plan, {**logins, **kept_daily(on, lake, window.day, history_kinds)}, window, policy)

    if other is engine:  # one connection: one after the other
        sums = new_sums(engine, lake, plan, window, policy, keys, logins["logins"])
        reports, fans = history(engine)
    else:
        with ThreadPoolExecutor(max_workers=1) as beside:
            history_done = beside.submit(history, other)
            sums = new_sums(engine, lake, plan, window, policy, keys, logins["logins"])
            reports, fans = history_done.result()
    return LakeSide(sums, reports, fans, sum(lake_day.rows for lake_day in days))


def _lake_history(engine: Engine, plan: WindowPlan, daily: dict[str, dict[date, Path]], window: Window, policy: Policy) -> tuple[pa.Table, pa.Table]:
    # The window's reports: the kept first reports of its whole days, and those of its edge days'
    # events inside it (as the sums are added up, see `plan_window`).
    whole = [daily["reports"][lake_day.day] for lake_day in plan.ready + plan.stale]
    actions = [daily_table(engine, "reports", whole).select(*REPORT_ACTIONS)]  # (no whole day: none)
    if plan.edges:
        edges = engine.events([path for lake_day in plan.edges for path in lake_day.files])
        actions.append(report_actions(in_window(edges, window)).select(*REPORT_ACTIONS))
    reports = engine.execute(window_reports(ibis.union(*actions, distinct=False) if len(actions) > 1 else actions[0], policy))
    # Fans follow from all history (each day's last follows and unfollows) and are active by
    # their logins (each day's), both kept per day.
    follows, logins = (daily_table(engine, name, list(daily[name].values())) for name in ("follows", "logins"))
    return reports, _fans(engine, follows, logins, window, policy)


def events_side(engine: Engine, events: ir.Table, window: Window, policy: Policy, keys: NoteKeys) -> LakeSide:
    """The same from `events` (any days; follows of all history among them), each event on its
    local day."""
    sums = event_window_sums(engine, events, window, policy, keys)
    logins = local_logins(events, window.fan_first_day, window.day, policy)
    reports = engine.execute(window_reports(report_actions(in_window(events, window)), policy))
    return LakeSide(sums, reports, _fans(engine, follow_actions(events), logins, window, policy), 0)


def _fans(engine: Engine, follows: ir.Table, logins: ir.Table, window: Window, policy: Policy) -> pa.Table:
    """`follows`: follow and unfollow events of all history, or their `follow_actions`;
    `logins`: `login_counts` by day. Only the fans' login activity is asked about."""
    return engine.execute(fan_stats(follows, user_activity(logins, window, among=follows), policy))


@dataclass(frozen=True)
class StoreSide:
    """What the signals read from the store alone, lined up with the notes: worked out while the
    lake's side is computed."""

    notes: pa.Table
    accounts: pa.Table  # account_id, followers; in the order of account_id
    comments: pa.Table  # the comment labels (note_id, negative, question)
    note_keys: np.ndarray
    note_account: np.ndarray  # each note's position in `accounts` (-1: an account not scored)
    interests: tuple[pa.Array, np.ndarray]  # interest_share of the notes
    categories: pa.DictionaryArray  # each note's category, its distinct names hashed once


def store_side(inputs: dict[str, pa.Table], keys: NoteKeys) -> StoreSide:
    """The store's `inputs` — the notes (with `note_key` when they come from the note frame),
    accounts (account_id, followers), fans' interests and comment labels — lined up."""
    notes, interests = inputs["notes"], inputs["fan_interests"]
    accounts = ordered_by(inputs["accounts"], "account_id")  # the account metrics' order
    if "note_key" in notes.column_names and notes.column("note_key").null_count == 0:
        note_keys = notes.column("note_key").to_numpy().astype(np.int64, copy=False)
    else:
        note_keys = keys.lookup(notes.column("note_id"))
    note_account = positions(notes.column("account_id"), accounts.column("account_id"))
    category = notes.column("category").combine_chunks().dictionary_encode()  # the million names hashed once
    shares = interest_share(category, note_account, accounts.num_rows, interests, positions(interests.column("account_id"), accounts.column("account_id")))
    return StoreSide(notes, accounts, inputs["comments"], note_keys, note_account, shares, category)


@dataclass
class DaySignals:
    """A day's signals, lined up with the notes and accounts scored."""

    notes: pa.Table  # the store's notes
    metrics: pa.Table  # each note's NOTE_SIGNALS (same rows)
    note_account: np.ndarray  # each note's position in `accounts` (-1: an account not scored)
    baselines: dict[str, np.ndarray]  # BASELINE_SIGNALS per note, by its category
    accounts: pa.Table  # the account metrics, in the order of account_id
    categories: pa.DictionaryArray  # each note's category (`StoreSide.categories`)

    def note_metrics(self) -> pa.Table:
        """Every note's NOTE_SIGNALS and BASELINE_SIGNALS in one table."""
        table = self.metrics
        for name, values in self.baselines.items():
            table = table.append_column(name, pa.array(values, from_pandas=True))
        return table


def compute_signals(engine: Engine, side: LakeSide, store: StoreSide, keys: NoteKeys, window: Window, policy: Policy) -> DaySignals:
    """The lake's side lined up with the store's, and the metric formulas over the lined-up
    rows."""
    notes, accounts, n = store.notes, store.accounts, store.notes.num_rows
    comments = engine.execute(comment_stats(engine.table(store.comments)))
    per_note = [side.reports, comments]
    asked = keys.lookup(pa.chunked_array([table.column("note_id") for table in per_note], pa.string()), add=False)
    split = np.cumsum([table.num_rows for table in per_note])[:-1]
    lined = note_inputs(notes, store.note_keys, side.sums.notes, list(zip(np.split(asked, split), per_note)), store.interests)
    derived = _in_row_order(engine.execute(note_metrics(engine.table(lined), policy)), n)
    metrics = pa.table({name: (derived if name in NOTE_DERIVED else lined).column(name) for name in NOTE_SIGNALS})

    # Each category's dwell baseline (a NULL category is a group of its own, -1), grouped by code.
    codes = pc.fill_null(store.categories.indices, -1)
    baselines = engine.execute(dwell_baselines(engine.table(pa.table({"category": codes, "avg_dwell": metrics.column("avg_dwell")}))))
    at = positions(codes, baselines.column("category"))
    note_baselines = {name: _take_floats(baselines.column(name), at) for name in BASELINE_SIGNALS}

    recent = engine.execute(recent_likes(engine.table(pa.table({
        "account": store.note_account, "published_epoch": notes.column("published_epoch"), "likes_known": metrics.column("likes_known"),
    })), window))
    lined_accounts = account_inputs(accounts, [side.fans, side.sums.accounts], recent, recent.column("account").to_numpy())
    account_table = engine.execute(account_metrics(engine.table(lined_accounts), policy)).sort_by("account_id")
    return DaySignals(notes, metrics, store.note_account, note_baselines, account_table, store.categories)


def _take_floats(values: pa.ChunkedArray, at: np.ndarray) -> np.ndarray:
    """`values[at]` as floats (NaN where `at` is -1 or the value NULL)."""
    numbers = pc.fill_null(pc.cast(values, pa.float64()), np.nan).to_numpy(zero_copy_only=False) if len(values) else np.empty(0)
    return np.where(at >= 0, numbers[np.maximum(at, 0)] if len(numbers) else np.nan, np.nan)


def _in_row_order(metrics: pa.Table, rows: int) -> pa.Table:
    """The engine's rows (one per note) in note order: as they come when the engine kept the
    order of its input (DuckDB), else put in order by their `row`."""
    row = metrics.column("row").to_numpy()
    if len(row) != rows or (rows and not np.array_equal(np.bincount(row, minlength=rows), np.ones(rows, dtype=np.int64))):
        raise RuntimeError(f"note metrics returned {len(row)} rows for {rows} notes")
    if np.array_equal(row, np.arange(rows)):
        return metrics
    position = np.empty(rows, dtype=np.int64)
    position[row] = np.arange(rows, dtype=np.int64)
    # One chunk first: taking from the engine's many small batches resolves a chunk per index.
    return metrics.combine_chunks().take(position)
