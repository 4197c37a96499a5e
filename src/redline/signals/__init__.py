"""Behavioural signals (SPEC R-SIG): every metric per note and per account as ONE set of Ibis
expressions (aggregations of events, then formulas over the lined-up rows), run on DuckDB or on
PySpark; `assembly` lines the engine's numbers up with the notes and accounts."""

from redline.signals.expressions import Window, account_metrics, note_metrics

__all__ = ["Window", "account_metrics", "note_metrics"]
