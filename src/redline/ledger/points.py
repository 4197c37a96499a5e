"""Points in force: unexpired, unreversed deductions, less what compliant behaviour restored.

A deduction counts from the moment it is recorded until the history window has passed
(`created + history_window_days`, exclusive). Recovery credits restore points gradually: each
credit restores up to `points_per_credit`, at most `max_points` within any `window_days`, and
always pays back the oldest deduction still counting at the credit's time (no banking: a credit
with nothing to restore is spent). A reversal removes its deduction from the whole computation,
so reversing restores the points at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from redline.ledger.entries import Entry, as_utc, known_at, reversed_ids
from redline.policy.sections.ledger import LedgerPolicy


@dataclass(frozen=True, slots=True)
class ActiveDeduction:
    entry: Entry
    restored: float  # paid back by recovery credits
    stops_counting: datetime

    @property
    def remaining(self) -> float:
        return self.entry.points - self.restored

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.entry.id,
            "rule": self.entry.rule,
            "points": self.entry.points,
            "remaining": round(self.remaining, 6),
            "restored": round(self.restored, 6),
            "note_id": self.entry.note_id,
            "created": self.entry.created.isoformat(),
            "stops_counting": self.stops_counting.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Standing:
    at: datetime
    points: float
    active: tuple[ActiveDeduction, ...]
    restored: float  # total restored by credits among the deductions still counting

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "points_in_force": round(self.points, 6),
            "restored": round(self.restored, 6),
            "active": [a.to_dict() for a in self.active],
        }


def expires_at(entry: Entry, policy: LedgerPolicy) -> datetime:
    return entry.created + timedelta(days=policy.history_window_days)


def standing(entries: Iterable[Entry], policy: LedgerPolicy, at: datetime) -> Standing:
    """The account's points in force at `at`, from its entries (any order)."""
    at = as_utc(at)
    visible = known_at(entries, at)
    cancelled = reversed_ids(visible)
    deductions = [e for e in visible if e.kind == "deduction" and e.id not in cancelled and e.points > 0]
    credits = [e for e in visible if e.kind == "credit" and e.id not in cancelled]
    restored = _apply_credits(deductions, credits, policy)
    active = tuple(
        ActiveDeduction(entry=e, restored=restored.get(e.id, 0.0), stops_counting=expires_at(e, policy))
        for e in deductions
        if expires_at(e, policy) > at
    )
    points = sum(a.remaining for a in active)
    return Standing(at=at, points=max(points, 0.0), active=active, restored=sum(a.restored for a in active))


def _apply_credits(deductions: list[Entry], credits: list[Entry], policy: LedgerPolicy) -> dict[int, float]:
    recovery = policy.recovery
    window = timedelta(days=recovery.window_days)
    restored: dict[int, float] = {}
    applied: list[tuple[datetime, float]] = []  # (credit time, amount actually restored)
    for credit in credits:
        t = credit.created
        used_in_window = sum(amount for when, amount in applied if when > t - window)
        budget = min(credit.points, recovery.max_points - used_in_window)
        spent = 0.0
        for deduction in deductions:  # oldest first
            if budget - spent <= 1e-12:
                break
            if not (deduction.created <= t < expires_at(deduction, policy)):
                continue
            open_points = deduction.points - restored.get(deduction.id, 0.0)
            if open_points <= 1e-12:
                continue
            pay = min(open_points, budget - spent)
            restored[deduction.id] = restored.get(deduction.id, 0.0) + pay
            spent += pay
        if spent > 0:
            applied.append((t, spent))
    return restored
