"""The note frame: a columnar copy of every note's metadata and text-check summary, kept in the
data home beside the lake and brought up to date from the store's change log.

The daily recompute needs a million notes as columns. Reading them from the row store costs a
million Python tuples a day (≈ 4 s, as long as aggregating 20 M events); most notes did not
change since yesterday. Triggers (migration health_0002) append the id of every note whose row in
`notes` or `note_checks` is inserted, updated or deleted to `note_changes`; `note_frame()` re-reads
only those notes and saves them beside the copy, remembering the last change it applied.

Layout (`frames/notes/`): `base.parquet`, every note as of one change number, and
`delta-<after>-<upto>.parquet` files, each the notes re-read for the changes (after, upto], one
row per changed id: a note deleted from the store is a row with `deleted` set and nothing else.
Rewriting the whole copy to save the ~2 % of notes that changed in a day would cost a CPU-second
beside the recompute; a delta costs what it holds. Reading takes the base, then each delta in
order, a row giving way to the row of the same id in any later delta. When the deltas hold more
than `COMPACT_SHARE` of the base's rows, or there would be more than `MAX_DELTAS` of them, the
save writes a new base (the frame in memory) instead, and removes the deltas.

Every file names in its Parquet metadata this database's `store_id` and the change number it is
current to; a base also gets a fresh `generation`, and a delta names the generation it extends
and the number it starts from. A reader follows only a chain that connects (base → the delta
starting at the base's number → the delta starting where that one ends …) and stops at the
first file it cannot read. Every file is written atomically (temporary file, fsync, rename) and
the log is pruned only after the file that applied its changes is on disk, so a crash at any
point leaves a chain that is right as far as it goes, plus perhaps files that connect to
nothing (a delta of an older generation, left by a crash before a new base removed it, or by a
base removed by hand): those are ignored, and removed by the next base. The frame is brought up
to date from the log from wherever the chain ends, and rebuilt from the store when there is no
base, when it was made from another database, when changes it has not applied were pruned from
the log, or when more than `REBUILD_SHARE` of the notes changed (one scan is then cheaper than
a long IN list).

Consistency: a change's sequence number is assigned inside the writer's transaction. SQLite has
one writer at a time, so every committed change has a lower number than any uncommitted one and
a read snapshot's highest number is safe to stop at. PostgreSQL's writers run concurrently, so
the sync briefly takes an EXCLUSIVE lock on the log, which waits for every transaction that has
written to it to finish: after that, no lower number can still appear.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
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
DELTA_SCHEMA = FRAME_SCHEMA.append(pa.field("deleted", pa.bool_()))
REBUILD_SHARE = 0.2
COMPACT_SHARE = 0.15
MAX_DELTAS = 10
METADATA_KEY = b"redline.note_frame"
CHANGED = "SELECT note_id FROM note_changes WHERE seq > :after AND seq <= :upto"
STALE_TEMPORARY_SECONDS = 3600


def frame_dir(root: Path) -> Path:
    return Path(root) / "frames" / "notes"


def frame_path(root: Path) -> Path:
    """The base file. Removing it removes the whole frame: the deltas extend that base's
    generation only, so the next call rebuilds from the store and clears them."""
    return frame_dir(root) / "base.parquet"


def note_frame(database: Database, root: Path, defer: Callable[[Callable[[], None]], None] | None = None) -> pa.Table:
    """Every note (any status) with its check summary, current as of this call.

    `defer`, when given, receives the job that saves the refreshed copy (and then prunes the
    change log), to run while the caller goes on; it must run before the caller's work ends."""
    store_id, low, high = _log_position(database)
    directory = frame_dir(root)
    saved = _read_copy(directory, store_id)
    delta = None  # None: the save writes a new base
    if saved is None or saved.applied > high or (low is not None and low > saved.applied + 1):
        frame = _read_notes(database)
    elif high > saved.applied:
        ids = _changed_ids(database, saved.applied, high)
        if len(ids) > REBUILD_SHARE * max(saved.base_rows, 1):
            frame = _read_notes(database)
        else:
            # The day's changes are one more delta, applied with the saved ones: the base's
            # million rows are filtered (copied) once.
            changed = _read_notes(database, after=saved.applied, upto=high)
            frame = _apply([*saved.pieces, changed], [*saved.covers, ids])
            # Small days are saved as a delta; once the deltas would cost a reader too much, the
            # whole frame (in memory already) becomes the new base.
            if len(saved.covers) < MAX_DELTAS and saved.delta_rows + len(ids) <= COMPACT_SHARE * saved.base_rows:
                delta = _delta_table(changed, ids)
    else:
        return _apply(saved.pieces, saved.covers)

    def save() -> None:
        if delta is None:
            _write_base(directory, frame, store_id, high)
        else:
            _write_delta(directory, delta, store_id, saved.generation, saved.applied, high)
        if low is not None and low < high:  # only once the file that applied them is on disk
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


# --- the Parquet files ----------------------------------------------------------------------------


@dataclass
class _Copy:
    pieces: list[pa.Table]  # the base's rows, then each delta's (deleted notes left out)
    covers: list[pa.Array]  # the ids each delta covers
    generation: str
    applied: int  # the last change number the base and its deltas applied
    base_rows: int

    @property
    def delta_rows(self) -> int:
        return sum(len(ids) for ids in self.covers)


def _metadata(schema: pa.Schema) -> dict:
    meta = json.loads((schema.metadata or {}).get(METADATA_KEY, b"{}"))
    return meta if isinstance(meta, dict) else {}


def _read_copy(directory: Path, store_id: str) -> _Copy | None:
    """The base and the chain of deltas that extends it; None when there is no usable base
    (then the frame is rebuilt from the store)."""
    try:
        base = pq.read_table(directory / "base.parquet")
        meta = _metadata(base.schema)
    except (OSError, ValueError, pa.ArrowException):
        return None  # missing or unreadable: rebuilt from the store
    applied = meta.get("applied")
    if meta.get("store_id") != store_id or not meta.get("generation") or not isinstance(applied, int):
        return None
    if base.schema.remove_metadata() != FRAME_SCHEMA:
        return None
    saved = _Copy([base.replace_schema_metadata(None)], [], meta["generation"], applied, base.num_rows)
    for path, upto in _chain(directory, store_id, saved.generation, applied):
        try:
            delta = pq.read_table(path)
        except (OSError, ValueError, pa.ArrowException):
            break  # the frame stays current to the delta before; the log (or a rebuild) does the rest
        if delta.schema.remove_metadata() != DELTA_SCHEMA:
            break
        saved.pieces.append(delta.filter(pc.invert(delta.column("deleted"))).select(list(FRAME_TYPES)).replace_schema_metadata(None))
        saved.covers.append(delta.column("note_id").combine_chunks())
        saved.applied = upto
    return saved


def _apply(pieces: list[pa.Table], covers: list[pa.Array]) -> pa.Table:
    """The base's rows (pieces[0]), then each delta's, a row kept unless a later delta covers its
    id (covers[i] belongs to pieces[i + 1]): unchanged rows first, then each delta's in order."""
    later: pa.Array | None = None
    kept = list(pieces)
    for index in range(len(kept) - 1, -1, -1):
        if later is not None:
            replaced = pc.is_in(kept[index].column("note_id"), value_set=later)
            if pc.any(replaced).as_py():  # a day of new notes replaces none: no copy of the base
                kept[index] = kept[index].filter(pc.invert(replaced))
        if index > 0:
            later = covers[index - 1] if later is None else pa.concat_arrays([later, covers[index - 1]])
    return pa.concat_tables(kept)


def _chain(directory: Path, store_id: str, generation: str, applied: int) -> list[tuple[Path, int]]:
    """The deltas of this base, in order: the one that starts where the frame is, then the one
    that starts where that one ends… Of two starting at the same number, the one reaching
    further (a save deferred twice may leave both). Only the footers are read here."""
    starting: dict[int, tuple[int, Path]] = {}
    for path in directory.glob("delta-*.parquet"):
        try:
            meta = _metadata(pq.read_schema(path))
            after, upto = int(meta["after"]), int(meta["applied"])
        except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
            continue
        if meta.get("store_id") == store_id and meta.get("base") == generation and upto > after:
            if upto > starting.get(after, (after, path))[0]:
                starting[after] = (upto, path)
    chain = []
    while applied in starting:
        applied, path = starting[applied]
        chain.append((path, applied))
    return chain


def _delta_table(changed: pa.Table, ids: pa.Array) -> pa.Table:
    """The re-read rows, plus a row with `deleted` set for each changed id no longer in the store."""
    gone = ids.filter(pc.invert(pc.is_in(ids, value_set=changed.column("note_id"))))
    tombstones = pa.Table.from_arrays(
        [gone, *(pa.nulls(len(gone), field.type) for field in FRAME_SCHEMA if field.name != "note_id")], schema=FRAME_SCHEMA
    )
    deleted = pa.array([False] * changed.num_rows + [True] * len(gone), pa.bool_())
    return pa.concat_tables([changed.cast(FRAME_SCHEMA), tombstones]).append_column("deleted", deleted)


def _write_delta(directory: Path, delta: pa.Table, store_id: str, generation: str, after: int, upto: int) -> None:
    meta = json.dumps({"store_id": store_id, "base": generation, "after": after, "applied": upto}).encode()
    write_parquet_atomically(delta.replace_schema_metadata({METADATA_KEY: meta}), directory / f"delta-{after}-{upto}.parquet")


def _write_base(directory: Path, frame: pa.Table, store_id: str, applied: int) -> None:
    """A new base with a fresh generation, then the files it makes useless are removed: the
    deltas of earlier bases (ignored already: they name another generation), temporary files a
    crash left, and the single file an earlier version kept."""
    generation = uuid.uuid4().hex
    meta = json.dumps({"store_id": store_id, "generation": generation, "applied": applied}).encode()
    write_parquet_atomically(frame.replace_schema_metadata({METADATA_KEY: meta}), directory / "base.parquet")
    for path in directory.glob("delta-*.parquet"):
        try:
            current = _metadata(pq.read_schema(path)).get("base") == generation
        except (OSError, ValueError, pa.ArrowException):
            current = False
        if not current:
            path.unlink(missing_ok=True)
    for path in directory.glob(".tmp-*"):
        try:
            if path.stat().st_mtime < time.time() - STALE_TEMPORARY_SECONDS:  # not another save's, in flight
                path.unlink(missing_ok=True)
        except OSError:
            pass
    (directory.parent / "notes.parquet").unlink(missing_ok=True)


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
