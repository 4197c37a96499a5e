"""The note frame: a columnar copy of every note's metadata and text-check summary, kept in the
data home beside the lake and brought up to date from the store's change log.

The daily recompute needs a million notes as columns. Reading them from the row store costs a
million Python tuples a day (≈ 4 s, as long as aggregating 20 M events); most notes did not
change since yesterday. Triggers (migration health_0002) append the id of every note whose row in
`notes` or `note_checks` is inserted, updated or deleted to `note_changes`; `note_frame()` re-reads
only those notes and rewrites the Parquet copy, remembering the last change it applied.

The copy is rebuilt from scratch when there is none, when it was made from another database
(`store_meta.store_id`), when changes it has not applied were pruned from the log, or when more
than `REBUILD_SHARE` of the notes changed (one scan is then cheaper than a long IN list).

Consistency: a change's sequence number is assigned inside the writer's transaction. SQLite has
one writer at a time, so every committed change has a lower number than any uncommitted one and
a read snapshot's highest number is safe to stop at. PostgreSQL's writers run concurrently, so
the sync briefly takes an EXCLUSIVE lock on the log, which waits for every transaction that has
written to it to finish: after that, no lower number can still appear.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import text

from redline.store.arrow_rows import fetch_rows, rows_to_table, utc_timestamps
from redline.store.database import Database
from redline.store.parquet_files import write_parquet_atomically

TEXT_COLUMNS = ("text_q2", "text_q3", "text_c1", "text_c2", "text_c3")
FRAME_TYPES = {
    "note_id": pa.string(), "account_id": pa.string(), "category": pa.string(), "note_type": pa.string(),
    "video_seconds": pa.float64(), "published_epoch": pa.int64(), "liked_count": pa.int64(),
    "brand_account_id": pa.string(), "dynamic_cover": pa.bool_(), "status": pa.string(), "has_check": pa.bool_(),
    "text_chars": pa.int64(), "originality": pa.float64(),
    **{name: pa.float64() for name in TEXT_COLUMNS},
}
FRAME_SCHEMA = pa.schema(FRAME_TYPES.items())
REBUILD_SHARE = 0.2
METADATA_KEY = b"redline.note_frame"
CHANGED = "SELECT note_id FROM note_changes WHERE seq > :after AND seq <= :upto"


def frame_path(root: Path) -> Path:
    return Path(root) / "frames" / "notes.parquet"


def note_frame(database: Database, root: Path, defer: Callable[[Callable[[], None]], None] | None = None) -> pa.Table:
    """Every note (any status) with its check summary, current as of this call.

    `defer`, when given, receives the job that saves the refreshed copy (and then prunes the
    change log), to run while the caller goes on; it must run before the caller's work ends."""
    store_id, low, high = _log_position(database)
    path = frame_path(root)
    frame, applied = _read_frame(path, store_id)
    if frame is None or applied > high or (low is not None and low > applied + 1):
        frame = _read_notes(database)
    elif high > applied:
        ids = _changed_ids(database, applied, high)
        if len(ids) > REBUILD_SHARE * max(frame.num_rows, 1):
            frame = _read_notes(database)
        else:
            unchanged = frame.filter(pc.invert(pc.is_in(frame.column("note_id"), value_set=ids)))
            frame = pa.concat_tables([unchanged, _read_notes(database, after=applied, upto=high)])
    else:
        return frame

    def save() -> None:
        _write_frame(path, frame, store_id, high)
        if low is not None and low < high:  # only once the copy that applied them is on disk
            _prune(database, high)

    if defer is None:
        save()
    else:
        defer(save)
    return frame


# --- the change log -------------------------------------------------------------------------------


def _log_position(database: Database) -> tuple[str, int | None, int]:
    """(this database's id, lowest and highest change number it is safe to read up to)."""
    with database.engine.begin() as connection:
        if database.dialect == "postgresql":
            connection.execute(text("LOCK TABLE note_changes IN EXCLUSIVE MODE"))
        store_id = connection.execute(text("SELECT value FROM store_meta WHERE key = 'store_id'")).scalar_one()
        low, high = connection.execute(text("SELECT MIN(seq), MAX(seq) FROM note_changes")).one()
    return store_id, low, int(high or 0)


def _changed_ids(database: Database, after: int, upto: int) -> pa.Array:
    with database.engine.connect() as connection:
        rows = connection.execute(text(f"SELECT DISTINCT note_id FROM ({CHANGED}) AS c"), {"after": after, "upto": upto}).all()
    return pa.array([row[0] for row in rows], pa.string())


def _prune(database: Database, upto: int) -> None:
    """Forget the changes the frame has applied but the last one, which keeps the log's
    position known (another data home on the same database that has not applied them yet
    notices the gap and rebuilds)."""
    with database.engine.begin() as connection:
        connection.execute(text("DELETE FROM note_changes WHERE seq < :upto"), {"upto": upto})


# --- the Parquet copy -----------------------------------------------------------------------------


def _read_frame(path: Path, store_id: str) -> tuple[pa.Table | None, int]:
    if not path.exists():
        return None, 0
    try:
        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {}).get(METADATA_KEY, b"{}"))
    except (OSError, ValueError, pa.ArrowException):
        return None, 0  # unreadable: rebuilt from the store
    if meta.get("store_id") != store_id or table.schema.remove_metadata() != FRAME_SCHEMA:
        return None, 0
    return table.replace_schema_metadata(None), int(meta.get("applied", 0))


def _write_frame(path: Path, frame: pa.Table, store_id: str, applied: int) -> None:
    meta = json.dumps({"store_id": store_id, "applied": applied}).encode()
    write_parquet_atomically(frame.replace_schema_metadata({METADATA_KEY: meta}), path)


# --- reading notes from the store -----------------------------------------------------------------


def _read_notes(database: Database, after: int | None = None, upto: int | None = None) -> pa.Table:
    """All notes, or those changed in (after, upto], with their check summary. Two plain scans
    joined in Arrow: per-row index lookups and time conversions inside SQLite cost more."""
    changed = after is not None
    params = {"after": after, "upto": upto} if changed else {}
    note_rows = fetch_rows(
        database,
        "SELECT id, account_id, category, note_type, video_seconds, published_at, liked_count, brand_account_id, dynamic_cover, status "
        "FROM notes" + (f" WHERE id IN ({CHANGED})" if changed else ""),
        params,
    )
    check_rows = fetch_rows(
        database,
        f"SELECT note_id, text_chars, originality, {', '.join(TEXT_COLUMNS)} FROM note_checks" + (f" WHERE note_id IN ({CHANGED})" if changed else ""),
        params,
    )
    if not note_rows:
        return FRAME_SCHEMA.empty_table()
    columns = list(zip(*note_rows))
    published = utc_timestamps(list(columns[5]))
    notes = pa.table({
        "note_id": pa.array(columns[0], pa.string()),
        "account_id": pa.array(columns[1], pa.string()),
        "category": pa.array(columns[2], pa.string()),
        "note_type": pa.array(columns[3], pa.string()),
        "video_seconds": pa.array(columns[4], pa.float64()),
        "published_epoch": pc.divide(pc.cast(published, pa.int64()), 1_000_000),
        "liked_count": pa.array(columns[6], pa.int64()),
        "brand_account_id": pa.array(columns[7], pa.string()),
        "dynamic_cover": pc.cast(pa.array(columns[8]), pa.bool_()),
        "status": pa.array(columns[9], pa.string()),
    })
    check_types = {"note_id": pa.string(), "text_chars": pa.int64(), "originality": pa.float64(), **{n: pa.float64() for n in TEXT_COLUMNS}}
    checks = rows_to_table(check_rows, check_types)
    position = pc.index_in(notes.column("note_id"), value_set=checks.column("note_id"))
    notes = notes.append_column("has_check", pc.is_valid(position))
    for name in ("text_chars", "originality", *TEXT_COLUMNS):
        notes = notes.append_column(name, pc.take(checks.column(name), position))
    return notes.select(list(FRAME_TYPES)).cast(FRAME_SCHEMA)
