"""Re-submitted ad creatives (SPEC R-LED): a creative close enough to one already reviewed is
matched to it, and a near-copy of a REJECTED creative inherits that decision and its reason
instead of taking another chance with a different reviewer.

Similarity of two creatives is the share of their content, both together, that is copied
between them: (characters of the new one found in the old + characters of the old one found in
the new) / (both lengths). It is 1.0 for identical texts, stays high for light edits (a word
swapped, emoji or punctuation added, traditional characters), and falls as new material is
added or old material removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from redline.originality.index import QueryResult, SourceMatch


def creative_similarity(match: SourceMatch, content_chars: int) -> float:
    """Similarity of a checked creative and an earlier one (a symmetric query's match)."""
    whole = content_chars + match.source_chars
    if not whole:
        return 0.0
    copied_here = match.overlap * content_chars
    copied_there = (match.source_overlap or 0.0) * match.source_chars
    return (copied_here + copied_there) / whole


@dataclass(frozen=True)
class CreativeMatch:
    creative_id: str
    similarity: float
    decision: str
    reason: str
    decided_at: str | None
    spans: list[tuple[int, int]]  # copied passages in the checked creative's ORIGINAL offsets

    def as_dict(self) -> dict:
        return {
            "creative_id": self.creative_id,
            "similarity": round(self.similarity, 4),
            "decision": self.decision,
            "reason": self.reason,
            "decided_at": self.decided_at,
            "spans": [list(span) for span in self.spans],
        }


@dataclass(frozen=True)
class CreativeVerdict:
    """`inherited` is the most similar rejected creative within the threshold, if any."""

    matches: list[CreativeMatch]
    inherited: CreativeMatch | None
    threshold: float
    policy_version: str

    def as_dict(self) -> dict:
        return {
            "matched": bool(self.matches),
            "inherited_decision": self.inherited.decision if self.inherited else None,
            "inherited_reason": self.inherited.reason if self.inherited else None,
            "inherited_from": self.inherited.creative_id if self.inherited else None,
            "threshold": self.threshold,
            "matches": [match.as_dict() for match in self.matches],
            "policy_version": self.policy_version,
        }


def creative_verdict(result: QueryResult, decisions: Mapping[str, Mapping], policy) -> CreativeVerdict:
    """Match a checked creative (a symmetric query of the creatives index) against reviewed ones.
    `decisions[creative_id]` holds the decision in force: decision, reason, decided_at."""
    threshold = policy.originality.creative_similarity
    matches: list[CreativeMatch] = []
    for match in result.matches:
        decision = decisions.get(match.note_id)
        if decision is None:  # indexed but no decision stored (e.g. a crash between the two)
            continue
        similarity = creative_similarity(match, result.content_chars)
        if similarity < threshold:
            continue
        spans = [result.original_span(start, end) for start, end in match.passages.spans]
        matches.append(CreativeMatch(match.note_id, similarity, decision["decision"], decision.get("reason", ""),
                                     decision.get("decided_at"), spans))
    matches.sort(key=lambda m: -m.similarity)
    inherited = next((m for m in matches if m.decision == "rejected"), None)
    return CreativeVerdict(matches, inherited, threshold, policy.version)
