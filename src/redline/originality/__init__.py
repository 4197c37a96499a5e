"""Originality (SPEC R-TXT-7): a near-duplicate index over earlier notes, the duplicate ratio
and originality of a text, and matching of re-submitted ad creatives (SPEC R-LED).

The core (`shingles`, `fingerprints`, `coverage`, `index`, `report`, `check`, `creatives`) is
pure; `redline.store.corpus` keeps the index on disk. `report_for_check` is the one entry point
that touches the data home, for `redline check` to fold the report into its output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from redline.originality.check import originality_report, originality_reports, query_index
from redline.originality.index import CorpusIndex, IndexParams, NoteInput, Segment
from redline.originality.report import MatchReport, OriginalityReport, build_report

if TYPE_CHECKING:
    from redline.home import DataHome

__all__ = [
    "CorpusIndex",
    "IndexParams",
    "MatchReport",
    "NoteInput",
    "OriginalityReport",
    "Segment",
    "build_report",
    "originality_report",
    "originality_reports",
    "query_index",
    "report_for_check",
]


def report_for_check(home: "DataHome", text: str, account_id: str | None, policy) -> dict | None:
    """The originality report (as JSON-ready dict) of `text` against the home's corpus index, or
    None when the home has no index. A damaged index raises `CorruptIndexError`."""
    from redline.store.corpus import CorpusStore, notes_dir  # adapter, imported at the edge only

    directory = notes_dir(home.corpus_dir)
    if not CorpusStore.exists(directory):
        return None
    store = CorpusStore.open(directory, IndexParams.from_policy(policy), create=False)
    return originality_report(store.index, text, account_id, policy).as_dict()
