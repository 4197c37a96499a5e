"""Report-triggered review: when a note's valid reports reach the threshold within the window.

Reports are scanned in time order; the moment the N-th report inside a window of W hours
arrives, a review is triggered, and counting starts afresh after it, so a note reported again
later gets a new review, and rescanning the same reports finds the same triggers. A reporter
counts once per window (five reports from one user are one report); reports without a known
reporter ("") each count.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from redline.ledger.entries import as_utc


def report_triggers(
    reports: Iterable[datetime | tuple[datetime, str]], threshold: int, window_hours: int
) -> list[datetime]:
    """The moments at which reports — times, or (time, reporter) pairs — trigger a review."""
    window = timedelta(hours=window_hours)
    rows = sorted(
        (as_utc(r[0]), str(r[1] or "")) if isinstance(r, tuple) else (as_utc(r), "") for r in reports
    )
    triggers: list[datetime] = []
    pending: list[tuple[datetime, str]] = []
    for moment, reporter in rows:
        pending = [(t, who) for t, who in pending if t > moment - window]
        pending.append((moment, reporter))
        named = {who for _, who in pending if who}
        anonymous = sum(1 for _, who in pending if not who)
        if len(named) + anonymous >= threshold:
            triggers.append(moment)
            pending = []
    return triggers
