"""Q1 originality through the originality part, when it is installed and the data home has a
corpus index; otherwise every note's originality is unknown (Q1 left out of the index)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class OriginalityLookup:
    def __init__(self, home: Any, policy: Any):
        self.policy = policy
        self.index = None
        if home is None:
            return
        try:
            from redline.originality import IndexParams
            from redline.store.corpus import CorpusStore, notes_dir
        except ImportError:
            return
        directory = notes_dir(home.corpus_dir)
        if not CorpusStore.exists(directory):
            return
        self.index = CorpusStore.open(directory, IndexParams.from_policy(policy), create=False).index

    @property
    def available(self) -> bool:
        return self.index is not None

    def originality(self, note_ids: Sequence[str], texts: Sequence[str], account_ids: Sequence[str]) -> list[float | None]:
        """Originality (1 − duplicate share) of each text against earlier notes, or None."""
        if self.index is None or not texts:
            return [None] * len(texts)
        from redline.originality import originality_reports

        out: list[float | None] = []
        for note_id, body, account_id in zip(note_ids, texts, account_ids):
            try:
                report = originality_reports(self.index, [body], [account_id], self.policy, exclude_ids=[note_id])[0]
            except Exception:  # a text the index refuses (too long…) has unknown originality
                out.append(None)
                continue
            out.append(float(report.originality) if report.content_chars else None)
        return out
