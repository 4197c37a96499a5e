"""Q1 originality through the originality part, when it is installed and the data home has a
corpus index; otherwise every note's originality is unknown (Q1 left out of the index)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

BATCH = 1_000


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
        """Originality (1 − duplicate share) of each text against earlier notes, or None. Texts
        go to the index a thousand at a time (one batched query); a batch the index refuses is
        retried text by text, so one bad text (too long…) only leaves its own value unknown."""
        if self.index is None or not texts:
            return [None] * len(texts)
        out: list[float | None] = []
        for start in range(0, len(texts), BATCH):
            chunk = slice(start, start + BATCH)
            try:
                out.extend(self._query(note_ids[chunk], texts[chunk], account_ids[chunk]))
            except Exception:
                for one in range(start, min(start + BATCH, len(texts))):
                    try:
                        out.extend(self._query([note_ids[one]], [texts[one]], [account_ids[one]]))
                    except Exception:
                        out.append(None)
        return out

    def _query(self, note_ids: Sequence[str], texts: Sequence[str], account_ids: Sequence[str]) -> list[float | None]:
        from redline.originality import originality_reports

        reports = originality_reports(self.index, list(texts), list(account_ids), self.policy, exclude_ids=list(note_ids))
        return [float(report.originality) if report.content_chars else None for report in reports]
