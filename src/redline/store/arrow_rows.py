"""Rows from the database driver into Arrow columns, for reads of a million rows.

SQLAlchemy builds an object per row; the recompute reads whole tables, so it goes through the
driver's own cursor and converts column by column.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timezone
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from redline.store.database import Database


@contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """Python's cyclic collector paused while the block runs (as it was after). Reading or
    binding many rows makes many new objects and few cycles: each full collection the new objects
    trigger walks every object of the process (the imported libraries hold a few hundred
    thousand), finds nothing to free and holds the interpreter lock while it does."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def fetch_rows(database: Database, sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
    """Rows of `sql` (named `:parameters`) through the driver's own cursor, the collector paused
    (a million new tuples would trigger full collections that take as long as the fetch)."""
    raw = database.engine.raw_connection()
    try:
        with without_cyclic_gc():
            cursor = raw.cursor()
            if database.dialect == "postgresql":  # psycopg's placeholders
                sql = re.sub(r"(?<![:\w]):([A-Za-z_]\w*)", r"%(\1)s", sql)
            cursor.execute(sql, params or {})
            return cursor.fetchall()
    finally:
        raw.close()


def rows_to_table(rows: list[tuple], types: dict[str, pa.DataType]) -> pa.Table:
    columns = list(zip(*rows)) if rows else [()] * len(types)
    return pa.table({name: pa.array(list(values), kind) for (name, kind), values in zip(types.items(), columns)})


def utc_timestamps(values: list[Any]) -> pa.Array:
    """Stored times as UTC microseconds: SQLite gives text (UTC by the store's convention),
    PostgreSQL gives aware datetimes."""
    if values and isinstance(values[0], str):
        return pc.cast(pa.array(values, pa.string()), pa.timestamp("us"))
    return pa.array([v.astimezone(timezone.utc).replace(tzinfo=None) if v.tzinfo else v for v in values], pa.timestamp("us"))
