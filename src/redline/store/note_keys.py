"""Note keys: a small integer for every note id, given on first sight and never changed.

The daily job keeps numbers per note (each lake day's parts) and lines them up with the notes it
scores. Grouping and joining a million note ids as text was its largest cost; keyed by integers,
adding the days up is `np.bincount` and lining them up with the notes is a gather by key. The ids
that ever got a key are kept in key order (key = position), so a key never changes meaning.

On disk (`<home>/lake/note_keys/`): Arrow IPC files of ids, uncompressed so that they are read by
memory-mapping, `keys-<first>.arrow` holding the keys first, first + 1, … Saving appends one file
(temporary file, fsync, rename) and must come before anything that uses its keys is written.
Every file names the key space's `generation`: a reader follows the files from key 0 on, skips a
file whose keys an earlier (compacted) file already holds, and starts a new generation when the
files do not connect (a gap, an unreadable file, another generation). Whatever was keyed with an
older generation names it, and is keyed again.

One writer at a time: `NoteKeys.open` takes an exclusive lock on the directory for as long as
the keys are open (two daily jobs on one data home run one after the other), and a thread lock
orders the job's own threads.
"""

from __future__ import annotations

import fcntl
import threading
import uuid
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from redline.store.parquet_files import write_atomically

SCHEMA = pa.schema([("note_id", pa.string())])
GENERATION_KEY = b"redline.note_keys.generation"
FIRST_KEY = b"redline.note_keys.first"
# Appended files beyond this many are folded into one at the next save.
MAX_FILES = 32


class NoteKeys:
    """note id → key. In memory only when made with no directory (tests, one-off runs)."""

    def __init__(self, directory: Path | None = None):
        self.directory = directory
        self.generation = uuid.uuid4().hex
        self._chunks: list[pa.Array] = []
        self._files = 0
        self._saved = 0  # keys held by files on disk
        self._count = 0
        self._pending: list[pa.Array] = []
        self._lock = threading.Lock()
        self._lock_file: BinaryIO | None = None

    @classmethod
    def open(cls, directory: Path) -> "NoteKeys":
        """The keys kept in `directory`, locked for writing until `close`."""
        keys = cls(directory)
        directory.mkdir(parents=True, exist_ok=True)
        keys._lock_file = open(directory / ".lock", "a+b")
        fcntl.flock(keys._lock_file, fcntl.LOCK_EX)
        keys._load()
        return keys

    def close(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def __enter__(self) -> "NoteKeys":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __len__(self) -> int:
        return self._count

    def ids(self) -> pa.ChunkedArray:
        """Every id with a key, in key order."""
        with self._lock:
            return pa.chunked_array(self._chunks + self._pending, pa.string())

    def lookup(self, ids: pa.Array | pa.ChunkedArray, add: bool = True) -> np.ndarray:
        """The key of each id (int64). Ids without one get the next keys when `add`, else -1;
        so does a null id (-1)."""
        encoded = (ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids).cast(pa.string()).dictionary_encode()
        distinct = encoded.dictionary
        with self._lock:
            key_of = np.full(len(distinct), -1, dtype=np.int64)
            if self._count and len(distinct):
                # Each known id's place among the asked ones: the known ids probe a hash of the
                # asked ones (a hash of a million known ids would cost more to build).
                position = pc.index_in(pa.chunked_array(self._chunks + self._pending, pa.string()), value_set=distinct)
                found = position.is_valid().to_numpy(zero_copy_only=False)
                known = np.flatnonzero(found)
                key_of[pc.filter(position, found).to_numpy(zero_copy_only=False)] = known
            if add:
                new = np.flatnonzero(key_of < 0)
                if len(new):
                    key_of[new] = self._count + np.arange(len(new), dtype=np.int64)
                    self._pending.append(distinct.take(pa.array(new)))
                    self._count += len(new)
        indices = encoded.indices.to_numpy(zero_copy_only=False) if encoded.null_count == 0 else pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        keys = key_of[indices] if len(key_of) else np.full(len(indices), -1, dtype=np.int64)
        if encoded.null_count:
            keys[indices < 0] = -1
        return keys

    def save(self) -> None:
        """Write the keys given since the last save (no-op in memory or when none are new)."""
        with self._lock:
            if self.directory is None or not self._pending:
                return
            added = pa.concat_arrays(self._pending)
            if self._files + 1 > MAX_FILES:
                self._write(pa.concat_arrays(self._chunks + [added]), 0)
                for path in self.directory.glob("keys-*.arrow"):
                    if _first_of(path) not in (0, None):
                        path.unlink(missing_ok=True)
                self._files = 1
            else:
                self._write(added, self._saved)
                self._files += 1
            self._chunks.append(added)
            self._pending = []
            self._saved = self._count

    # --- files -----------------------------------------------------------------------------

    def _write(self, ids: pa.Array, first: int) -> None:
        assert self.directory is not None
        table = pa.table({"note_id": ids}).replace_schema_metadata({GENERATION_KEY: self.generation.encode(), FIRST_KEY: str(first).encode()})

        def write(handle: BinaryIO) -> None:
            with pa.ipc.new_file(handle, table.schema) as writer:
                writer.write_table(table)

        write_atomically(self.directory / f"keys-{first:012d}.arrow", write)

    def _load(self) -> None:
        assert self.directory is not None
        files = sorted((first, path) for path in self.directory.glob("keys-*.arrow") if (first := _first_of(path)) is not None)
        generation = None
        for first, path in files:
            if first < self._count:
                continue  # held by a compacted file already
            try:
                table = pa.ipc.open_file(pa.memory_map(str(path))).read_all()
                metadata = table.schema.metadata or {}
                found = metadata.get(GENERATION_KEY, b"").decode()
                ok = table.schema.remove_metadata() == SCHEMA and first == self._count and metadata.get(FIRST_KEY) == str(first).encode()
            except (OSError, ValueError, pa.ArrowException):
                ok, found = False, ""
            if not ok or (generation is not None and found != generation) or table.column(0).null_count:
                self._start_over()
                return
            generation = found
            self._chunks.append(table.column(0).combine_chunks())
            self._count += table.num_rows
            self._files += 1
        self._saved = self._count
        if generation is not None:
            self.generation = generation

    def _start_over(self) -> None:
        """The files do not connect: a new key space, the old files removed."""
        assert self.directory is not None
        for path in self.directory.glob("keys-*.arrow"):
            path.unlink(missing_ok=True)
        self.generation = uuid.uuid4().hex
        self._chunks, self._pending = [], []
        self._count = self._saved = self._files = 0


def _first_of(path: Path) -> int | None:
    stem = path.stem
    try:
        return int(stem[len("keys-"):]) if stem.startswith("keys-") else None
    except ValueError:
        return None
