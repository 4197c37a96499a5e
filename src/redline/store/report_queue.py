"""Report events from the event lake into the review queue (SPEC R-LED: ≥ 5 valid reports in 24 h).

The lake holds every accepted `report` event (note, user, time, reason). A report is valid when
its reason is one of `[signals] valid_report_reasons` — the same rule the health index applies.
Scanning is idempotent: reports are stored once and each trigger queues its note once, so the
daily job can rescan the lake as often as it likes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from redline.policy import Policy
from redline.store.database import Database
from redline.store.lake import EventLake
from redline.store.review import QueueItem, enqueue_reported_notes

COLUMNS = ["event_type", "ts", "user_id", "note_id", "reason"]


@dataclass(frozen=True, slots=True)
class ReportScan:
    files: int
    reports: int  # valid report events read
    queued: tuple[QueueItem, ...]


def valid_reports(lake: EventLake, policy: Policy, first: date | None = None, last: date | None = None) -> list[tuple]:
    """(note_id, reported_at, reporter) of the valid report events in the lake."""
    reasons = pa.array(list(policy.signals.valid_report_reasons), pa.string())
    rows: list[tuple] = []
    for path in lake.files(first, last):
        table = pq.read_table(path, columns=COLUMNS)
        mask = pc.and_(
            pc.and_(pc.equal(table["event_type"], "report"), pc.is_valid(table["note_id"])),
            pc.is_in(table["reason"], value_set=reasons),
        )
        selected = table.filter(mask)
        for note_id, ts, user in zip(
            selected["note_id"].to_pylist(), selected["ts"].to_pylist(), selected["user_id"].to_pylist(), strict=True
        ):
            rows.append((note_id, ts, user or ""))
    return rows


def enqueue_reports_from_lake(
    database: Database, policy: Policy, lake: EventLake, first: date | None = None, last: date | None = None
) -> ReportScan:
    """Queue every note whose valid reports in the lake reach the review threshold.

    Notes the entity store does not know are skipped (events may arrive before the notes)."""
    files = lake.files(first, last)
    rows = valid_reports(lake, policy, first, last)
    queued = enqueue_reported_notes(database, rows, policy, unknown="skip") if rows else []
    return ReportScan(files=len(files), reports=len(rows), queued=tuple(queued))
