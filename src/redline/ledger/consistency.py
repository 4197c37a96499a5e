"""Reviewer consistency: how often a blind second review agrees with the first decision."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ReviewPair:
    item_id: int
    rule: str  # the rule the item is about ("" when none was suggested or confirmed)
    first_reviewer: str
    first_verdict: str
    first_rule: str | None
    second_reviewer: str
    second_verdict: str
    second_rule: str | None

    @property
    def agrees(self) -> bool:
        if self.first_verdict != self.second_verdict:
            return False
        # Two "violation" verdicts agree only when they name the same rule.
        return self.first_verdict != "violation" or (self.first_rule or "") == (self.second_rule or "")


def agreement(pairs: Iterable[ReviewPair]) -> dict[str, Any]:
    """Share of agreeing pairs overall, per first reviewer and per rule."""
    pairs = list(pairs)

    def summary(group: list[ReviewPair]) -> dict[str, Any]:
        agreed = sum(1 for p in group if p.agrees)
        return {"pairs": len(group), "agreed": agreed, "agreement": (agreed / len(group)) if group else None}

    by_reviewer: dict[str, list[ReviewPair]] = {}
    by_rule: dict[str, list[ReviewPair]] = {}
    for pair in pairs:
        by_reviewer.setdefault(pair.first_reviewer, []).append(pair)
        by_rule.setdefault(pair.rule or "（无）", []).append(pair)
    return {
        "overall": summary(pairs),
        "by_reviewer": {name: summary(group) for name, group in sorted(by_reviewer.items())},
        "by_rule": {rule: summary(group) for rule, group in sorted(by_rule.items())},
    }


def selected_for_second_review(item_key: str, share: float) -> bool:
    """A deterministic sample: the same item is always (or never) chosen for a second review."""
    import xxhash

    if share <= 0:
        return False
    return xxhash.xxh64_intdigest(item_key.encode("utf-8")) / 2**64 < share
