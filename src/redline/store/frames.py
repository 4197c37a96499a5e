"""Frames: columnar copies of a store table, kept in the data home beside the lake and brought up
to date from the table's change log.

The daily recompute needs whole tables (a million notes, every account) as columns. Reading them
from the row store costs a Python tuple per row a day (a million notes ≈ 4 s, as long as
aggregating 20 M events); most rows did not change since yesterday. Triggers append the id of
every row inserted, updated or deleted to the table's change log (`note_changes`, migration
health_0002; `account_changes`, health_0004); `sync_frame()` re-reads only those rows and saves
them beside the copy, remembering the last change it applied. A `FrameKind` names what differs:
the id column, the change log, the Arrow schema, and the function that reads rows (all of them,
or those changed in (after, upto]) from the store.

Layout (`frames/<kind>/`): `base.arrow`, every row as of one change number, and
`delta-<after>-<upto>.arrow` files, each the rows re-read for the changes (after, upto], one row
per changed id: a row deleted from the store is a row with `deleted` set and nothing else. The
files are uncompressed Arrow IPC, read by memory-mapping: a million notes are on hand in a few
milliseconds, where decoding the same Parquet file took a quarter of a second, and only the
pages a reader touches are read. Rewriting the whole copy to save the ~2 % of rows that changed
in a day would write a hundred megabytes; a delta costs what it holds. Reading takes the base,
then each delta in order, a row giving way to the row of the same id in any later delta: the
base's rows from the first replaced one on are copied, the rows before it are used as they are
(a day of new rows replaces none; the rows that change are mostly the newest, and a new base
puts the changed rows last — or, for a kind kept in an `order`, where that order puts them: the
note frame is kept in key order, the newest notes' keys being the latest). When the deltas hold more than `COMPACT_SHARE` of the base's rows,
or would make every read copy more than that share of the base, or there would be more than
`MAX_DELTAS` of them, the save writes a new base (the frame in memory) instead, and removes the
deltas.

Every file names in its schema metadata this database's `store_id` and the change number it is
current to; a base also gets a fresh `generation`, and a delta names the generation it extends
and the number it starts from. A reader follows only a chain that connects (base → the delta
starting at the base's number → the delta starting where that one ends …) and stops at the
first file it cannot read. Every file is written atomically (temporary file, fsync, rename) and
the log is pruned only after the file that applied its changes is on disk, so a crash at any
point leaves a chain that is right as far as it goes, plus perhaps files that connect to
nothing (a delta of an older generation, left by a crash before a new base removed it, or by a
base removed by hand): those are ignored, and removed by the next base, as are the Parquet files
an earlier version kept. The frame is brought up to date from the log from wherever the chain
ends, and rebuilt from the store when there is no base, when it was made from another database,
when changes it has not applied were pruned from the log, or when more than `REBUILD_SHARE` of
the rows changed (one scan is then cheaper than a long IN list).

Columns given outside the store (the note keys) are `Assigned`: every file records the version
they were given under, and a copy of another version gets them again for every row and is saved
as a new base. What gave them is made durable before any file holding them is written.

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
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import text

from redline.store.arrow_rows import fetch_rows
from redline.store.database import Database
from redline.store.parquet_files import write_atomically

REBUILD_SHARE = 0.2
COMPACT_SHARE = 0.15
MAX_DELTAS = 10
STALE_TEMPORARY_SECONDS = 3600
BASE_FILE = "base.arrow"


@dataclass(frozen=True)
class Changes:
    """The ids changed in (after, upto]: `ids_sql` selects them, with named `params`."""

    ids_sql: str
    params: dict[str, int]


@dataclass(frozen=True)
class FrameKind:
    name: str  # the frame's directory: <root>/frames/<name>/
    id_column: str
    log_table: str  # (seq, log_id_column): one row per change, appended by triggers
    log_id_column: str
    schema: pa.Schema  # what `read` returns, plus the `Assigned` columns if any
    read: Callable[[Database, Changes | None], pa.Table]  # every row, or those changed
    metadata_key: bytes
    order: str | None = None  # a new base is sorted by this column (readers may then skip a sort)
    legacy: tuple[str, ...] = ()  # files under frames/ that an earlier version kept

    def directory(self, root: Path) -> Path:
        return Path(root) / "frames" / self.name

    def base_path(self, root: Path) -> Path:
        """Removing it removes the whole frame: the deltas extend that base's generation only,
        so the next sync rebuilds from the store and clears them."""
        return self.directory(root) / BASE_FILE

    @property
    def delta_schema(self) -> pa.Schema:
        return self.schema.append(pa.field("deleted", pa.bool_()))

    def changes(self, after: int, upto: int) -> Changes:
        return Changes(f"SELECT {self.log_id_column} FROM {self.log_table} WHERE seq > :after AND seq <= :upto", {"after": after, "upto": upto})


@dataclass(frozen=True)
class Assigned:
    """Columns a frame gets from outside the store, valid under `version` (recorded in every
    file as `name`)."""

    name: str
    version: str
    assign: Callable[[pa.Table], pa.Table]  # the rows with the columns given (again) to each
    save: Callable[[], None]  # makes what `assign` gave durable
    usable: Callable[[pa.Table], bool] = lambda frame: True  # a saved frame of this version still fits


Defer = Callable[[Callable[[], None]], None]


def sync_frame(kind: FrameKind, database: Database, root: Path, defer: Defer | None = None, assigned: Assigned | None = None) -> pa.Table:
    """Every row of the kind's table, current as of this call (columns: `kind.schema`).

    `defer`, when given, receives the job that saves the refreshed copy (and then prunes the
    change log), to run while the caller goes on; it must run before the caller's work ends."""
    store_id, low, high = _log_position(database, kind)
    directory = kind.directory(root)
    saved = _read_copy(kind, directory, store_id, assigned)
    delta = None  # None: the save writes a new base
    if saved is None or saved.applied > high or (low is not None and low > saved.applied + 1):
        frame = _read_rows(kind, database, None, assigned)
    elif high > saved.applied:
        ids = _changed_ids(database, kind, saved.applied, high)
        if len(ids) > REBUILD_SHARE * max(saved.base_rows, 1):
            frame = _read_rows(kind, database, None, assigned)
        else:
            # The day's changes are one more delta, applied with the saved ones.
            changed = _read_rows(kind, database, kind.changes(saved.applied, high), assigned)
            frame, copied = _apply(kind, [*saved.pieces, changed], [*saved.covers, ids])
            if not saved.current:
                frame = assigned.assign(frame)
            # Small days are saved as a delta; once the deltas would cost a reader too much (many
            # rows to add, or rows replaced early in the base, which every read then copies), the
            # whole frame (in memory already) becomes the new base.
            elif (
                len(saved.covers) < MAX_DELTAS
                and saved.delta_rows + len(ids) <= COMPACT_SHARE * saved.base_rows
                and copied <= COMPACT_SHARE * saved.base_rows
            ):
                delta = _delta_table(kind, changed, ids)
    else:
        frame, _ = _apply(kind, saved.pieces, saved.covers)
        if saved.current:
            return frame
        frame = assigned.assign(frame)
    if delta is None and kind.order is not None:
        frame = frame.sort_by(kind.order)  # as the base will be, so that reading it back gives this frame
    version = {assigned.name: assigned.version} if assigned is not None else {}

    def save() -> None:
        if assigned is not None:
            assigned.save()  # before any file holding what it gave
        if delta is None:
            _write_base(kind, directory, frame, {"store_id": store_id, "applied": high, **version})
        else:
            meta = {"store_id": store_id, "base": saved.generation, "after": saved.applied, "applied": high, **version}
            _write(kind, directory / f"delta-{saved.applied}-{high}.arrow", delta, meta)
        if low is not None and low < high:  # only once the file that applied them is on disk
            _prune(database, kind, high)

    if defer is None:
        save()
    else:
        defer(save)
    return frame


def _read_rows(kind: FrameKind, database: Database, changes: Changes | None, assigned: Assigned | None) -> pa.Table:
    rows = kind.read(database, changes)
    if assigned is not None:
        rows = assigned.assign(rows)
    return rows.select(kind.schema.names).cast(kind.schema)


# --- the change log -------------------------------------------------------------------------------


def _log_position(database: Database, kind: FrameKind) -> tuple[str, int | None, int]:
    """(this database's id, lowest and highest change number it is safe to read up to)."""
    with database.engine.begin() as connection:
        if database.dialect == "postgresql":
            connection.execute(text(f"LOCK TABLE {kind.log_table} IN EXCLUSIVE MODE"))
        store_id = connection.execute(text("SELECT value FROM store_meta WHERE key = 'store_id'")).scalar_one()
        low, high = connection.execute(text(f"SELECT MIN(seq), MAX(seq) FROM {kind.log_table}")).one()
    return store_id, low, int(high or 0)


def _changed_ids(database: Database, kind: FrameKind, after: int, upto: int) -> pa.Array:
    changes = kind.changes(after, upto)
    rows = fetch_rows(database, f"SELECT DISTINCT {kind.log_id_column} FROM ({changes.ids_sql}) AS c", changes.params)
    return pa.array([row[0] for row in rows], pa.string())


def _prune(database: Database, kind: FrameKind, upto: int) -> None:
    """Forget the changes the frame has applied but the last one, which keeps the log's
    position known (another data home on the same database that has not applied them yet
    notices the gap and rebuilds)."""
    with database.engine.begin() as connection:
        connection.execute(text(f"DELETE FROM {kind.log_table} WHERE seq < :upto"), {"upto": upto})


# --- the saved copy -------------------------------------------------------------------------------


@dataclass
class _Copy:
    pieces: list[pa.Table]  # the base's rows, then each delta's (deleted rows left out)
    covers: list[pa.Array]  # the ids each delta covers
    generation: str
    applied: int  # the last change number the base and its deltas applied
    base_rows: int
    current: bool  # its assigned columns can be used as they are

    @property
    def delta_rows(self) -> int:
        return sum(len(ids) for ids in self.covers)


def _metadata(kind: FrameKind, schema: pa.Schema) -> dict:
    meta = json.loads((schema.metadata or {}).get(kind.metadata_key, b"{}"))
    return meta if isinstance(meta, dict) else {}


def _read_mapped(path: Path) -> pa.Table:
    """An Arrow IPC file, memory-mapped: the columns are the file's pages, read as touched."""
    with pa.memory_map(str(path)) as source:
        table = pa.ipc.open_file(source).read_all()
    table.validate()  # buffers the size their lengths need (a cut or overwritten file fails earlier)
    return table


def _read_copy(kind: FrameKind, directory: Path, store_id: str, assigned: Assigned | None) -> _Copy | None:
    """The base and the chain of deltas that extends it; None when there is no usable base
    (then the frame is rebuilt from the store)."""
    try:
        base = _read_mapped(directory / BASE_FILE)
        meta = _metadata(kind, base.schema)
    except (OSError, ValueError, pa.ArrowException):
        return None  # missing or unreadable: rebuilt from the store
    applied = meta.get("applied")
    if meta.get("store_id") != store_id or not meta.get("generation") or not isinstance(applied, int):
        return None
    if base.schema.remove_metadata() != kind.schema:
        return None
    version = meta.get(assigned.name) if assigned is not None else None
    saved = _Copy([base.replace_schema_metadata(None)], [], meta["generation"], applied, base.num_rows, True)
    for path, upto in _chain(kind, directory, store_id, saved.generation, applied, {assigned.name: version} if assigned else {}):
        try:
            delta = _read_mapped(path)
        except (OSError, ValueError, pa.ArrowException):
            break  # the frame stays current to the delta before; the log (or a rebuild) does the rest
        if delta.schema.remove_metadata() != kind.delta_schema:
            break
        saved.pieces.append(delta.filter(pc.invert(delta.column("deleted"))).select(kind.schema.names).replace_schema_metadata(None))
        saved.covers.append(delta.column(kind.id_column).combine_chunks())
        saved.applied = upto
    if assigned is not None:
        saved.current = version == assigned.version and assigned.usable(pa.concat_tables(saved.pieces))
    return saved


def _chain(kind: FrameKind, directory: Path, store_id: str, generation: str, applied: int, version: dict) -> list[tuple[Path, int]]:
    """The deltas of this base, in order: the one that starts where the frame is, then the one
    that starts where that one ends… Of two starting at the same number, the one reaching
    further (a save deferred twice may leave both). Only the footers are read here."""
    starting: dict[int, tuple[int, Path]] = {}
    for path in directory.glob("delta-*.arrow"):
        try:
            with pa.memory_map(str(path)) as source:
                meta = _metadata(kind, pa.ipc.open_file(source).schema)
            after, upto = int(meta["after"]), int(meta["applied"])
        except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
            continue
        same_version = all(meta.get(name) == value for name, value in version.items())
        if meta.get("store_id") == store_id and meta.get("base") == generation and same_version and upto > after:
            if upto > starting.get(after, (after, path))[0]:
                starting[after] = (upto, path)
    chain = []
    while applied in starting:
        applied, path = starting[applied]
        chain.append((path, applied))
    return chain


def _apply(kind: FrameKind, pieces: list[pa.Table], covers: list[pa.Array]) -> tuple[pa.Table, int]:
    """The base's rows (pieces[0]), then each delta's, a row kept unless a later delta covers its
    id (covers[i] belongs to pieces[i + 1]): unchanged rows first, then each delta's in order.
    Also how many of the base's rows were copied to leave replaced ones out."""
    later: pa.Array | None = None
    kept = list(pieces)
    copied = 0
    for index in range(len(kept) - 1, -1, -1):
        if later is not None:
            kept[index], copied = _without(kept[index], kind.id_column, later)
        if index > 0:
            later = covers[index - 1] if later is None else pa.concat_arrays([later, covers[index - 1]])
    return pa.concat_tables(kept), copied


def _without(table: pa.Table, id_column: str, ids: pa.Array) -> tuple[pa.Table, int]:
    """`table` less the rows whose id is in `ids`, and how many rows that copied: the rows before
    the first replaced one are kept as they are (a day of new rows replaces none, and the rows
    that change are mostly the newest, which each new base puts last or, in key order, late)."""
    replaced = pc.is_in(table.column(id_column), value_set=ids)
    first = pc.index(replaced, True).as_py()
    if first < 0:
        return table, 0
    rest = table.slice(first).filter(pc.invert(replaced.slice(first)))
    return (pa.concat_tables([table.slice(0, first), rest]) if first else rest), table.num_rows - first


def _delta_table(kind: FrameKind, changed: pa.Table, ids: pa.Array) -> pa.Table:
    """The re-read rows, plus a row with `deleted` set for each changed id no longer in the store."""
    gone = ids.filter(pc.invert(pc.is_in(ids, value_set=changed.column(kind.id_column))))
    tombstones = pa.Table.from_arrays(
        [gone if field.name == kind.id_column else pa.nulls(len(gone), field.type) for field in kind.schema], schema=kind.schema
    )
    deleted = pa.array([False] * changed.num_rows + [True] * len(gone), pa.bool_())
    return pa.concat_tables([changed, tombstones]).append_column("deleted", deleted)


# --- the files ------------------------------------------------------------------------------------


def _write(kind: FrameKind, path: Path, table: pa.Table, meta: dict) -> None:
    """Uncompressed, so that a reader maps the columns instead of decoding them."""
    table = table.replace_schema_metadata({kind.metadata_key: json.dumps(meta).encode()})

    def write(handle: BinaryIO) -> None:
        with pa.ipc.new_file(handle, table.schema) as writer:
            writer.write_table(table)

    write_atomically(path, write)


def _write_base(kind: FrameKind, directory: Path, frame: pa.Table, meta: dict) -> None:
    """A new base with a fresh generation, then the files it makes useless are removed: the
    deltas of earlier bases (ignored already: they name another generation), temporary files a
    crash left, and the files of earlier versions (Parquet bases and deltas, single files)."""
    generation = uuid.uuid4().hex
    _write(kind, directory / BASE_FILE, frame, {**meta, "generation": generation})
    for path in directory.glob("delta-*"):
        try:
            if path.suffix == ".arrow":
                with pa.memory_map(str(path)) as source:
                    current = _metadata(kind, pa.ipc.open_file(source).schema).get("base") == generation
            else:
                current = False
        except (OSError, ValueError, pa.ArrowException):
            current = False
        if not current:
            path.unlink(missing_ok=True)
    for path in directory.glob("base.*"):
        if path.name != BASE_FILE:
            path.unlink(missing_ok=True)
    for path in directory.glob(".tmp-*"):
        try:
            if path.stat().st_mtime < time.time() - STALE_TEMPORARY_SECONDS:  # not another save's, in flight
                path.unlink(missing_ok=True)
        except OSError:
            pass
    for name in kind.legacy:
        (directory.parent / name).unlink(missing_ok=True)
