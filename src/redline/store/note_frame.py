"""The note frame: a columnar copy of every note's metadata and text-check summary, with each
note's key, kept in the data home (`frames/notes/`) and brought up to date from `note_changes`
(the frame machinery: store/frames.py).

Triggers (migration health_0002) log a note's id when its row in `notes` or `note_checks` is
inserted, updated or deleted. Each note carries its `note_key` (store/note_keys.py), the integer
the daily job lines its numbers up by: rows read from the store get theirs from the keys (new
ids get new keys), the keys are saved before any frame file holding them, and a frame saved
under another key generation (the keys were started over) gets every row's key again.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from redline.store.arrow_rows import fetch_rows, rows_to_table, utc_timestamps
from redline.store.database import Database
from redline.store.frames import Assigned, Changes, Defer, FrameKind, sync_frame
from redline.store.note_keys import NoteKeys

TEXT_COLUMNS = ("text_q2", "text_q3", "text_c1", "text_c2", "text_c3")
FRAME_TYPES = {
    "note_id": pa.string(), "note_key": pa.int64(), "account_id": pa.string(), "category": pa.string(), "note_type": pa.string(),
    "video_seconds": pa.float64(), "published_epoch": pa.int64(), "liked_count": pa.int64(),
    "brand_account_id": pa.string(), "dynamic_cover": pa.bool_(), "status": pa.string(), "has_check": pa.bool_(),
    "text_chars": pa.int64(), "originality": pa.float64(),
    **{name: pa.float64() for name in TEXT_COLUMNS},
}
FRAME_SCHEMA = pa.schema(FRAME_TYPES.items())


NOTE_COLUMNS = ("id", "account_id", "category", "note_type", "video_seconds", "published_at", "liked_count", "brand_account_id", "dynamic_cover", "status")
CHECK_TYPES = {"text_chars": pa.int64(), "originality": pa.float64(), **{name: pa.float64() for name in TEXT_COLUMNS}}
STORE_SCHEMA = pa.schema((name, kind) for name, kind in FRAME_TYPES.items() if name != "note_key")


def _read_notes(database: Database, changes: Changes | None = None) -> pa.Table:
    """All notes, or those changed, with their check summary (no keys)."""
    if changes is None:
        # Two plain scans joined in Arrow: per-row index lookups inside SQLite cost more.
        note_rows = fetch_rows(database, f"SELECT {', '.join(NOTE_COLUMNS)} FROM notes")
        if not note_rows:
            return STORE_SCHEMA.empty_table()
        notes = _notes_table(list(zip(*note_rows)))
        checks = rows_to_table(fetch_rows(database, f"SELECT note_id, {', '.join(CHECK_TYPES)} FROM note_checks"), {"note_id": pa.string(), **CHECK_TYPES})
        position = pc.index_in(notes.column("note_id"), value_set=checks.column("note_id"))
        notes = notes.append_column("has_check", pc.is_valid(position))
        for name in CHECK_TYPES:
            notes = notes.append_column(name, pc.take(checks.column(name), position))
    else:
        # A day's changes: one indexed join (two IN lists would each look the changed ids up).
        rows = fetch_rows(
            database,
            f"SELECT {', '.join('n.' + name for name in NOTE_COLUMNS)}, k.note_id IS NOT NULL, {', '.join('k.' + name for name in CHECK_TYPES)} "
            f"FROM notes AS n LEFT JOIN note_checks AS k ON k.note_id = n.id WHERE n.id IN ({changes.ids_sql})",
            changes.params,
        )
        if not rows:
            return STORE_SCHEMA.empty_table()
        columns = list(zip(*rows))
        notes = _notes_table(columns[: len(NOTE_COLUMNS)])
        notes = notes.append_column("has_check", pc.cast(pa.array(columns[len(NOTE_COLUMNS)]), pa.bool_()))
        for name, values in zip(CHECK_TYPES, columns[len(NOTE_COLUMNS) + 1 :]):
            notes = notes.append_column(name, pa.array(values, CHECK_TYPES[name]))
    return notes.select(STORE_SCHEMA.names).cast(STORE_SCHEMA)


def _notes_table(columns: list[tuple]) -> pa.Table:
    """The `notes` table's columns (as NOTE_COLUMNS) as the frame's."""
    published = utc_timestamps(list(columns[5]))
    return pa.table({
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


NOTES = FrameKind(
    name="notes", id_column="note_id", log_table="note_changes", log_id_column="note_id", schema=FRAME_SCHEMA,
    read=_read_notes, metadata_key=b"redline.note_frame",
    # In key order, the daily job's gathers by key read its per-key sums front to back.
    order="note_key",
    legacy=("notes.parquet",),  # the single file the first version kept
)


def frame_dir(root: Path) -> Path:
    return NOTES.directory(root)


def frame_path(root: Path) -> Path:
    """The base file. Removing it removes the whole frame."""
    return NOTES.base_path(root)


def note_frame(database: Database, root: Path, keys: NoteKeys, defer: Defer | None = None) -> pa.Table:
    """Every note (any status) with its key and check summary, current as of this call.

    `defer`, when given, receives the job that saves the refreshed copy (and the keys it gave,
    then prunes the change log), to run while the caller goes on; it must run before the
    caller's work ends."""
    return sync_frame(NOTES, database, root, defer, _keys_of(keys))


def _keys_of(keys: NoteKeys) -> Assigned:
    def assign(rows: pa.Table) -> pa.Table:
        key = pa.array(keys.lookup(rows.column("note_id"), add=True), pa.int64())
        index = rows.schema.get_field_index("note_key")
        return rows.append_column("note_key", key) if index < 0 else rows.set_column(index, "note_key", key)

    def usable(frame: pa.Table) -> bool:
        # The same generation can still have lost its last keys (a key file removed by hand),
        # which are then given to other ids: the frame's highest key must still be its note's.
        column = frame.column("note_key")
        highest = pc.max(column).as_py()
        if highest is None:
            return True
        known = keys.ids()
        note_id = frame.column("note_id")[pc.index(column, highest).as_py()].as_py()
        return highest < len(known) and known[highest].as_py() == note_id

    return Assigned("keys", keys.generation, assign, keys.save, usable)
