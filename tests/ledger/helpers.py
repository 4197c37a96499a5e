"""Building ledger entries for tests of the pure core."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redline.ledger.entries import Entry

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


class Ledger:
    """An in-memory ledger that hands out ids like the store does."""

    def __init__(self, account: str = "a1"):
        self.account = account
        self.entries: list[Entry] = []

    def _add(self, **fields) -> Entry:
        entry = Entry(id=len(self.entries) + 1, account_id=self.account, seq=len(self.entries) + 1, **fields)
        self.entries.append(entry)
        return entry

    def violation(self, rule: str, at: datetime, points: float, note: str | None = None) -> Entry:
        return self._add(kind="deduction", rule=rule, points=points, created=at, note_id=note)

    def credit(self, at: datetime, points: float = 1.0) -> Entry:
        return self._add(kind="credit", rule="recovery.quality_note", points=points, created=at)

    def reverse(self, entry: Entry, at: datetime) -> Entry:
        return self._add(kind="reversal", rule=entry.rule, points=entry.points, created=at, reverses=entry.id)
