"""Ledger entries: the append-only facts every deduction, sanction and appeal is derived from.

An entry is never changed. A correction or a successful appeal is a new `reversal` entry naming
the entry it cancels; compliant behaviour that restores points is a `credit` entry. Points are
stored as magnitudes; `kind` says which way they count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

EntryKind = Literal["deduction", "reversal", "credit"]
ENTRY_KINDS: tuple[str, ...] = ("deduction", "reversal", "credit")
# algorithm: a detector finding accepted without review; report_review / review: a reviewer's
# decision; manual: an operator; appeal: an appeal decision; compliance: a recovery credit.
Source = Literal["algorithm", "report_review", "review", "manual", "appeal", "compliance"]
SOURCES: tuple[str, ...] = ("algorithm", "report_review", "review", "manual", "appeal", "compliance")


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    account_id: str
    kind: EntryKind
    rule: str
    points: float
    created: datetime
    note_id: str | None = None
    reverses: int | None = None
    source: str = "manual"
    reason: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict)
    policy_version: str = ""
    actor: str = ""
    seq: int = 0  # position in the account's ledger (1, 2, …)

    @property
    def signed_points(self) -> float:
        """The entry's effect on the account's deduction total as recorded (reversals undo)."""
        if self.kind == "deduction":
            return -self.points
        return self.points

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "seq": self.seq,
            "account_id": self.account_id,
            "kind": self.kind,
            "rule": self.rule,
            "points": self.points,
            "note_id": self.note_id,
            "reverses": self.reverses,
            "source": self.source,
            "reason": self.reason,
            "evidence": dict(self.evidence),
            "policy_version": self.policy_version,
            "actor": self.actor,
            "created": self.created.isoformat(),
        }


def as_utc(moment: datetime) -> datetime:
    """Aware UTC datetimes everywhere; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def in_order(entries: Iterable[Entry]) -> list[Entry]:
    """Ledger order: by time, ties broken by id (the order they were appended)."""
    return sorted(entries, key=lambda e: (e.created, e.id))


def known_at(entries: Iterable[Entry], at: datetime) -> list[Entry]:
    """The entries the ledger held at `at`, in ledger order."""
    return [e for e in in_order(entries) if e.created <= at]


def reversed_ids(entries: Iterable[Entry]) -> set[int]:
    return {e.reverses for e in entries if e.kind == "reversal" and e.reverses is not None}


def live_deductions(entries: Iterable[Entry], at: datetime) -> list[Entry]:
    """Deductions recorded by `at` and not reversed by `at` (expired ones included)."""
    visible = known_at(entries, at)
    cancelled = reversed_ids(visible)
    return [e for e in visible if e.kind == "deduction" and e.id not in cancelled]
