"""Write a Parquet or Arrow IPC file so that readers see the old file or the new one, never
half of one."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq


def write_parquet_atomically(table: pa.Table, final: Path, **options) -> Path:
    """`table` as Parquet at `final` (see `write_atomically`). `options` go to
    `pyarrow.parquet.write_table` (zstd unless told otherwise)."""
    return write_atomically(final, lambda handle: pq.write_table(table, handle, **{"compression": "zstd", **options}))


def write_atomically(final: Path, write: Callable[[BinaryIO], None]) -> Path:
    """Write to a temporary file in the same directory, fsync it, rename it over `final`, and
    fsync the directory so the rename itself survives a crash."""
    with open_atomically(final) as handle:
        write(handle)
    return final


@contextmanager
def open_atomically(final: Path) -> Iterator[BinaryIO]:
    """A file to write `final` through (see `write_atomically`): it replaces `final` when the
    block ends without an error, and is removed when it raises."""
    directory = final.parent
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".tmp-{uuid.uuid4().hex}{final.suffix}"
    try:
        with open(temporary, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_directory(directory)


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
