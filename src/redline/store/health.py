"""Storage of the health index: inputs read as Arrow tables, results written per day.

Notes, accounts, fans' interests and comment labels come from the relational store; per-note
results go to Parquet files in the data home (one per day, replaced atomically when a day is
recomputed); per-account results and the run log go to the relational store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import delete, insert, select

from redline.store.database import Database
from redline.store.parquet_files import write_parquet_atomically
from redline.store.health_tables import AccountHealthDay, HealthRun

TEXT_COLUMNS = ("text_q2", "text_q3", "text_c1", "text_c2", "text_c3")


def _columns(rows: list[tuple], names: list[str], types: dict[str, pa.DataType]) -> pa.Table:
    columns = list(zip(*rows)) if rows else [()] * len(names)
    return pa.table({name: pa.array(list(values), types[name]) for name, values in zip(names, columns)})


NOTE_TYPES = {
    "note_id": pa.string(), "account_id": pa.string(), "category": pa.string(), "note_type": pa.string(),
    "video_seconds": pa.float64(), "published_epoch": pa.int64(), "liked_count": pa.int64(),
    "brand_account_id": pa.string(), "dynamic_cover": pa.bool_(), "has_check": pa.bool_(),
    "text_chars": pa.int64(), "originality": pa.float64(),
    **{name: pa.float64() for name in TEXT_COLUMNS},
}


def _fetch(database: Database, sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
    """Rows through the driver's own cursor: a million rows without per-row SQLAlchemy objects."""
    raw = database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if database.dialect == "sqlite":
            cursor.execute(sql.replace("%(before)s", ":before"), params or {})
        else:
            cursor.execute(sql, params or {})
        return cursor.fetchall()
    finally:
        raw.close()


def _timestamps(values: list[Any]) -> pa.Array:
    """Stored times as UTC microseconds: SQLite gives text (UTC by the store's convention),
    PostgreSQL gives aware datetimes."""
    if values and isinstance(values[0], str):
        return pc.cast(pa.array(values, pa.string()), pa.timestamp("us"))
    return pa.array([v.astimezone(timezone.utc).replace(tzinfo=None) if v.tzinfo else v for v in values], pa.timestamp("us"))


def load_notes(database: Database, before_epoch: int) -> pa.Table:
    """Active notes published before `before_epoch`, with their text-check summary.

    Two plain scans (notes, checks) joined in Arrow: a million per-row index lookups and time
    conversions inside SQLite cost more than the scans themselves."""
    note_rows = _fetch(
        database,
        "SELECT id, account_id, category, note_type, video_seconds, published_at, liked_count, brand_account_id, dynamic_cover "
        "FROM notes WHERE status = 'active'",
    )
    check_rows = _fetch(database, f"SELECT note_id, text_chars, originality, {', '.join(TEXT_COLUMNS)} FROM note_checks")
    names = list(NOTE_TYPES)
    if not note_rows:
        return _columns([], names, NOTE_TYPES)
    columns = list(zip(*note_rows))
    published = _timestamps(list(columns[5]))
    epoch = pc.divide(pc.cast(published, pa.int64()), 1_000_000)
    notes = pa.table({
        "note_id": pa.array(columns[0], pa.string()),
        "account_id": pa.array(columns[1], pa.string()),
        "category": pa.array(columns[2], pa.string()),
        "note_type": pa.array(columns[3], pa.string()),
        "video_seconds": pa.array(columns[4], pa.float64()),
        "published_epoch": epoch,
        "liked_count": pa.array(columns[6], pa.int64()),
        "brand_account_id": pa.array(columns[7], pa.string()),
        "dynamic_cover": pa.array([bool(v) for v in columns[8]], pa.bool_()),
    })
    notes = notes.filter(pc.less(notes.column("published_epoch"), before_epoch))
    check_types = {"note_id": pa.string(), "text_chars": pa.int64(), "originality": pa.float64(), **{n: pa.float64() for n in TEXT_COLUMNS}}
    checks = _columns(check_rows, list(check_types), check_types)
    position = pc.index_in(notes.column("note_id"), value_set=checks.column("note_id"))
    notes = notes.append_column("has_check", pc.is_valid(position))
    for name in ("text_chars", "originality", *TEXT_COLUMNS):
        notes = notes.append_column(name, pc.take(checks.column(name), position))
    return notes.select(names)


ACCOUNT_TYPES = {"account_id": pa.string(), "followers": pa.int64()}
INTEREST_TYPES = {"account_id": pa.string(), "interest": pa.string(), "share": pa.float64()}
COMMENT_TYPES = {"note_id": pa.string(), "negative": pa.int64(), "question": pa.int64()}


def load_accounts(database: Database) -> tuple[pa.Table, pa.Table]:
    """(accounts: id, followers), (fans' interests: account_id, interest, share)."""
    rows = _fetch(database, "SELECT id, followers, fan_interests FROM accounts ORDER BY id")
    accounts = _columns([(row[0], row[1]) for row in rows], list(ACCOUNT_TYPES), ACCOUNT_TYPES)
    interests = []
    for account_id, _, raw in rows:
        mapping = json.loads(raw) if isinstance(raw, str) else (raw or {})
        for interest, share in (mapping or {}).items():
            try:
                interests.append((account_id, str(interest), float(share)))
            except (TypeError, ValueError):
                continue
    return accounts, _columns(interests, list(INTEREST_TYPES), INTEREST_TYPES)


def load_comment_labels(database: Database) -> pa.Table:
    rows = _fetch(database, "SELECT note_id, CASE WHEN negative THEN 1 ELSE 0 END, CASE WHEN question THEN 1 ELSE 0 END FROM comment_labels")
    return _columns(rows, list(COMMENT_TYPES), COMMENT_TYPES)


# --- per-note results (Parquet) ---------------------------------------------------------------


def note_results_dir(root: Path) -> Path:
    return Path(root) / "health" / "notes"


def write_note_results(root: Path, day: date, table: pa.Table) -> Path:
    """Replace the day's note results atomically."""
    return write_parquet_atomically(table, note_results_dir(root) / f"day={day.isoformat()}" / "notes.parquet")


def note_result_days(root: Path) -> list[date]:
    directory = note_results_dir(root)
    if not directory.exists():
        return []
    days = []
    for child in directory.iterdir():
        if child.name.startswith("day=") and (child / "notes.parquet").exists():
            try:
                days.append(date.fromisoformat(child.name[4:]))
            except ValueError:
                continue
    return sorted(days)


def read_note_history(root: Path, note_id: str, until: date | None = None) -> list[dict[str, Any]]:
    """The note's stored result for every computed day (oldest first), up to `until`."""
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    out = []
    for day in note_result_days(root):
        if until is not None and day > until:
            continue
        path = note_results_dir(root) / f"day={day.isoformat()}" / "notes.parquet"
        table = ds.dataset(path).to_table(filter=pc.field("note_id") == note_id)
        if table.num_rows:
            row = table.slice(0, 1).to_pylist()[0]
            row["day"] = day
            out.append(row)
    return out


# --- per-account results and runs (relational) --------------------------------------------


def save_account_days(database: Database, day: date, rows: list[dict[str, Any]]) -> None:
    """Replace the day's account results in one transaction."""
    with database.session() as session:
        session.execute(delete(AccountHealthDay).where(AccountHealthDay.day == day))
        for start in range(0, len(rows), 5_000):
            chunk = rows[start:start + 5_000]
            if chunk:
                session.execute(insert(AccountHealthDay), chunk)


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


def account_history(database: Database, account_id: str, until: date | None = None) -> list[AccountHealthDay]:
    with database.session() as session:
        query = select(AccountHealthDay).where(AccountHealthDay.account_id == account_id)
        if until is not None:
            query = query.where(AccountHealthDay.day <= until)
        return list(session.scalars(query.order_by(AccountHealthDay.day)))


def latest_account_days(database: Database) -> list[AccountHealthDay]:
    """The results of the most recent day computed, one per account."""
    with database.session() as session:
        last_day = session.scalar(select(AccountHealthDay.day).order_by(AccountHealthDay.day.desc()).limit(1))
        if last_day is None:
            return []
        return list(session.scalars(select(AccountHealthDay).where(AccountHealthDay.day == last_day).order_by(AccountHealthDay.account_id)))


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
