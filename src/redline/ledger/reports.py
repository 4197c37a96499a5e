"""Report-triggered review: when a note's valid reports reach the threshold within the window.

Reports are scanned in time order; the moment the N-th report inside a window of W hours
arrives, a review is triggered, and counting starts afresh after it, so a note reported again
later gets a new review, and rescanning the same reports finds the same triggers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from redline.ledger.entries import as_utc


def report_triggers(times: Iterable[datetime], threshold: int, window_hours: int) -> list[datetime]:
    """The moments at which reports (any order, duplicates allowed) trigger a review."""
    window = timedelta(hours=window_hours)
    triggers: list[datetime] = []
    pending: list[datetime] = []
    for moment in sorted(as_utc(t) for t in times):
        pending = [t for t in pending if t > moment - window]
        pending.append(moment)
        if len(pending) >= threshold:
            triggers.append(moment)
            pending = []
    return triggers
