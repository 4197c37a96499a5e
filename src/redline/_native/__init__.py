"""Optional C extensions, compiled by the build hook (hatch_build.py) when a C compiler is
present. Every one has a pure-Python fallback that gives the same results."""
