"""How the daily job asks the system for memory.

The job makes and drops hundreds of arrays of a few megabytes (a million notes' columns, a block
of notes' results). Each page the system hands out afresh is a page fault and a page cleared: on
the benchmark's machine a quarter of the job's CPU time went to the kernel doing that. While the
job runs (`job_memory`), NumPy asks for ordinary pages, Arrow allocates through glibc too, and
memory the job frees stays with the process to be handed out again; afterwards NumPy's setting
and Arrow's pool are as they were, glibc's thresholds are back at their starting values (fixed
there: glibc no longer raises them as blocks are freed) and the free memory is returned.

Arrow's own default allocator (mimalloc) gives freed pages back to the system after a few
milliseconds and takes fresh ones (huge pages, each cleared whole) for the next block: with
glibc's kept heap instead the daily run, in a process of its own, took about 15 % less time.
`redline/__init__.py` makes glibc Arrow's default for the whole process where it can (before
PyArrow loads: Arrow's IPC writers and dataset readers allocate from that default, not from the
pool set here).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pyarrow as pa


@contextmanager
def job_memory() -> Iterator[None]:
    with _without_huge_pages(), _heap_kept():
        yield


@contextmanager
def _without_huge_pages() -> Iterator[None]:
    """NumPy asks the kernel for transparent huge pages for every large array. Where the kernel
    then compacts memory on the first touch (THP defrag `madvise`, a common default), each fresh
    8 MB array of the daily job took milliseconds of system time: on the benchmark's machine
    sixty million-element arrays took 1.1 s with huge pages and 0.3 s without."""
    switch = getattr(getattr(np, "_core", None), "multiarray", None)
    switch = getattr(switch, "_set_madvise_hugepage", None)
    if switch is None:
        yield
        return
    before = switch(False)
    try:
        yield
    finally:
        switch(before)


# glibc's mallopt parameters and the defaults they are set back to (malloc(3), mallopt(3)).
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
DEFAULT_THRESHOLD = 128 * 1024
KEPT_MMAP_THRESHOLD = 32 * 1024 * 1024  # the largest glibc accepts on 64 bits: a million-element array is 8 MB
KEPT_TRIM_THRESHOLD = 1 << 30

_HEAP_LOCK = threading.Lock()
_heap_users = 0
_arrow_pool_before: pa.MemoryPool | None = None


def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (mallopt and malloc_trim), else None (nothing to tune)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version  # noqa: B018 - glibc only
        return libc
    except (OSError, AttributeError):
        return None


@contextmanager
def _heap_kept() -> Iterator[None]:
    """glibc gives blocks above its mmap threshold their own fresh pages and returns freed memory
    above its trim threshold to the system. Both thresholds start at 128 kB and rise only as
    blocks are freed, a thread's arena trims its own: most of the job's arrays were fresh pages.
    Raised for the job, a freed array's pages serve the next one; Arrow's arrays made from
    Python come from the same heap (its system pool). (Jobs running at the same time share the
    raised thresholds and the pool; the last to end sets them back.)"""
    global _heap_users, _arrow_pool_before
    libc = _glibc()
    if libc is None:
        yield
        return
    with _HEAP_LOCK:
        if _heap_users == 0:
            libc.mallopt(M_MMAP_THRESHOLD, KEPT_MMAP_THRESHOLD)
            libc.mallopt(M_TRIM_THRESHOLD, KEPT_TRIM_THRESHOLD)
            _arrow_pool_before = pa.default_memory_pool()
            pa.set_memory_pool(pa.system_memory_pool())
        _heap_users += 1
    try:
        yield
    finally:
        with _HEAP_LOCK:
            _heap_users -= 1
            if _heap_users == 0:
                pa.set_memory_pool(_arrow_pool_before)
                libc.mallopt(M_MMAP_THRESHOLD, DEFAULT_THRESHOLD)
                libc.mallopt(M_TRIM_THRESHOLD, DEFAULT_THRESHOLD)
                libc.malloc_trim(0)
