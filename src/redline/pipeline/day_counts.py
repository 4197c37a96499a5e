"""Each lake day's additive parts, kept beside the lake so that the daily job digests one new
day of events instead of the whole metrics window (30 days by default).

A day's parts (`day_parts`) are its per-note counts and engagement bursts and its per-account
follow bursts, each engagement judged against the user's logins of the inactivity window ending
that day. They are written once, to `<home>/lake/note_counts/day=D/{notes,accounts}.parquet`, and
reused while they still describe that day: the files' metadata names the lake files they were
computed from (the day's, and those of the inactivity window before it, whose logins decide who
was inactive: name and size) and the policy numbers they depend on, so a late batch, a rewritten
file or a policy change makes them be computed again. A day is used whole only when every event
in it lies inside the metrics window (read from the Parquet statistics of `ts`); a day that
straddles the window's edge, or whose files carry no statistics, is computed from its raw events,
filtered by time. Parts are sums, so adding the days' parts gives the window's exactly
(floating-point sums up to the order of addition).
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from redline.policy import Policy
from redline.signals.engines import Engine
from redline.signals.expressions import Window, day_parts, local_day
from redline.store.lake import EventLake
from redline.store.parquet_files import write_parquet_atomically

FORMAT = 2  # 2: the day's bursts joined its counts; follow bursts per account
METADATA_KEY = b"redline.day_counts"


@dataclass(frozen=True)
class LakeDay:
    day: date
    files: list[Path]
    rows: int
    first: datetime | None  # earliest and latest event time (UTC, naive as in the lake); None when unknown
    last: datetime | None


def lake_days(lake: EventLake, first: date, last: date) -> list[LakeDay]:
    """The lake's days in [first, last] with their files, row counts and time range, read from
    the Parquet footers (no scan)."""
    days = []
    for day in lake.days():
        if first <= day <= last:
            files = lake.files(day, day)
            rows, low, high = 0, None, None
            known = True
            for path in files:
                metadata = pq.ParquetFile(path).metadata
                rows += metadata.num_rows
                file_low, file_high = _time_range(metadata)
                if file_low is None:
                    known = known and metadata.num_rows == 0
                    continue
                low = file_low if low is None else min(low, file_low)
                high = file_high if high is None else max(high, file_high)
            days.append(LakeDay(day, files, rows, low if known else None, high if known else None))
    return days


def _time_range(metadata: pq.FileMetaData) -> tuple[datetime | None, datetime | None]:
    column = metadata.schema.names.index("ts") if "ts" in metadata.schema.names else None
    if column is None or metadata.num_row_groups == 0:
        return None, None
    low = high = None
    for group in range(metadata.num_row_groups):
        statistics = metadata.row_group(group).column(column).statistics
        if statistics is None or not statistics.has_min_max:
            return None, None
        low = statistics.min if low is None else min(low, statistics.min)
        high = statistics.max if high is None else max(high, statistics.max)
    return low, high


def counts_dir(lake: EventLake) -> Path:
    return lake.root.parent / "note_counts"


@dataclass(frozen=True)
class WindowParts:
    """The metrics window's day parts, stacked (a note or account has a row per part)."""

    notes: ir.Table  # day_parts per note, without the day
    accounts: ir.Table  # day_parts per account, without the day


def window_parts(engine: Engine, lake: EventLake, days: list[LakeDay], window: Window, policy: Policy) -> WindowParts:
    """The day parts of the metrics window: kept ones where a whole day lies inside the window
    (the missing or stale ones computed now, together), from raw events where a day straddles an
    edge. `sum_parts` adds them up (`note_signals` does, in the same pass as its other per-note
    tables)."""
    start, end = _naive_utc(window.metrics_start), _naive_utc(window.end)
    whole: list[LakeDay] = []
    raw: list[tuple[ir.Table, ir.Table]] = []
    for lake_day in days:
        if lake_day.rows == 0:
            continue
        if lake_day.first is not None and (lake_day.last < start or lake_day.first >= end):
            continue  # nothing of this day is in the window
        if lake_day.first is not None and start <= lake_day.first and lake_day.last < end:
            whole.append(lake_day)
        else:
            # Every event of the day's files counts for that day, wherever its time falls.
            events = engine.events(lake_day.files).mutate(day=ibis.literal(lake_day.day, type="date"))
            notes, accounts = day_parts(events, _logins(engine, lake, [lake_day.day], policy), policy, window.metrics_start, window.end)
            raw.append((notes.drop("day"), accounts.drop("day")))
    kept = kept_day_parts(engine, lake, whole, policy)
    if not kept and not raw:
        return _no_parts(engine, policy)
    notes = ([engine.parquet([paths[0] for paths in kept])] if kept else []) + [part[0] for part in raw]
    accounts = ([engine.parquet([paths[1] for paths in kept])] if kept else []) + [part[1] for part in raw]
    return WindowParts(_stacked(notes), _stacked(accounts))


def event_window_parts(engine: Engine, events: ir.Table, window: Window, policy: Policy) -> WindowParts:
    """The day parts of the metrics window computed from an events table of any days, each event
    on its local day: for small in-memory data (the daily job keeps its parts per lake day)."""
    days = [window.day - timedelta(days=back) for back in range(policy.signals.metrics_window_days)]
    dated = events.mutate(day=local_day(events.ts, days, policy))
    notes, accounts = day_parts(dated.filter(dated.day.notnull()), _logins_of(events, days, policy), policy)
    return WindowParts(notes.drop("day"), accounts.drop("day"))


def _inactivity_start(day: date, policy: Policy) -> date:
    """The first day of the inactivity window that ends with `day`."""
    return day - timedelta(days=policy.signals.inactive_days - 1)


def _logins(engine: Engine, lake: EventLake, days: list[date], policy: Policy) -> ir.Table:
    """The lake's login events that judge `days` (from the inactivity window before the first
    on), each with its local day."""
    return _logins_of(engine.events(lake.files(_inactivity_start(min(days), policy), max(days))), days, policy)


def _logins_of(events: ir.Table, days: list[date], policy: Policy) -> ir.Table:
    first, last = _inactivity_start(min(days), policy), max(days)
    login_days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    logins = events.filter(events.event_type == "login")
    dated = logins.mutate(day=local_day(logins.ts, login_days, policy))
    return dated.filter(dated.day.notnull())


def _no_parts(engine: Engine, policy: Policy) -> WindowParts:
    events = engine.events([]).mutate(day=ibis.null("date"))
    notes, accounts = day_parts(events, events, policy)
    return WindowParts(notes.drop("day"), accounts.drop("day"))


def _stacked(tables: list[ir.Table]) -> ir.Table:
    return tables[0] if len(tables) == 1 else ibis.union(*tables, distinct=False)


def kept_day_parts(engine: Engine, lake: EventLake, days: list[LakeDay], policy: Policy) -> list[tuple[Path, Path]]:
    """Each day's parts files (notes, accounts). The days whose files are missing or no longer
    match the day's files, the inactivity window's files or the policy are computed now, all in
    one query per kind (a `day` column tells them apart): a first run digests every day of the
    window, and on a small lake compiling a query costs more than running it."""
    paths = {lake_day.day: _parts_paths(lake, lake_day.day) for lake_day in days}
    keys = {lake_day.day: _key(lake, lake_day, policy) for lake_day in days}
    stale = [lake_day for lake_day in days if not all(_stored_key(path) == keys[lake_day.day] for path in paths[lake_day.day])]
    for chunk in _chunks(stale):
        events = engine.events([path for lake_day in chunk for path in lake_day.files])
        chunk_days = [lake_day.day for lake_day in chunk]
        dated = events.mutate(day=local_day(events.ts, chunk_days, policy))
        with ExitStack() as kept:
            parts = day_parts(dated.filter(dated.day.notnull()), _logins(engine, lake, chunk_days, policy), policy,
                              keep=lambda table: kept.enter_context(engine.kept(table)))
            for position, kind in enumerate(parts):
                table = engine.execute(kind)
                for day in chunk_days:
                    of_day = table.filter(pc.equal(table.column("day"), pa.scalar(day, pa.date32()))).drop_columns(["day"])
                    metadata = {METADATA_KEY: json.dumps(keys[day]).encode()}
                    write_parquet_atomically(of_day.replace_schema_metadata(metadata), paths[day][position])
    return [paths[lake_day.day] for lake_day in days]


# Days digested together hold at most about this many events (a day more than that goes alone):
# enough for a small lake's whole window in one query, while a large lake's first run keeps the
# engine's memory near a day's worth (six days of 2.9 M events at once peaked at 3.5 GB).
DIGEST_EVENTS = 4_000_000


def _chunks(days: list[LakeDay]) -> list[list[LakeDay]]:
    chunks: list[list[LakeDay]] = []
    size = 0
    for lake_day in days:
        if chunks and size + lake_day.rows <= DIGEST_EVENTS:
            chunks[-1].append(lake_day)
            size += lake_day.rows
        else:
            chunks.append([lake_day])
            size = lake_day.rows
    return chunks


def _parts_paths(lake: EventLake, day: date) -> tuple[Path, Path]:
    directory = counts_dir(lake) / f"day={day.isoformat()}"
    return directory / "notes.parquet", directory / "accounts.parquet"


def _key(lake: EventLake, lake_day: LakeDay, policy: Policy) -> dict:
    s = policy.signals
    logins_from = _inactivity_start(lake_day.day, policy)
    return {
        "format": FORMAT,
        "files": _described(lake_day.files),
        "inactivity_files": _described(lake.files(logins_from, lake_day.day - timedelta(days=1))),
        "policy": [s.completion_min_fraction, s.new_account_days, s.inactive_days, s.burst_window_minutes, s.burst_min_events, s.burst_suspicious_share],
    }


def _described(files: list[Path]) -> list:
    return sorted([path.name, path.stat().st_size] for path in files)


def _stored_key(path: Path) -> dict | None:
    """The key a counts file was written with; None when it is missing or unreadable (then it
    is counted again and replaced)."""
    try:
        metadata = pq.read_schema(path).metadata or {}
        return json.loads(metadata[METADATA_KEY])
    except (OSError, KeyError, ValueError):
        return None


def _naive_utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None)
