"""Storage of the health index: inputs read as Arrow tables, results written per day.

Notes, accounts and fans' interests come from their frames (columnar copies of the relational
store kept in the data home), comment labels from the relational store; per-note results go to
Arrow IPC files in the data home (one per day, replaced atomically when a day is recomputed);
per-account headlines and the run log go to the relational store, their details to Parquet.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Select, func, select

from redline.signals.assembly import ordered_by
from redline.store.account_frame import account_frame
from redline.store.arrow_rows import fetch_rows, rows_to_table
from redline.store.database import Database
from redline.store.frames import Defer
from redline.store.note_frame import FRAME_TYPES, note_frame
from redline.store.note_keys import NoteKeys
from redline.store.parquet_files import open_atomically, write_atomically
from redline.store.health_tables import AccountHealthDay, HealthRun

NOTE_TYPES = {name: kind for name, kind in FRAME_TYPES.items() if name != "status"}


def load_notes(database: Database, root: Path, before_epoch: int, keys: NoteKeys, defer: Defer | None = None) -> pa.Table:
    """Active notes published before `before_epoch`, with their key and text-check summary (from
    the note frame, the columnar copy kept in the data home; `defer` as for `note_frame`)."""
    frame = note_frame(database, root, keys, defer)
    keep = pc.and_(pc.equal(frame.column("status"), "active"), pc.less(frame.column("published_epoch"), before_epoch))
    if keep.null_count == 0 and pc.all(keep).as_py():
        return frame.drop_columns(["status"])  # usually every note: a filter would copy them all
    return frame.filter(keep).drop_columns(["status"])


ACCOUNT_TYPES = {"account_id": pa.string(), "followers": pa.int64()}
INTEREST_TYPES = {"account_id": pa.string(), "interest": pa.string(), "share": pa.float64()}
COMMENT_TYPES = {"note_id": pa.string(), "negative": pa.int64(), "question": pa.int64()}


def load_accounts(database: Database, root: Path, defer: Defer | None = None) -> tuple[pa.Table, pa.Table]:
    """(accounts: id, followers, by id), (fans' interests: account_id, interest, share, by
    account and interest), from the account frame (the columnar copy kept in the data home, the
    interests parsed there; `defer` as for `account_frame`)."""
    # A day's changed accounts come after the base's.
    frame = ordered_by(account_frame(database, root, defer), "account_id").combine_chunks()
    lists = frame.column("interests")
    entries = pc.list_flatten(lists)
    interests = pa.table({
        "account_id": pc.take(frame.column("account_id"), pc.list_parent_indices(lists)),
        "interest": pc.struct_field(entries, "interest"),
        "share": pc.struct_field(entries, "share"),
    })
    return frame.select(list(ACCOUNT_TYPES)), interests.cast(pa.schema(INTEREST_TYPES.items()))


def load_comment_labels(database: Database) -> pa.Table:
    rows = fetch_rows(database, "SELECT note_id, CASE WHEN negative THEN 1 ELSE 0 END, CASE WHEN question THEN 1 ELSE 0 END FROM comment_labels")
    return rows_to_table(rows, COMMENT_TYPES)


# --- per-note results (Arrow IPC) -------------------------------------------------------------

# A day's note results; days written before the results moved to Arrow IPC are Parquet files.
NOTE_RESULTS_FILES = ("notes.arrow", "notes.parquet")


def note_results_dir(root: Path) -> Path:
    return Path(root) / "health" / "notes"


def write_note_results(root: Path, day: date, table: pa.Table) -> Path:
    """Replace the day's note results atomically (see `note_results_writer`)."""
    with note_results_writer(root, day) as write:
        write(table)
    return note_results_path(root, day)


NOTE_RESULTS_BATCH_ROWS = 1 << 16


def _ipc_options(codec: str = "zstd", use_threads: bool = True) -> pa.ipc.IpcWriteOptions:
    """How result files are written: compressed per record batch (zstd at level 1, or lz4)."""
    return pa.ipc.IpcWriteOptions(compression=pa.Codec(codec, compression_level=1 if codec == "zstd" else None), use_threads=use_threads)


def note_results_path(root: Path, day: date) -> Path:
    return note_results_dir(root) / f"day={day.isoformat()}" / NOTE_RESULTS_FILES[0]


@contextmanager
def note_results_writer(root: Path, day: date) -> Iterator[Callable[[pa.Table], None]]:
    """A function that writes the day's note results a table of notes at a time; when the block
    ends they replace the day's results atomically (an error leaves the earlier ones). Written
    once a day for every note, so written for speed: an Arrow IPC file of lz4-compressed record
    batches is the columns as they are, no encoding (a million notes: 0.4 s as zstd against 1.0 s
    as Parquet, the file the same size; lz4 takes 40 % less time than zstd, the file a third
    larger), and reading a note back scans one id column either way."""
    path = note_results_path(root, day)
    with open_atomically(path) as handle:
        writer: pa.ipc.RecordBatchFileWriter | None = None

        def write(table: pa.Table) -> None:
            nonlocal writer
            if writer is None:
                # On the caller's thread only: the job stores the account headlines beside it.
                writer = pa.ipc.new_file(handle, table.schema, options=_ipc_options("lz4", use_threads=False))
            writer.write_table(table, max_chunksize=NOTE_RESULTS_BATCH_ROWS)

        yield write
        if writer is None:
            raise ValueError("no note results were written")
        writer.close()
    (path.parent / NOTE_RESULTS_FILES[1]).unlink(missing_ok=True)  # an older format's copy of the day


def note_results_file(root: Path, day: date) -> Path | None:
    directory = note_results_dir(root) / f"day={day.isoformat()}"
    return next((directory / name for name in NOTE_RESULTS_FILES if (directory / name).exists()), None)


def read_note_results(path: Path, columns: list[str] | None = None, filter: pc.Expression | None = None) -> pa.Table:
    """A day's note results (`note_results_file`), optionally only some columns and rows."""
    import pyarrow.dataset as ds

    return ds.dataset(path, format="ipc" if path.suffix == ".arrow" else "parquet").to_table(columns=columns, filter=filter)


def note_result_days(root: Path) -> list[date]:
    directory = note_results_dir(root)
    if not directory.exists():
        return []
    days = []
    for child in directory.iterdir():
        if child.name.startswith("day=") and any((child / name).exists() for name in NOTE_RESULTS_FILES):
            try:
                days.append(date.fromisoformat(child.name[4:]))
            except ValueError:
                continue
    return sorted(days)


def read_note_history(root: Path, note_id: str, until: date | None = None) -> list[dict[str, Any]]:
    """The note's stored result for every computed day (oldest first), up to `until`."""
    out = []
    for day in note_result_days(root):
        if until is not None and day > until:
            continue
        path = note_results_file(root, day)
        table = read_note_results(path, filter=pc.field("note_id") == note_id) if path else None
        if table is not None and table.num_rows:
            row = table.slice(0, 1).to_pylist()[0]
            row["day"] = day
            out.append(row)
    return out


# --- per-account results: headline in SQL, details in Parquet --------------------------------


def account_results_dir(root: Path) -> Path:
    return Path(root) / "health" / "accounts"


# A day's account details; days written before they moved to Arrow IPC are Parquet files.
ACCOUNT_RESULTS_FILES = ("accounts.arrow", "accounts.parquet")


def write_account_results(root: Path, day: date, table: pa.Table) -> Path:
    """Replace the day's account details atomically (every account's metrics, indicators and
    their parts: a hundred numbers per account, a column store's job like the notes'): an Arrow
    IPC file of zstd record batches, like the notes' (a quarter of the time of Parquet, the same
    size)."""
    directory = account_results_dir(root) / f"day={day.isoformat()}"

    def write(handle: BinaryIO) -> None:
        with pa.ipc.new_file(handle, table.schema, options=_ipc_options()) as writer:
            writer.write_table(table, max_chunksize=NOTE_RESULTS_BATCH_ROWS)

    path = write_atomically(directory / ACCOUNT_RESULTS_FILES[0], write)
    (directory / ACCOUNT_RESULTS_FILES[1]).unlink(missing_ok=True)  # an older format's copy of the day
    return path


def read_account_details(root: Path, account_id: str, day: date) -> dict[str, Any] | None:
    """The details `explain` shows for one account on one computed day, or None."""
    import pyarrow.dataset as ds

    directory = account_results_dir(root) / f"day={day.isoformat()}"
    path = next((directory / name for name in ACCOUNT_RESULTS_FILES if (directory / name).exists()), None)
    if path is None:
        return None
    table = ds.dataset(path, format="ipc" if path.suffix == ".arrow" else "parquet").to_table(filter=pc.field("account_id") == account_id)
    return account_details(table.slice(0, 1).to_pylist()[0]) if table.num_rows else None


def account_details(row: dict[str, Any]) -> dict[str, Any]:
    """A stored account row's flat `group.name` columns as {group: {name: value}} plus the
    deduction entries and the notes' weight."""
    details: dict[str, Any] = {group: {} for group in DETAIL_GROUPS}
    for key, value in row.items():
        group, dot, name = key.partition(".")
        if dot and group in details:
            details[group][name] = value
    details["deduction_entries"] = json.loads(row.get("deduction_entries") or "[]")
    details["notes_weight"] = row.get("notes_weight")
    return details




ACCOUNT_DAY_COLUMNS = (
    "account_id", "day", "health_index", "index_before_deductions", "deductions", "quality", "compliance",
    "feedback", "coverage", "notes", "policy_version", "engine", "computed_at",
)
DETAIL_GROUPS = ("metrics", "indicators", "from_notes", "from_account", "components")
SHARED_BY_RUN = ("day", "policy_version", "engine", "computed_at")


def save_account_days(database: Database, day: date, results: pa.Table) -> None:
    """Replace the day's account headline results in one transaction (`results` holds at least
    ACCOUNT_DAY_COLUMNS). Written through the driver (COPY on PostgreSQL): 100k rows through the
    ORM cost seconds of per-row type processing."""
    if pc.any(pc.not_equal(results.column("day"), pa.scalar(day, pa.date32()))).as_py():
        raise ValueError("results of another day")
    names = ", ".join(ACCOUNT_DAY_COLUMNS)
    restore = None
    raw = database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if database.dialect == "postgresql":
            cursor.execute("DELETE FROM health_account_days WHERE day = %s", (day,))
            with cursor.copy(f"COPY health_account_days ({names}) FROM STDIN") as copy:
                for row in zip(*(results.column(name).to_pylist() for name in ACCOUNT_DAY_COLUMNS)):
                    copy.write_row(row)
        else:
            # The store's SQLite conventions (as SQLAlchemy writes them): ISO dates, UTC times
            # as text without a zone; converted column-wise, not per row.
            as_text = {
                "day": _each_distinct(results.column("day"), lambda days: pc.cast(days, pa.string())),
                "computed_at": _each_distinct(results.column("computed_at"), lambda times: pc.strftime(times, format="%Y-%m-%d %H:%M:%S")),
            }
            # A run's rows share their day, policy version, engine and time: written once into the
            # statement as literals, not bound for every row (a third of the insert's time).
            constant, bound = {}, []
            for name in ACCOUNT_DAY_COLUMNS:
                column = as_text.get(name, results.column(name))
                distinct = pc.unique(column) if name in SHARED_BY_RUN else None
                if distinct is not None and len(distinct) == 1 and distinct.null_count == 0:
                    constant[name] = distinct[0].as_py()
                else:
                    bound.append((name, column))
            literals = ", ".join("'" + str(value).replace("'", "''") + "'" for value in constant.values())
            row = "(" + ", ".join(["?"] * len(bound) + ([literals] if literals else [])) + ")"
            insert = f"INSERT INTO health_account_days ({', '.join([name for name, _ in bound] + list(constant))}) VALUES "
            # Results, not records: their commit need not wait for the disk. The daily job's run
            # log, committed next with the connection's own setting, makes them durable with it.
            synchronous = cursor.execute("PRAGMA synchronous").fetchone()[0]
            cursor.execute("PRAGMA synchronous=NORMAL")
            restore = f"PRAGMA synchronous={int(synchronous)}"
            cursor.execute("DELETE FROM health_account_days WHERE day = ?", (day.isoformat(),))
            # Many rows per statement: a statement run per row (`executemany`) took 40 % longer or
            # more, and each run lets go of the interpreter and takes it back from the job's other
            # threads.
            width = len(bound)  # (the account id at least)
            per_statement = max(1, min(HEADLINE_ROWS_PER_STATEMENT, _variable_limit(raw) // width))
            values = _interleaved([column.to_pylist() for _, column in bound])
            for start in range(0, results.num_rows, per_statement):
                rows = min(per_statement, results.num_rows - start)
                cursor.execute(insert + ", ".join([row] * rows), values[start * width:(start + rows) * width])
        raw.commit()
    except BaseException:
        raw.rollback()
        raise
    finally:
        if restore:
            raw.cursor().execute(restore)
        raw.close()


HEADLINE_ROWS_PER_STATEMENT = 500


def _variable_limit(raw: Any) -> int:
    """How many values one SQLite statement may bind (999 before SQLite 3.32)."""
    connection = getattr(raw, "driver_connection", raw)
    try:
        return connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except (AttributeError, sqlite3.Error):
        return 999


def _interleaved(columns: list[list[Any]]) -> list[Any]:
    """The columns' values row after row in one list (row i's values at i × width …)."""
    width = len(columns)
    values: list[Any] = [None] * (len(columns[0]) * width)
    for position, column in enumerate(columns):
        values[position::width] = column
    return values


def _each_distinct(column: pa.ChunkedArray, convert: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """`convert` applied to each distinct value once (a day's results share one day and one
    time: formatting 100 k equal timestamps one by one took 0.15 s)."""
    encoded = column.combine_chunks().dictionary_encode()
    return pc.take(convert(encoded.dictionary), encoded.indices)


@dataclass(frozen=True)
class RunRecord:
    day: date
    engine: str
    policy_version: str
    started_at: datetime
    finished_at: datetime
    notes: int
    accounts: int
    events: int
    timings: dict[str, float]


def save_run(database: Database, run: RunRecord) -> None:
    with database.session() as session:
        session.add(HealthRun(**run.__dict__))


def account_days(account_id: str, until: date | None = None) -> Select:
    """The query of an account's headline rows (up to `until`). The table is keyed by (day,
    account_id): the distinct days are walked down the key, each the latest before the one
    found last (a seek per day), and the account's row of each day is a seek (a year of 100k
    accounts a day: 10 ms)."""
    table = AccountHealthDay.__table__
    earlier = table.alias("earlier")
    latest = select(func.max(table.c.day).label("day"))
    if until is not None:
        latest = latest.where(table.c.day <= until)
    days = latest.cte("days", recursive=True)
    before = select(func.max(earlier.c.day)).where(earlier.c.day < days.c.day).scalar_subquery()
    days = days.union_all(select(before).where(days.c.day.is_not(None)))
    return select(AccountHealthDay).where(AccountHealthDay.day.in_(select(days.c.day)), AccountHealthDay.account_id == account_id)


def account_history(database: Database, account_id: str, until: date | None = None) -> list[AccountHealthDay]:
    with database.session() as session:
        return list(session.scalars(account_days(account_id, until).order_by(AccountHealthDay.day)))


def latest_account_days(database: Database) -> list[AccountHealthDay]:
    """The results of the most recent day computed, one per account."""
    with database.session() as session:
        last_day = session.scalar(select(AccountHealthDay.day).order_by(AccountHealthDay.day.desc()).limit(1))
        if last_day is None:
            return []
        return list(session.scalars(select(AccountHealthDay).where(AccountHealthDay.day == last_day).order_by(AccountHealthDay.account_id)))


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
