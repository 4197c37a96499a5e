"""How the daily job's process asks for memory (pipeline/memory.py, redline/__init__.py)."""

import subprocess
import sys

import pyarrow as pa
import pytest


def test_redline_loaded_first_gives_arrow_the_c_librarys_allocator_unless_told_otherwise():
    def backend(code: str, env: dict[str, str] | None = None) -> str:
        import os

        environment = {key: value for key, value in os.environ.items() if key != "ARROW_DEFAULT_MEMORY_POOL"}
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**environment, **(env or {})}, check=True)
        return result.stdout.strip()

    assert backend("import redline, pyarrow; print(pyarrow.default_memory_pool().backend_name)") == "system"
    assert backend("import redline, pyarrow; print(pyarrow.default_memory_pool().backend_name)", {"ARROW_DEFAULT_MEMORY_POOL": "jemalloc"}) == "jemalloc"


def test_the_job_uses_the_system_pool_and_sets_the_pool_back_after():
    from redline.pipeline import memory

    initial = pa.default_memory_pool()
    for make in (pa.mimalloc_memory_pool, pa.jemalloc_memory_pool):
        try:
            pa.set_memory_pool(make())  # another pool than the job's, as where PyArrow loaded first
            break
        except NotImplementedError:
            continue
    else:
        pytest.skip("this PyArrow has no allocator but the system's")
    before = pa.default_memory_pool().backend_name
    job_pool = "system" if memory._glibc() else before
    try:
        with memory.job_memory():
            assert pa.default_memory_pool().backend_name == job_pool
            with memory.job_memory():  # jobs at the same time: the last to end sets it back
                pass
            assert pa.default_memory_pool().backend_name == job_pool
            kept = pa.array(range(1000))
        assert pa.default_memory_pool().backend_name == before
        assert kept.sum().as_py() == 499_500  # made in the job's pool, still readable after
    finally:
        pa.set_memory_pool(initial)
