"""Originality reports for texts against an index (pure: the index is already in memory)."""

from __future__ import annotations

from collections.abc import Sequence

from redline.errors import InputError
from redline.originality.index import CorpusIndex, QueryResult
from redline.originality.report import OriginalityReport, build_report
from redline.text.normalize import normalizer_for


def query_index(
    index: CorpusIndex,
    texts: Sequence[str],
    policy,
    *,
    exclude_ids: Sequence[str | None] | None = None,
    symmetric: bool = False,
) -> list[QueryResult]:
    """Verified matches of each text; `exclude_ids[i]`: a note never to report for text i."""
    section = policy.originality
    for text in texts:
        if len(text) > section.max_text_chars:
            raise InputError(f"文本过长（{len(text)} 字符），上限为 {section.max_text_chars} 字符")
    return index.query(
        texts,
        normalizer_for(policy),
        gap=section.passage_gap_chars,
        shift=section.passage_shift_chars,
        min_chars=section.min_copied_chars,
        max_candidates=section.max_candidates,
        max_postings=section.max_postings,
        rare_notes=section.rare_fingerprint_notes,
        exclude_ids=exclude_ids,
        symmetric=symmetric,
    )


def originality_reports(
    index: CorpusIndex,
    texts: Sequence[str],
    account_ids: Sequence[str | None],
    policy,
    *,
    exclude_ids: Sequence[str | None] | None = None,
) -> list[OriginalityReport]:
    """One report per text; `account_ids[i]` is the author of text i (None when unknown, so
    nothing counts as self-duplication)."""
    results = query_index(index, texts, policy, exclude_ids=exclude_ids)
    return [build_report(result, account, policy) for result, account in zip(results, account_ids)]


def originality_report(index: CorpusIndex, text: str, account_id: str | None, policy, *,
                       exclude_id: str | None = None) -> OriginalityReport:
    """The report of one text; `exclude_id`: its own id when it is already in the index."""
    return originality_reports(index, [text], [account_id], policy, exclude_ids=[exclude_id])[0]
