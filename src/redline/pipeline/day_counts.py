"""Each lake day's per-note event counts, kept beside the lake so that the daily job counts one
new day of events instead of the whole metrics window (30 days by default).

A day's counts (`note_counts` of all its events) are written once, to
`<home>/lake/note_counts/day=D/notes.parquet`, and reused while they still describe that day:
the file's metadata names the lake files they were counted from (name and size) and the policy
numbers the counts depend on, so a late batch for the day, a rewritten file or a policy change
makes them be counted again. A day is used whole only when every event in it lies inside the
metrics window (read from the Parquet statistics of `ts`); a day that straddles the window's
edge, or whose files carry no statistics, is counted from its raw events, filtered by time.
Counts are sums, so adding the days' counts gives the window's counts exactly (floating-point
sums up to the order of addition).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow.parquet as pq

from redline.policy import Policy
from redline.signals.engines import Engine
from redline.signals.expressions import Window, note_counts, sum_note_counts
from redline.store.lake import EventLake
from redline.store.parquet_files import write_parquet_atomically

FORMAT = 1
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


def window_note_counts(engine: Engine, lake: EventLake, days: list[LakeDay], window: Window, policy: Policy) -> ir.Table:
    """`note_counts` of the metrics window: kept day counts where a whole day lies inside the
    window (counted now when missing or stale), raw events where a day straddles an edge."""
    start, end = _naive_utc(window.metrics_start), _naive_utc(window.end)
    kept: list[Path] = []
    raw: list[Path] = []
    for lake_day in days:
        if lake_day.rows == 0:
            continue
        if lake_day.first is None:
            raw.extend(lake_day.files)
        elif lake_day.last < start or lake_day.first >= end:
            continue  # nothing of this day is in the window
        elif start <= lake_day.first and lake_day.last < end:
            kept.append(day_counts(engine, lake, lake_day, policy))
        else:
            raw.extend(lake_day.files)
    parts = []
    if kept:
        parts.append(engine.parquet(kept))
    if raw:
        parts.append(note_counts(engine.events(raw), policy, window.metrics_start, window.end))
    if not parts:
        return note_counts(engine.events([]), policy)
    return sum_note_counts(parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False))


def day_counts(engine: Engine, lake: EventLake, lake_day: LakeDay, policy: Policy) -> Path:
    """The day's counts file, counted now if missing or no longer matching the day's files."""
    path = counts_dir(lake) / f"day={lake_day.day.isoformat()}" / "notes.parquet"
    key = _key(lake_day, policy)
    if _stored_key(path) == key:
        return path
    table = engine.execute(note_counts(engine.events(lake_day.files), policy))
    write_parquet_atomically(table.replace_schema_metadata({METADATA_KEY: json.dumps(key).encode()}), path)
    return path


def _key(lake_day: LakeDay, policy: Policy) -> dict:
    return {
        "format": FORMAT,
        "files": sorted([path.name, path.stat().st_size] for path in lake_day.files),
        "completion_min_fraction": policy.signals.completion_min_fraction,
    }


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
