"""Behavioural signals (SPEC R-SIG): every metric per note and per account as ONE set of Ibis
expressions over the event lake and the store's tables, run on DuckDB or on PySpark."""

from redline.signals.expressions import SignalTables, Window, account_signals, note_signals

__all__ = ["SignalTables", "Window", "account_signals", "note_signals"]
