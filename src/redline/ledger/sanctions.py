"""Sanctions derived from the ledger: what is in force at any moment, and which entries caused it.

Everything here is a pure function of (entries, policy, at), so asking about a past date, or
replaying the same entries, always gives the same answer. Only deductions recorded by `at` and
not reversed by `at` count: reversing an entry lifts every sanction that depended on it at once
(and an escalation built on it falls back a step).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from redline.ledger.entries import Entry, as_utc, live_deductions
from redline.ledger.points import standing
from redline.policy.sections.ledger import LedgerPolicy, RuleConsequence, SanctionStep

SanctionKind = Literal["throttle", "mute", "remove", "ban", "commercial_restriction", "demotion", "watchlist"]

KIND_LABELS: dict[str, str] = {
    "throttle": "限流",
    "mute": "禁言",
    "remove": "下架",
    "ban": "封号",
    "commercial_restriction": "商业合作受限",
    "demotion": "降权",
    "watchlist": "观察名单",
}


@dataclass(frozen=True, slots=True)
class Sanction:
    kind: SanctionKind
    start: datetime
    end: datetime | None  # None = until further notice (permanent, or until the condition ends)
    because: tuple[int, ...]  # ledger entry ids
    reason: str  # Chinese
    rule: str  # the rules-table key, or the aggregate rule ("ledger.commercial_restriction"…)
    note_id: str | None = None  # None = the whole account
    percent: float | None = None  # throttles
    permanent: bool = False

    def in_force(self, at: datetime) -> bool:
        return self.start <= at and (self.end is None or at < self.end)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "because": list(self.because),
            "reason": self.reason,
            "rule": self.rule,
            "note_id": self.note_id,
            "percent": self.percent,
            "permanent": self.permanent,
        }


@dataclass(frozen=True, slots=True)
class CooperationNote:
    """A creator's note made in cooperation with a brand account (Note.brand_account_id)."""

    note_id: str
    brand_account_id: str


def sanctions_in_force(
    entries: Iterable[Entry],
    policy: LedgerPolicy,
    at: datetime,
    *,
    account_index: float | None = None,
    brand_entries: Mapping[str, Sequence[Entry]] | None = None,
    cooperation_notes: Sequence[CooperationNote] = (),
) -> list[Sanction]:
    """The sanctions on the account at `at`, most severe first."""
    at = as_utc(at)
    history = sanction_history(
        entries, policy, at, brand_entries=brand_entries, cooperation_notes=cooperation_notes
    )
    current = [s for s in history if s.in_force(at)]
    if account_index is not None and account_index < policy.watchlist_below_index:
        current.append(_watchlist(entries, policy, at, account_index))
    return sorted(current, key=_severity_order)


def sanction_history(
    entries: Iterable[Entry],
    policy: LedgerPolicy,
    at: datetime,
    *,
    brand_entries: Mapping[str, Sequence[Entry]] | None = None,
    cooperation_notes: Sequence[CooperationNote] = (),
) -> list[Sanction]:
    """Every sanction the ledger, as it stood at `at`, has imposed (ended ones included)."""
    at = as_utc(at)
    live = live_deductions(entries, at)
    sanctions: list[Sanction] = []
    sanctions += _per_entry(live, policy)
    sanctions += _commercial_restriction(live, policy)
    sanctions += _brand_linkage(brand_entries or {}, cooperation_notes, policy, at)
    return sorted(sanctions, key=lambda s: (s.start, s.because, s.kind, s.note_id or ""))


_ORDER = ["ban", "mute", "remove", "commercial_restriction", "demotion", "throttle", "watchlist"]


def _severity_order(s: Sanction) -> tuple:
    return (_ORDER.index(s.kind), s.start, s.because, s.note_id or "")


def offence_numbers(live: Sequence[Entry], policy: LedgerPolicy) -> dict[int, int]:
    """For each entry: 1 for a first offence of its rule within the history window before it
    (itself included), 2 for a second… Entries are grouped by rules-table key."""
    window = timedelta(days=policy.history_window_days)
    groups: dict[str | None, list[Entry]] = {}
    for entry in live:  # live is in ledger order
        groups.setdefault(policy.rule_key(entry.rule), []).append(entry)
    numbers: dict[int, int] = {}
    for group in groups.values():
        times = [e.created for e in group]
        for position, entry in enumerate(group):
            # entries before this one in the group, not older than the window
            numbers[entry.id] = position + 1 - bisect_right(times, entry.created - window, 0, position + 1)
    return numbers


def _per_entry(live: list[Entry], policy: LedgerPolicy) -> list[Sanction]:
    sanctions: list[Sanction] = []
    window = timedelta(days=policy.history_window_days)
    numbers = offence_numbers(live, policy)
    for entry in live:
        key = policy.rule_key(entry.rule)
        if key is None:
            continue
        consequence = policy.rules[key]
        if consequence.note and entry.note_id:
            sanctions.append(_note_sanction(entry, key, consequence, window))
        if consequence.account:
            n = numbers[entry.id]
            step = consequence.account[min(n, len(consequence.account)) - 1]
            if step.kind != "none":
                sanctions.append(_account_sanction(entry, key, consequence, step, n))
    return sanctions


def _note_sanction(entry: Entry, key: str, rule: RuleConsequence, window: timedelta) -> Sanction:
    if rule.note_permanent:
        end = None
    elif rule.note_days:
        end = entry.created + timedelta(days=rule.note_days)
    else:
        end = entry.created + window
    label = KIND_LABELS[rule.note]
    if rule.note == "throttle":
        what = f"笔记{label} {rule.note_percent:g}%"
    else:
        what = "笔记永久下架" if rule.note_permanent else f"笔记{label}"
    return Sanction(
        kind="throttle" if rule.note == "throttle" else "remove",
        start=entry.created,
        end=end,
        because=(entry.id,),
        reason=f"{rule.label}：{what}",
        rule=key,
        note_id=entry.note_id,
        percent=rule.note_percent if rule.note == "throttle" else None,
        permanent=rule.note_permanent,
    )


def _account_sanction(entry: Entry, key: str, rule: RuleConsequence, step: SanctionStep, n: int) -> Sanction:
    label = KIND_LABELS[step.kind]
    if step.days:
        end = entry.created + timedelta(days=step.days)
        what = f"{label} {step.days} 天" + (f"（{step.percent:g}%）" if step.kind == "throttle" else "")
    else:
        end = None
        what = f"永久{label}"
    ordinal = "首次违规" if n == 1 else f"第 {n} 次违规"
    return Sanction(
        kind=step.kind,  # type: ignore[arg-type]
        start=entry.created,
        end=end,
        because=(entry.id,),
        reason=f"{rule.label}：{ordinal}，{what}",
        rule=key,
        percent=step.percent if step.kind == "throttle" else None,
        permanent=end is None,
    )


def _commercial_restriction(live: list[Entry], policy: LedgerPolicy) -> list[Sanction]:
    """≥ N points deducted within any window → commercial cooperation restricted for D days.

    Each deduction that brings the window sum to the threshold starts (or extends) a
    restriction; overlapping restrictions merge into one whose `because` lists every entry of
    the windows that triggered it.
    """
    window = timedelta(days=policy.commercial_restriction_window_days)
    duration = timedelta(days=policy.commercial_restriction_days)
    counted = [e for e in live if e.points > 0]
    times = [e.created for e in counted]
    prefix = [0.0]
    for entry in counted:
        prefix.append(prefix[-1] + entry.points)
    # (start, end, index ranges of the triggering windows, largest window total)
    merged: list[tuple[datetime, datetime, list[tuple[int, int]], float]] = []
    for entry in counted:
        lo = bisect_right(times, entry.created - window)
        hi = bisect_right(times, entry.created)
        total = prefix[hi] - prefix[lo]
        if total < policy.commercial_restriction_points - 1e-9:
            continue
        start, end = entry.created, entry.created + duration
        if merged and start < merged[-1][1]:
            first, _, ranges, worst = merged[-1]
            ranges.append((lo, hi))
            merged[-1] = (first, end, ranges, max(worst, total))
        else:
            merged.append((start, end, [(lo, hi)], total))
    restrictions = []
    for start, end, ranges, total in merged:
        ids = sorted({counted[i].id for lo, hi in _union(ranges) for i in range(lo, hi)})
        restrictions.append((start, end, ids, round(total, 6)))
    return [
        Sanction(
            kind="commercial_restriction",
            start=start,
            end=end,
            because=tuple(ids),
            reason=(
                f"{policy.commercial_restriction_window_days} 天内累计扣 {total:g} 分"
                f"（≥ {policy.commercial_restriction_points:g} 分），"
                f"商业合作权限受限 {policy.commercial_restriction_days} 天"
            ),
            rule="ledger.commercial_restriction",
        )
        for start, end, ids, total in restrictions
    ]


def _union(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge half-open index ranges given in increasing order of their ends."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _brand_linkage(
    brand_entries: Mapping[str, Sequence[Entry]],
    cooperation_notes: Sequence[CooperationNote],
    policy: LedgerPolicy,
    at: datetime,
) -> list[Sanction]:
    linkage = policy.brand_linkage
    sanctions: list[Sanction] = []
    for note in cooperation_notes:
        entries = brand_entries.get(note.brand_account_id, ())
        for entry in live_deductions(entries, at):
            if entry.points <= 0 or entry.points < linkage.min_points:
                continue
            key = policy.rule_key(entry.rule)
            label = policy.rules[key].label if key else entry.rule
            sanctions.append(
                Sanction(
                    kind="throttle",
                    start=entry.created,
                    end=entry.created + timedelta(days=linkage.days),
                    because=(entry.id,),
                    reason=(
                        f"合作品牌 {note.brand_account_id} 因「{label}」被扣 {entry.points:g} 分，"
                        f"关联合作笔记连带限流 {linkage.throttle_percent:g}%，{linkage.days} 天"
                    ),
                    rule="ledger.brand_linkage",
                    note_id=note.note_id,
                    percent=linkage.throttle_percent,
                )
            )
    return sanctions


def _watchlist(entries: Iterable[Entry], policy: LedgerPolicy, at: datetime, index: float) -> Sanction:
    active = standing(entries, policy, at).active
    return Sanction(
        kind="watchlist",
        start=at,
        end=None,
        because=tuple(a.entry.id for a in active),
        reason=f"健康度指数 {index:.1f} 低于 {policy.watchlist_below_index:g}，列入观察名单（指数回升后解除）",
        rule="ledger.watchlist",
    )
