"""Write a Parquet file so that readers see the old file or the new one, never half of one."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def write_parquet_atomically(table: pa.Table, final: Path, **options) -> Path:
    """Write to a temporary file in the same directory, fsync it, rename it over `final`, and
    fsync the directory so the rename itself survives a crash. `options` go to
    `pyarrow.parquet.write_table` (zstd unless told otherwise)."""
    directory = final.parent
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".tmp-{uuid.uuid4().hex}.parquet"
    try:
        with open(temporary, "wb") as handle:
            pq.write_table(table, handle, **{"compression": "zstd", **options})
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_directory(directory)
    return final


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
