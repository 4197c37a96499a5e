"""Optional C extensions, compiled by the build hook (hatch_build.py) when a C compiler is
present. Every one has a pure-Python fallback that gives the same results; setting
`REDLINE_PURE_PYTHON=1` makes the code take the fallbacks."""

from __future__ import annotations

import os


def wanted() -> bool:
    """Whether to use a built extension (`REDLINE_PURE_PYTHON` unset)."""
    return not os.environ.get("REDLINE_PURE_PYTHON")
