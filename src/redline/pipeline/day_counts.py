"""Each lake day's additive parts, kept beside the lake so that the daily job digests one new
day of events instead of the whole metrics window (30 days by default).

A day's parts are its per-note counts and engagement bursts (`note_day_parts`) and its
per-account follow bursts (`account_day_parts`), judged against the users' login activity as of
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
from dataclasses import dataclass
from contextlib import ExitStack
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from redline.policy import Policy
from redline.signals.engines import Engine
from redline.signals.expressions import ENGAGEMENT_TYPES, Window, account_day_parts, has_logins, note_day_parts, user_activity, utc_moment
from redline.store.lake import EventLake
from redline.store.parquet_files import write_parquet_atomically

FORMAT = 2  # 2: bursts judged per day joined the counts; follow bursts per account
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

    notes: ir.Table  # note_day_parts
    accounts: ir.Table  # account_day_parts


class DayUsers:
    """`user_activity` as of each day asked for (and `has_logins`, whether inactivity can be
    judged that day), computed from the lake's files up to `last` once per run and kept in the
    engine until `keep` closes. Only the users asked about are kept: those who liked, saved,
    commented or followed that day (their day parts) and everyone who ever followed (fans, for
    the account signals); most users who log in do neither."""

    def __init__(self, engine: Engine, lake: EventLake, last: date, policy: Policy, keep: ExitStack):
        self.engine, self.policy, self.keep = engine, policy, keep
        # One relation for every day asked about, each narrowed by time: registering the files
        # anew for each day costs more than the day's own query on a small lake.
        self.events = engine.events(lake.files(None, last))
        self.days: dict[date, tuple[ir.Table, ir.BooleanScalar]] = {}

    def __call__(self, day: date) -> tuple[ir.Table, ir.BooleanScalar]:
        self.prepare([day])
        return self.days[day]

    def prepare(self, days: list[date]) -> None:
        """Keep the activity of every day in `days` not kept yet, all in one table (a `day`
        column tells them apart): one query however many days a first run digests."""
        missing = sorted(set(days) - set(self.days))
        if not missing:
            return
        events = self.events
        per_day = []
        for day in missing:
            window = Window.for_day(day, self.policy)
            day_start = Window.for_day(day - timedelta(days=1), self.policy).end
            that_day = events.filter((events.ts >= utc_moment(day_start)) & (events.ts < utc_moment(window.end)))
            among = ibis.union(
                that_day.filter(that_day.event_type.isin([*ENGAGEMENT_TYPES, "follow"])).select("user_id"),
                events.filter((events.event_type == "follow") & (events.ts < utc_moment(window.end))).select("user_id"),
                distinct=False,
            )
            per_day.append(user_activity(events, window, among).mutate(day=ibis.literal(day)))
        kept = self.keep.enter_context(self.engine.kept(_stacked(per_day)))
        for day in missing:
            self.days[day] = (kept.filter(kept.day == ibis.literal(day)).drop("day"), has_logins(events, Window.for_day(day, self.policy)))


def window_parts(engine: Engine, lake: EventLake, days: list[LakeDay], window: Window, policy: Policy, users_of: DayUsers) -> WindowParts:
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
            events = engine.events(lake_day.files)
            users, logins = users_of(lake_day.day)
            raw.append((
                note_day_parts(events, users, logins, policy, window.metrics_start, window.end),
                account_day_parts(events, users, logins, policy, window.metrics_start, window.end),
            ))
    kept = kept_day_parts(engine, lake, whole, policy, users_of)
    if not kept and not raw:
        return _no_parts(engine, window, policy)
    notes = ([engine.parquet([paths[0] for paths in kept])] if kept else []) + [part[0] for part in raw]
    accounts = ([engine.parquet([paths[1] for paths in kept])] if kept else []) + [part[1] for part in raw]
    return WindowParts(_stacked(notes), _stacked(accounts))


def event_window_parts(engine: Engine, events: ir.Table, window: Window, policy: Policy) -> WindowParts:
    """The day parts of the metrics window computed from an events table of any days, a part per
    local day with note or follow events: for small in-memory data (the daily job keeps its parts
    per lake day instead)."""
    inside = events.filter(
        (events.note_id.notnull() | (events.event_type == "follow"))
        & (events.ts >= utc_moment(window.metrics_start)) & (events.ts < utc_moment(window.end))
    )
    zone = ZoneInfo(policy.signals.timezone)
    moments = engine.execute(inside.select("ts").distinct()).column("ts").to_pylist()
    notes, accounts = [], []
    for day in sorted({moment.replace(tzinfo=timezone.utc).astimezone(zone).date() for moment in moments}):
        day_window = Window.for_day(day, policy)
        start = max(window.metrics_start, Window.for_day(day - timedelta(days=1), policy).end)
        end = min(window.end, day_window.end)
        users = user_activity(events, day_window)
        logins = has_logins(events, day_window)
        notes.append(note_day_parts(events, users, logins, policy, start, end))
        accounts.append(account_day_parts(events, users, logins, policy, start, end))
    if not notes:
        return _no_parts(engine, window, policy)
    return WindowParts(_stacked(notes), _stacked(accounts))


def _no_parts(engine: Engine, window: Window, policy: Policy) -> WindowParts:
    events = engine.events([])
    users = user_activity(events, window)
    return WindowParts(note_day_parts(events, users, ibis.literal(False), policy), account_day_parts(events, users, ibis.literal(False), policy))


def _stacked(tables: list[ir.Table]) -> ir.Table:
    return tables[0] if len(tables) == 1 else ibis.union(*tables, distinct=False)


def kept_day_parts(engine: Engine, lake: EventLake, days: list[LakeDay], policy: Policy, users_of: DayUsers) -> list[tuple[Path, Path]]:
    """Each day's parts files (notes, accounts). The days whose files are missing or no longer
    match the day's files, the inactivity window's files or the policy are computed now, all in
    one query per kind (a `day` column tells them apart, each day judged with its own users'
    activity): on a small lake compiling a query costs more than running it, and a first run
    digests every day of the window."""
    paths = {lake_day.day: _parts_paths(lake, lake_day.day) for lake_day in days}
    keys = {lake_day.day: _key(lake, lake_day, policy) for lake_day in days}
    stale = [lake_day for lake_day in days if not all(_stored_key(path) == keys[lake_day.day] for path in paths[lake_day.day])]
    if stale:
        users_of.prepare([lake_day.day for lake_day in stale])
        notes, accounts = [], []
        for lake_day in stale:
            events = engine.events(lake_day.files)
            users, logins = users_of(lake_day.day)
            day = ibis.literal(lake_day.day)
            notes.append(note_day_parts(events, users, logins, policy).mutate(day=day))
            accounts.append(account_day_parts(events, users, logins, policy).mutate(day=day))
        for position, parts in enumerate((notes, accounts)):
            table = engine.execute(_stacked(parts))
            for lake_day in stale:
                of_day = table.filter(pc.equal(table.column("day"), pa.scalar(lake_day.day, pa.date32()))).drop_columns(["day"])
                metadata = {METADATA_KEY: json.dumps(keys[lake_day.day]).encode()}
                write_parquet_atomically(of_day.replace_schema_metadata(metadata), paths[lake_day.day][position])
    return [paths[lake_day.day] for lake_day in days]


def _parts_paths(lake: EventLake, day: date) -> tuple[Path, Path]:
    directory = counts_dir(lake) / f"day={day.isoformat()}"
    return directory / "notes.parquet", directory / "accounts.parquet"


def _key(lake: EventLake, lake_day: LakeDay, policy: Policy) -> dict:
    s = policy.signals
    logins_from = lake_day.day - timedelta(days=s.inactive_days - 1)
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
