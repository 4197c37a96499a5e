"""The originality report of one text (SPEC R-TXT-7): duplicate ratio, originality, matches.

- `duplicate_ratio`: share of the text's content characters copied from OTHER accounts' earlier
  notes, all sources together (a note stitched from three notes gets the combined share).
- `self_duplicate_ratio`: share copied only from the same account's own earlier notes.
- `originality`: the share found in no earlier note at all.
- `low_quality`: duplicate ratio above the policy's threshold (with the self-duplicate share
  added when the policy counts re-posting one's own notes).
- `originality_bonus`: originality at least the policy's bar and content longer than its
  minimum length.

Shares are over content characters: letters, digits and Chinese characters after
normalisation; punctuation, whitespace and emoji do not count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from redline.originality.index import QueryResult, SourceMatch


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


@dataclass(frozen=True)
class MatchReport:
    note_id: str
    account_id: str
    overlap: float
    self_duplicate: bool
    spans: list[tuple[int, int]]  # in the checked text's ORIGINAL offsets

    def as_dict(self) -> dict:
        return {
            "note_id": self.note_id,
            "account_id": self.account_id,
            "overlap": self.overlap,
            "self_duplicate": self.self_duplicate,
            "spans": [list(span) for span in self.spans],
        }


@dataclass(frozen=True)
class OriginalityReport:
    duplicate_ratio: float
    self_duplicate_ratio: float
    originality: float
    content_chars: int
    matches: list[MatchReport]
    low_quality: bool
    originality_bonus: bool
    policy_version: str

    def as_dict(self) -> dict:
        return {
            "duplicate_ratio": self.duplicate_ratio,
            "originality": self.originality,
            "self_duplicate_ratio": self.self_duplicate_ratio,
            "content_chars": self.content_chars,
            "matches": [match.as_dict() for match in self.matches],
            "low_quality": self.low_quality,
            "originality_bonus": self.originality_bonus,
            "policy_version": self.policy_version,
        }


def _original_spans(result: QueryResult, match: SourceMatch) -> list[tuple[int, int]]:
    return [result.original_span(start, end) for start, end in match.passages.spans]


def build_report(result: QueryResult, account_id: str | None, policy) -> OriginalityReport:
    section = policy.originality
    length = result.content_chars
    copied_by_others = np.zeros(length, dtype=bool)
    copied_by_self = np.zeros(length, dtype=bool)
    matches: list[MatchReport] = []
    for match in result.matches:
        own = account_id is not None and match.account_id == account_id
        target = copied_by_self if own else copied_by_others
        target |= match.passages.mask
        matches.append(MatchReport(match.note_id, match.account_id, round(match.overlap, 4), own,
                                   _original_spans(result, match)))
    duplicate = int(np.count_nonzero(copied_by_others))
    self_only = int(np.count_nonzero(copied_by_self & ~copied_by_others))
    duplicate_ratio = _ratio(duplicate, length)
    self_ratio = _ratio(self_only, length)
    originality = _ratio(length - duplicate - self_only, length) if length else 1.0
    low_share = duplicate + (self_only if section.self_duplicate_counts_as_low_quality else 0)
    return OriginalityReport(
        duplicate_ratio=duplicate_ratio,
        self_duplicate_ratio=self_ratio,
        originality=originality,
        content_chars=length,
        matches=matches,
        low_quality=bool(length) and low_share / length > section.low_quality_duplicate_ratio,
        originality_bonus=originality >= section.bonus_min_originality and length > section.bonus_min_chars,
        policy_version=policy.version,
    )
