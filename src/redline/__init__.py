"""redline: content-health and traffic-governance engine."""

import os

# Arrow's memory from the C library's allocator (see pipeline/memory.py), chosen before PyArrow
# loads: Arrow's own default (mimalloc) gave back freed pages within milliseconds and took them
# again as fresh huge pages, and PyArrow's writers and dataset readers take Arrow's default
# whatever `pyarrow.set_memory_pool` says. Where PyArrow was loaded first, or the variable is
# set, it is left as it is.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

__version__ = "0.1.0"
