"""Each lake day's additive parts, kept beside the lake so that the daily job digests one new
day of events instead of the whole metrics window (30 days by default), and adds the window up by
note key instead of grouping note ids.

A day's parts (`day_parts`) are its per-note counts and engagement bursts and its per-account
follow bursts, each engagement judged against the user's logins of the inactivity window ending
that day. They are written once, to `<home>/lake/note_counts/day=D/{notes,accounts}.parquet`, the
notes' with each note's key (`store/note_keys.py`), and reused while they still describe that
day: the files' metadata names the lake files they were computed from (the day's, and those of
the inactivity window before it, whose logins decide who was inactive: name and size) and the
policy numbers they depend on, so a late batch, a rewritten file or a policy change makes them be
computed again (a new key space only has them keyed again). A day is used whole only when every
event in it lies inside the metrics window (read from the Parquet statistics of `ts`); a day that
straddles the window's edge, or whose files carry no statistics, is computed from its raw events,
filtered by time. Parts are sums, so adding the days' parts gives the window's exactly
(floating-point sums up to the order of addition): `kept_sums` and `new_sums` add them by note key
(`KeyedSums`: `np.add.at`), the kept days' while the engine digests the new one.

Every day of the lake, not only the window's, also keeps its `follows.parquet`, the last follow
or unfollow of each (account, user) that day (`follow_actions`), its `logins.parquet`, each
user's logins that day (`login_counts`), and its `reports.parquet`, each reporter's first report
of a note per reason that day (`report_actions`): an account's fans follow from all history, who
was inactive and which fans are active are read from 28 days of logins, and the window's valid
reports from its days' first reports; all are then a few small files instead of every day's
events.

An event's day is the day of the lake directory it is stored in (the ingester files each event
under its local day): the files are read with their `day=D` as a partition value
(`Engine.dated`), which costs nothing per row.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from redline.policy import Policy
from redline.signals.assembly import KeyedSums
from redline.signals.engines import Engine
from redline.signals.expressions import NOTE_AMOUNTS, NOTE_COUNTS, Window, day_parts, follow_actions, local_day, login_counts, report_actions
from redline.store.lake import EventLake
from redline.store.note_keys import NoteKeys
from redline.store.parquet_files import write_parquet_atomically

FORMAT = 3  # 3: notes' parts carry the note key; 2: the day's bursts joined its counts; follow bursts per account
METADATA_KEY = b"redline.day_counts"
KEYS_METADATA_KEY = b"redline.day_counts.keys"
ACCOUNT_SUMS = ("follows_window", "burst_follows")


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
class WindowSums:
    """The metrics window's day parts added up."""

    notes: KeyedSums  # per note key: NOTE_COUNTS
    accounts: pa.Table  # account_id, follows_window, burst_follows

    def __iadd__(self, other: "WindowSums") -> "WindowSums":
        """Both together: the notes' sums added into these (`KeyedSums.__iadd__`)."""
        notes = self.notes
        notes += other.notes
        return WindowSums(notes, _account_sums([self.accounts, other.accounts]))


@dataclass(frozen=True)
class WindowPlan:
    """How the metrics window's lake days are added up: whole days inside the window from their
    kept parts (`ready` ones are current, `stale` ones are digested first), days straddling an
    edge of the window from their raw events (`edges`)."""

    ready: list[LakeDay]
    stale: list[LakeDay]
    edges: list[LakeDay]
    keys: dict[date, dict]  # what each whole day's kept parts must name (see `_keys`)


def plan_window(lake: EventLake, days: list[LakeDay], window: Window, policy: Policy) -> WindowPlan:
    start, end = _naive_utc(window.metrics_start), _naive_utc(window.end)
    whole: list[LakeDay] = []
    edges: list[LakeDay] = []
    for lake_day in days:
        if lake_day.rows == 0:
            continue
        if lake_day.first is not None and (lake_day.last < start or lake_day.first >= end):
            continue  # nothing of this day is in the window
        if lake_day.first is not None and start <= lake_day.first and lake_day.last < end:
            whole.append(lake_day)
        else:
            edges.append(lake_day)
    keys = _keys(lake, whole, policy)
    current = [all(_stored_key(path) == keys[lake_day.day] for path in _parts_paths(lake, lake_day.day)) for lake_day in whole]
    ready = [lake_day for lake_day, ok in zip(whole, current) if ok]
    return WindowPlan(ready, [lake_day for lake_day, ok in zip(whole, current) if not ok], edges, keys)


def window_sums(engine: Engine, lake: EventLake, days: list[LakeDay], window: Window, policy: Policy, keys: NoteKeys) -> WindowSums:
    """The day parts of the metrics window added up: kept ones where a whole day lies inside the
    window (the missing or stale ones computed now, together), from raw events where a day
    straddles an edge."""
    plan = plan_window(lake, days, window, policy)
    sums = kept_sums(lake, plan.ready, keys)
    sums += new_sums(engine, lake, plan, window, policy, keys, kept_daily(engine, lake, window.day)["logins"])
    return sums


def kept_sums(lake: EventLake, days: list[LakeDay], keys: NoteKeys) -> WindowSums:
    """The kept parts of `days` (current ones: see `plan_window`) added up: NumPy only, so the
    daily job does it while the engine digests the new day."""
    paths = [_parts_paths(lake, lake_day.day) for lake_day in days]
    note_parts = [_keyed_notes(notes, keys) for notes, _ in paths]
    return WindowSums(KeyedSums.add_up(note_parts, len(keys)), _account_sums([pq.read_table(accounts) for _, accounts in paths]))


def new_sums(engine: Engine, lake: EventLake, plan: WindowPlan, window: Window, policy: Policy, keys: NoteKeys, logins: dict[date, Path]) -> WindowSums:
    """The plan's stale days digested (and kept) and its edge days counted from their events:
    the notes' parts as they come (sparse: added to the kept days' sums by the caller).
    `logins`: the lake days' kept logins (`kept_daily`)."""
    raw: list[tuple[pa.Table, pa.Table]] = []
    for lake_day in plan.edges:
        # Every event of the day's files counts for that day, wherever its time falls.
        users, login_days = _logins(engine, logins, [lake_day.day], policy)
        notes, accounts = day_parts(_dated(engine, [lake_day]), users, policy, window.metrics_start, window.end, login_days=login_days)
        raw.append((engine.execute(notes.drop("day")), engine.execute(accounts.drop("day"))))
    digested = _digest(engine, lake, plan.stale, plan.keys, policy, keys, logins)
    note_parts = [(notes.column("note_key").to_numpy(), notes) for notes, _ in digested]
    note_parts += [(keys.lookup(notes.column("note_id")), notes) for notes, _ in raw]
    account_parts = [accounts for _, accounts in digested] + [accounts for _, accounts in raw]
    return WindowSums(KeyedSums.of_parts(note_parts), _account_sums(account_parts))


def event_window_sums(engine: Engine, events: ir.Table, window: Window, policy: Policy, keys: NoteKeys) -> WindowSums:
    """The window's sums computed from an events table of any days, each event on its local day:
    for small in-memory data (the daily job keeps its parts per lake day)."""
    days = [window.day - timedelta(days=back) for back in range(policy.signals.metrics_window_days)]
    dated = events.mutate(day=local_day(events.ts, days, policy))
    logins = local_logins(events, _inactivity_start(min(days), policy), max(days), policy)
    notes, accounts = day_parts(dated.filter(dated.day.notnull()), logins, policy)
    notes = engine.execute(notes.drop("day"))
    return WindowSums(KeyedSums.add_up([(keys.lookup(notes.column("note_id")), notes)], len(keys)), _account_sums([engine.execute(accounts.drop("day"))]))


def _account_sums(parts: list[pa.Table]) -> pa.Table:
    """The account parts added up per account."""
    schema = pa.schema([("account_id", pa.string())] + [(name, pa.int64()) for name in ACCOUNT_SUMS])
    tables = [part.select(["account_id", *ACCOUNT_SUMS]).cast(schema) for part in parts if part.num_rows]
    if not tables:
        return schema.empty_table()
    summed = pa.concat_tables(tables).group_by("account_id").aggregate([(name, "sum") for name in ACCOUNT_SUMS])
    return summed.rename_columns(["account_id" if name == "account_id" else name.removesuffix("_sum") for name in summed.column_names]).select(schema.names).cast(schema)


def _inactivity_start(day: date, policy: Policy) -> date:
    """The first day of the inactivity window that ends with `day`."""
    return day - timedelta(days=policy.signals.inactive_days - 1)


def _dated(engine: Engine, days: list[LakeDay]) -> ir.Table:
    """The events of the lake days, each with its day."""
    return _dated_files(engine, [path for lake_day in days for path in lake_day.files])


def _dated_files(engine: Engine, files: list[Path]) -> ir.Table:
    return engine.dated(files) if files else engine.events([]).mutate(day=ibis.null("date"))


def _logins(engine: Engine, logins: dict[date, Path], days: list[date], policy: Policy) -> tuple[ir.Table, list[date]]:
    """Who logged in on which day (the kept `login_counts`, see `kept_daily`) over the days
    that judge `days` (from the inactivity window before the first on), and the days among
    them that have any login (from the files' footers: known before the parts are computed, the
    parts' query reads the logins once)."""
    first, last = _inactivity_start(min(days), policy), max(days)
    files = {day: path for day, path in sorted(logins.items()) if first <= day <= last}
    return daily_table(engine, "logins", list(files.values())), [day for day, path in files.items() if pq.read_metadata(path).num_rows]


def local_logins(events: ir.Table, first: date, last: date, policy: Policy) -> ir.Table:
    """`login_counts` of `events` by their local day, for the days `first` to `last` (what the
    lake's kept logins hold, for events held elsewhere: small data in memory, the tests)."""
    days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    logins = events.filter(events.event_type == "login")
    dated = logins.mutate(day=local_day(logins.ts, days, policy))
    return login_counts(dated.filter(dated.day.notnull()))


def _digest(engine: Engine, lake: EventLake, days: list[LakeDay], wanted: dict[date, dict], policy: Policy, keys: NoteKeys, logins: dict[date, Path]) -> list[tuple[pa.Table, pa.Table]]:
    """Compute the parts of `days` and keep them (each day's file names `wanted[day]`), all in
    one query per kind (a `day` column tells the days apart) up to DIGEST_EVENTS: a first run
    digests every day of the window, and on a small lake compiling a query costs more than
    running it. Returns each query's (notes with their `note_key`, accounts)."""
    digested = []
    for chunk in _chunks(days):
        chunk_days = [lake_day.day for lake_day in chunk]
        users, login_days = _logins(engine, logins, chunk_days, policy)
        with ExitStack() as kept:
            notes, accounts = day_parts(_dated(engine, chunk), users, policy, keep=lambda table: kept.enter_context(engine.kept(table)), login_days=login_days)
            notes, accounts = _compact_counts(engine.execute(notes)), engine.execute(accounts)
        notes = notes.append_column("note_key", pa.array(keys.lookup(notes.column("note_id"))))
        keys.save()  # before any file that holds the keys
        for position, table in enumerate((notes, accounts)):
            _write_days(table, chunk_days, lambda day: _parts_paths(lake, day)[position],
                        lambda day: {METADATA_KEY: json.dumps(wanted[day]).encode(), KEYS_METADATA_KEY: keys.generation.encode()})
        digested.append((notes, accounts))
    return digested


def _compact_counts(notes: pa.Table) -> pa.Table:
    """A day's note parts as they are kept: a missing number as 0 (a count's NULL is 0 to every
    sum), and each count 32-bit when it fits. Adding the kept days up then converts nothing
    (`KeyedSums`), and the files are smaller."""
    columns = {}
    for name in notes.column_names:
        column = notes.column(name)
        if name in NOTE_COUNTS:
            column = pc.fill_null(column, pa.scalar(0, column.type)) if column.null_count else column
            if name not in NOTE_AMOUNTS and pa.types.is_integer(column.type) and (pc.max(column).as_py() or 0) <= np.iinfo(np.int32).max:
                column = pc.cast(column, pa.int32())
        columns[name] = column
    return pa.table(columns)


def _write_days(table: pa.Table, days: list[date], path: Callable[[date], Path], metadata: Callable[[date], dict]) -> None:
    """Each day's rows of `table` (its `day` column dropped) to that day's kept file."""
    for day in days:
        of_day = table if len(days) == 1 else table.filter(pc.equal(table.column("day"), pa.scalar(day, pa.date32())))
        _write_kept(of_day.drop_columns(["day"]).replace_schema_metadata(metadata(day)), path(day))


def _write_kept(table: pa.Table, path: Path) -> None:
    """A kept file: lz4, no dictionaries (a day's ids are distinct in its files: a dictionary
    only made them a third slower to write and larger)."""
    write_parquet_atomically(table, path, compression="lz4", use_dictionary=False)


def _keyed_notes(path: Path, keys: NoteKeys) -> tuple[np.ndarray, pa.Table]:
    """A kept notes part's keys and counts. Keyed in another key space (the keys were lost or
    damaged), it is keyed again from its note ids and rewritten."""
    table = pq.read_table(path, columns=["note_key", *NOTE_COUNTS])
    if (table.schema.metadata or {}).get(KEYS_METADATA_KEY) == keys.generation.encode():
        return table.column("note_key").to_numpy(), table
    whole = pq.read_table(path)
    note_keys = keys.lookup(whole.column("note_id"))
    keys.save()
    metadata = {**(whole.schema.metadata or {}), KEYS_METADATA_KEY: keys.generation.encode()}
    whole = whole.set_column(whole.column_names.index("note_key"), "note_key", pa.array(note_keys)).replace_schema_metadata(metadata)
    _write_kept(whole, path)
    return note_keys, whole


# What each lake day keeps of itself beside its parts, for every later day to read: the last
# follow or unfollow of each (account, user) — an account's fans follow from all history —, each
# user's logins — who was inactive and which fans are active read windows of 28 days — and each
# reporter's first report of a note per reason — the window's valid reports.
DAILY = {"follows": follow_actions, "logins": login_counts, "reports": report_actions}
DAILY_FORMAT = 2  # 2: the reports
# Only the follow, login and report events of these days are read (their row groups): many days go
# in one query.
DAILY_DIGEST_EVENTS = 100_000_000


def kept_daily(engine: Engine, lake: EventLake, through: date, kinds: tuple[str, ...] = tuple(DAILY)) -> dict[str, dict[date, Path]]:
    """Every lake day's DAILY files of `kinds` up to `through` (kind → day → path), computed
    now for the days whose files are missing or no longer match the day's files: later days then
    read a few small files instead of every lake file's follow, login and report events. Only the
    lake's listing is read for the days already kept (no Parquet footer)."""
    days = [day for day in lake.days() if day <= through]
    paths = {name: {day: counts_dir(lake) / f"day={day.isoformat()}" / f"{name}.parquet" for day in days} for name in kinds}
    wanted = {day: {"format": DAILY_FORMAT, "files": _described(lake.files(day, day))} for day in days}
    stale = [day for day in days if any(_stored_key(paths[name][day]) != wanted[day] for name in kinds)]
    for chunk in _chunks([lake_day for day in stale for lake_day in lake_days(lake, day, day)], DAILY_DIGEST_EVENTS):
        dated = _dated(engine, chunk)
        for name in kinds:
            expression = DAILY[name]
            _write_days(engine.execute(expression(dated)), [lake_day.day for lake_day in chunk], paths[name].__getitem__,
                        lambda day: {METADATA_KEY: json.dumps(wanted[day]).encode()})
    return paths


def daily_table(engine: Engine, name: str, paths: list[Path]) -> ir.Table:
    """Kept DAILY files of kind `name` read together, each row with its `day` (no files: the
    kind's empty table)."""
    return engine.dated(paths) if paths else DAILY[name](_dated_files(engine, []))


# Days digested together hold at most about this many events (a day more than that goes alone):
# enough for a small lake's whole window in one query, while a large lake's first run keeps the
# engine's memory near a day's worth (six days of 2.9 M events at once peaked at 3.5 GB).
DIGEST_EVENTS = 4_000_000


def _chunks(days: list[LakeDay], events: int = DIGEST_EVENTS) -> list[list[LakeDay]]:
    chunks: list[list[LakeDay]] = []
    size = 0
    for lake_day in days:
        if chunks and size + lake_day.rows <= events:
            chunks[-1].append(lake_day)
            size += lake_day.rows
        else:
            chunks.append([lake_day])
            size = lake_day.rows
    return chunks


def _parts_paths(lake: EventLake, day: date) -> tuple[Path, Path]:
    directory = counts_dir(lake) / f"day={day.isoformat()}"
    return directory / "notes.parquet", directory / "accounts.parquet"


def _keys(lake: EventLake, days: list[LakeDay], policy: Policy) -> dict[date, dict]:
    """What each day's kept parts must have been computed from (the lake listed once: a day's
    key names the files of the inactivity window before it)."""
    s = policy.signals
    described = {day: _described(lake.files(day, day)) for day in lake.days()}
    numbers = [s.completion_min_fraction, s.new_account_days, s.inactive_days, s.burst_window_minutes, s.burst_min_events, s.burst_suspicious_share]
    keys = {}
    for lake_day in days:
        logins_from = _inactivity_start(lake_day.day, policy)
        before = sorted(entry for day, entries in described.items() if logins_from <= day < lake_day.day for entry in entries)
        keys[lake_day.day] = {"format": FORMAT, "files": _described(lake_day.files), "inactivity_files": before, "policy": numbers}
    return keys


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
