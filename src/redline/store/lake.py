"""The event lake: accepted events as Parquet files, one directory per day (`day=YYYY-MM-DD`).

Writes are atomic and idempotent:
- a batch is written to a temporary file in the day's directory, flushed to disk, then renamed
  into place (readers only see `part-*.parquet`), so a crash leaves either the whole file or
  none of it, and nothing already accepted is touched;
- an event id already present in the lake (or earlier in the same batch) is dropped, so sending
  a batch twice counts it once. An event's day comes from its timestamp, so a re-sent event
  always lands in the same day directory, where its id is looked up;
- an exclusive lock on the lake serialises concurrent writers (check-then-write is one step).

Layout for reading: each file's rows are grouped by event type (time order kept within a type)
and cut into row groups of `ROW_GROUP_ROWS`, so a scan that wants one kind of event (logins,
likes, follows, reports) skips the other kinds' row groups by their min/max statistics instead of
decoding the whole file.
"""

from __future__ import annotations

import fcntl
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from redline.events.schema import EVENT_SCHEMA
from redline.store.parquet_files import write_parquet_atomically

PART_GLOB = "part-*.parquet"
ROW_GROUP_ROWS = 128 * 1024


@dataclass(frozen=True)
class WriteResult:
    written: int
    duplicates: int
    files: tuple[Path, ...]


class EventLake:
    def __init__(self, root: Path):
        self.root = Path(root)

    @classmethod
    def in_home(cls, lake_dir: Path) -> "EventLake":
        return cls(Path(lake_dir) / "events")

    def day_dir(self, day: date) -> Path:
        return self.root / f"day={day.isoformat()}"

    def days(self) -> list[date]:
        if not self.root.exists():
            return []
        found = []
        for child in self.root.iterdir():
            if child.is_dir() and child.name.startswith("day=") and any(child.glob(PART_GLOB)):
                try:
                    found.append(date.fromisoformat(child.name[4:]))
                except ValueError:
                    continue
        return sorted(found)

    def files(self, first: date | None = None, last: date | None = None) -> list[Path]:
        """The Parquet files of the days in [first, last] (all days when not given)."""
        paths: list[Path] = []
        for day in self.days():
            if (first is None or day >= first) and (last is None or day <= last):
                paths.extend(sorted(self.day_dir(day).glob(PART_GLOB)))
        return paths

    def count(self) -> int:
        return sum(pq.ParquetFile(path).metadata.num_rows for path in self.files())

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _existing_ids(self, day: date) -> pa.Array | None:
        paths = sorted(self.day_dir(day).glob(PART_GLOB))
        if not paths:
            return None
        return pa.concat_arrays(
            [chunk for path in paths for chunk in pq.read_table(path, columns=["event_id"]).column(0).chunks]
        ) if paths else None

    def write(self, table: pa.Table, days: list[date]) -> WriteResult:
        """Append the events of `table` (rows aligned with `days`); returns what was new."""
        if table.num_rows != len(days):
            raise ValueError("table and days differ in length")
        table = table.cast(EVENT_SCHEMA)
        day_column = pa.array([d.isoformat() for d in days], pa.string())
        written = duplicates = 0
        files: list[Path] = []
        with self._locked():
            for day_text in pc.unique(day_column).to_pylist():
                day = date.fromisoformat(day_text)
                part = table.filter(pc.equal(day_column, day_text))
                part, dropped_in_batch = _first_of_each_id(part)
                existing = self._existing_ids(day)
                if existing is not None and len(existing):
                    fresh = pc.invert(pc.is_in(part.column("event_id"), value_set=existing))
                    dropped = part.num_rows - pc.sum(fresh).as_py()
                    part = part.filter(fresh)
                else:
                    dropped = 0
                duplicates += dropped_in_batch + dropped
                if part.num_rows == 0:
                    continue
                files.append(self._write_atomically(day, part))
                written += part.num_rows
        return WriteResult(written, duplicates, tuple(files))

    def _write_atomically(self, day: date, part: pa.Table) -> Path:
        return write_parquet_atomically(
            grouped_by_type(part), self.day_dir(day) / f"part-{uuid.uuid4().hex}.parquet", row_group_size=ROW_GROUP_ROWS
        )


def grouped_by_type(table: pa.Table) -> pa.Table:
    """The rows ordered by event type; a stable sort, so each type keeps its arrival order."""
    if table.num_rows < 2:
        return table
    types = pc.fill_null(table.column("event_type"), "").combine_chunks().dictionary_encode()
    rank = pc.rank(types.dictionary, sort_keys="ascending", tiebreaker="dense")  # dictionary order → name order
    keys = pc.take(rank, types.indices).to_numpy(zero_copy_only=False)
    return table.take(np.argsort(keys, kind="stable"))


def _first_of_each_id(table: pa.Table) -> tuple[pa.Table, int]:
    ids = table.column("event_id")
    if pc.count_distinct(ids).as_py() == table.num_rows:
        return table, 0
    indexed = table.append_column("_row", pa.array(range(table.num_rows), pa.int64()))
    firsts = indexed.group_by("event_id", use_threads=False).aggregate([("_row", "min")]).column("_row_min")
    keep = pc.is_in(indexed.column("_row"), value_set=firsts)
    return table.filter(keep), table.num_rows - len(firsts)


