"""The daily job: events + store → signals (Ibis on DuckDB or Spark) → index for every note and
account → stored per day (history kept).

What runs side by side (the machine it was tuned on has two cores): the engine digests the
window's days that have no kept parts yet (usually only the new one) and, on a second connection,
counts the window's reports and every account's fans (pipeline/signals.py: `lake_news`); the main
thread meanwhile brings the note and account frames up to date, lines up what comes from the
store, adds up the kept days' parts by note key and reads the ledger's points in force. Once the
lake's side is in, the metrics are worked out and every note scored; then, while the note
results are made and written, the accounts are scored from the notes' indicators, their
headlines go to SQL and their details to their file. The frames' new deltas are saved in the
background. All background work is waited for before the job returns; an error in any of it is
the run's error.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow.compute as pc

from redline.health.deductions import deductions_for
from redline.home import DataHome
from redline.pipeline.day_counts import kept_sums
from redline.pipeline.memory import job_memory
from redline.pipeline.scoring import score_day
from redline.pipeline.signals import compute_signals, lake_news, plan_lake, store_side
from redline.pipeline.textchecks import refresh_comment_labels, refresh_note_checks
from redline.policy import Policy
from redline.signals.engines import Engine, make_engine
from redline.signals.expressions import Window
from redline.store.arrow_rows import without_cyclic_gc
from redline.store.database import Database
from redline.store.health import (
    RunRecord,
    load_accounts,
    load_comment_labels,
    load_notes,
    note_results_path,
    note_results_writer,
    save_account_days,
    save_run,
    write_account_results,
)
from redline.store.lake import EventLake
from redline.store.note_keys import NoteKeys


def note_keys_dir(home: DataHome) -> Path:
    """Where the note keys of a data home are kept (beside the lake's kept day parts)."""
    return home.lake_dir / "note_keys"


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
    with job_memory(), without_cyclic_gc(), NoteKeys.open(note_keys_dir(home)) as keys, ThreadPoolExecutor(max_workers=4) as background:
        runner = make_engine(engine) if isinstance(engine, str) else engine
        lake = EventLake.in_home(home.lake_dir)
        # The engine digests the new day and reads the window while the frames are brought up to
        # date and the kept days are added up (the engine's own threads do that work; this one
        # reads the store, then sums with NumPy).
        days, plan = plan_lake(lake, window, policy)
        lake_ready = background.submit(lake_news, runner, lake, days, plan, window, policy, keys)
        pending = []

        def defer(job) -> None:
            pending.append(background.submit(job))

        accounts, interests = load_accounts(database, home.root, defer=defer)
        inputs = {
            "notes": load_notes(database, home.root, window.end, keys, defer=defer),
            "accounts": accounts,
            "fan_interests": interests,
            "comments": load_comment_labels(database),
        }
        store = store_side(inputs, keys)
        lap("load_store")
        kept = kept_sums(lake, plan.ready, keys)
        lap("kept_sums")
        # The ledger's points are the store's too (the accounts scored are the store's): read
        # while the engine finishes the lake's side.
        at = datetime.fromtimestamp(window.end, timezone.utc)
        brand_ids = {b for b in pc.unique(inputs["notes"].column("brand_account_id")).to_pylist() if b}
        deductions = deductions_for(database, set(store.accounts.column("account_id").to_pylist()) | brand_ids, at, policy)
        lap("deductions")
        side = lake_ready.result().plus(kept)
        lap("lake_wait")
        signals = compute_signals(runner, side, store, keys, window, policy)
        lap("signals")
        scores = score_day(signals, runner.name, window, policy, deductions, started)
        lap("score")

        def store_accounts() -> int:
            # The accounts are scored, their headlines go to SQL (mostly in SQLite's own code,
            # without the interpreter) and their details to their file while the note results
            # are made and written.
            accounts = scores.account_results()
            details_written = background.submit(write_account_results, home.root, day, accounts)
            save_account_days(database, day, accounts)
            details_written.result()
            return accounts.num_rows

        accounts_stored = background.submit(store_accounts)
        with note_results_writer(home.root, day) as write_notes:
            for block in scores.note_results():
                write_notes(block)
        account_count = accounts_stored.result()
        for job in pending:
            job.result()  # a failed frame save is an error of the run
    result = RecomputeResult(day, runner.name, policy.version, scores.notes, account_count, side.events, timings, note_results_path(home.root, day))
    lap("store")
    save_run(database, RunRecord(day, runner.name, policy.version, started, datetime.now(timezone.utc), result.notes, result.accounts, side.events, dict(timings)))
    return result
