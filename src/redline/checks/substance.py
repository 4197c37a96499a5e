"""Information increment (SPEC R-TXT-6, 信息增量), for notes and ad creatives.

- Science notes (category, or enough science words in the text) must name a source: a title
  in 《》, a DOI or PMID, 参考文献, a journal or a named institution. Without one the note gets
  the −90 % traffic flag (`substance.science_no_source`); with one, an info finding says it
  qualifies for the science fund (`substance.science_sourced`).
- Review notes (category, or review words) that pile up product features without any
  personal-use detail (混干皮使用 3 天后 T 区出油减少) are low-information and demoted.
- Every note gets `scores["length"]` and `scores["density"]`:
  length  = characters of the normalised text that are not whitespace (emoji are already gone);
  density = informative characters ÷ non-whitespace characters of the original text, where
            informative means a letter, digit or ideograph that is not part of a filler word
            (哈哈, 家人们, 绝绝子) and not a repeat within a run (哈哈哈哈, 啊啊啊 count once).
  Below the policy's minimums a note gets `substance.short` / `substance.thin` (info).
Science and review words in the title (科普｜…, …测评) count with the body's: the engine checks the
title first and the body reads what the title carried over (`Document.carried`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache

import numpy as np

from redline.checks.document import Document, Hit
from redline.checks.finding import Finding
from redline.checks.wordhits import outermost
from redline.policy import Policy

_SCIENCE, _SOURCE, _REVIEW, _FEATURE, _FILLER = "science", "source", "review", "feature", "filler"


@cache
def _informative_table() -> np.ndarray:
    """For every code point: is it a letter, digit or ideograph (`[^\\W_]`, i.e. str.isalnum)?
    Built with one regex pass over all code points; looked up in bulk per text."""
    size = 0x110000
    table = np.zeros(size, dtype=bool)
    every_char = np.arange(size, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")
    for match in re.finditer(r"[^\W_]+", every_char):
        table[match.start() : match.end()] = True
    return table


def _non_whitespace(text: str) -> int:
    return len("".join(text.split()))


class SubstanceDetector:
    family = "substance"

    def __init__(self, policy: Policy):
        section = self.section = policy.checks.substance
        self.kinds = frozenset(section.kinds)  # the engine calls detect() only for these
        self.short_kinds = frozenset(section.short_kinds)
        self.science_categories = frozenset(c.lower() for c in section.science_categories)
        self.review_categories = frozenset(c.lower() for c in section.review_categories)
        self.source_patterns = [re.compile(p) for p in section.source_patterns]
        self.detail_patterns = [re.compile(p) for p in section.personal_detail_patterns]

    def vocabulary(self) -> Iterable[tuple[str, object]]:
        section = self.section
        for tag, words in (
            (_SCIENCE, section.science_words),
            (_SOURCE, section.source_words),
            (_REVIEW, section.review_words),
            (_FEATURE, section.feature_words),
            (_FILLER, section.filler_words),
        ):
            for word in words:
                yield word, tag

    # -- length and density -------------------------------------------------------------------

    def measure(self, doc: Document, fillers: Sequence[Hit]) -> tuple[int, float]:
        """(length, density) as defined above; counted in bulk, since every note passes here."""
        text = doc.text
        length = _non_whitespace(text)
        visible = _non_whitespace(doc.original)
        if not visible or not text:
            return length, 0.0
        codes = doc.normalized.code_points()
        informative = _informative_table()[codes]  # a fresh array: positions are struck out below
        # Filler words, and all but the first character of long runs of one character, do not
        # count.
        for hit in fillers:
            informative[hit.start : hit.end] = False
        for start, end in self._repeats(codes):
            informative[start:end] = False
        return length, min(1.0, int(np.count_nonzero(informative)) / visible)

    def _repeats(self, codes: np.ndarray) -> list[tuple[int, int]]:
        """[start, end) of all but the first character of each run of at least `repeat_run_min`
        identical characters (哈哈哈哈 → its last three)."""
        # same[k] = j: character j + 1 repeats character j. A run of n identical characters is
        # n − 1 consecutive values; texts hold few such pairs, so they are walked in Python.
        same = np.flatnonzero(codes[1:] == codes[:-1]).tolist()
        needed = self.section.repeat_run_min - 1
        spans: list[tuple[int, int]] = []
        first = 0
        while first < len(same):
            last = first
            while last + 1 < len(same) and same[last + 1] == same[last] + 1:
                last += 1
            if last - first + 1 >= needed:
                spans.append((same[first] + 1, same[last] + 2))
            first = last + 1
        return spans

    # -- findings --------------------------------------------------------------------------------

    def _has_source(self, doc: Document, hits: Sequence[Hit]) -> str | None:
        for hit in hits:
            if hit.tag == _SOURCE:
                return hit.word
        for pattern in self.source_patterns:
            match = pattern.search(doc.text)
            if match:
                return match.group(0)[:40]
        return None

    def _science(self, doc: Document, hits: Sequence[Hit], title_words: frozenset[str]) -> Finding | None:
        section = self.section
        category = (doc.request.category or "").lower()
        words = sorted({h.word for h in hits if h.tag == _SCIENCE} | title_words)
        if category in self.science_categories:
            why = f"类目为「{doc.request.category}」"
        elif len(words) >= section.science_min_words:
            why = f"含科普用语（{'、'.join(words[:5])}）"
        else:
            return None
        source = self._has_source(doc, hits)
        if source is not None:
            return doc.whole_text_finding(
                "substance.science_sourced",
                "info",
                evidence=f"科普笔记（{why}）标注了来源「{source}」。",
                advice="带文献的医学、天文等科普内容可申请科普创作基金的流量加热。",
            )
        return doc.whole_text_finding(
            "substance.science_no_source",
            "warning",
            evidence=f"科普笔记（{why}）没有标注参考文献或权威来源（《…杂志》、DOI、PMID、参考文献、权威机构）。",
            advice="在文末注明来源，例如「参考文献：《中华皮肤科杂志》2023 年第 5 期」、DOI 或 PMID，或写明发布数据的机构。",
            sanction=section.science_no_source_sanction,
        )

    def _review(self, doc: Document, hits: Sequence[Hit], title_review: bool) -> Finding | None:
        section = self.section
        category = (doc.request.category or "").lower()
        is_review = title_review or category in self.review_categories or any(h.tag == _REVIEW for h in hits)
        if not is_review:
            return None
        features = [h.word for h in outermost(h for h in hits if h.tag == _FEATURE)]
        if len(features) < section.feature_only_min:
            return None
        if any(pattern.search(doc.text) for pattern in self.detail_patterns):
            return None
        distinct = "、".join(dict.fromkeys(features))
        return doc.whole_text_finding(
            "substance.low_information",
            "warning",
            evidence=f"测评笔记罗列了 {len(features)} 处产品功能描述（{distinct}），没有个人使用细节（肤质、使用时长、前后变化）。",
            advice="补充自己的使用细节，例如「混干皮，使用 3 天后 T 区出油减少，两颊不紧绷」，比复述卖点更有信息量。",
            sanction=section.low_information_sanction,
        )

    def detect(self, doc: Document, hits: Sequence[Hit]) -> Iterable[Finding]:
        if doc.request.kind not in self.kinds:
            return []
        if doc.field_name == "title":
            science = frozenset(h.word for h in hits if h.tag == _SCIENCE)
            doc.carried[self.family] = (science, any(h.tag == _REVIEW for h in hits))  # counted with the body
            return []
        title_science, title_review = doc.carried.get(self.family, (frozenset(), False))
        section = self.section
        length, density = self.measure(doc, [h for h in hits if h.tag == _FILLER])
        doc.scores["length"] = float(length)
        doc.scores["density"] = round(density, 3)
        found = (self._science(doc, hits, title_science), self._review(doc, hits, title_review))
        findings = [f for f in found if f is not None]
        if doc.request.kind in self.short_kinds and length < section.min_chars:
            findings.append(
                doc.whole_text_finding(
                    "substance.short",
                    "info",
                    evidence=f"正文 {length} 字，少于 {section.min_chars} 字。",
                    advice="篇幅太短难以提供信息增量：补充具体场景、步骤或使用前后的变化。",
                )
            )
        if length and density < section.min_density:
            findings.append(
                doc.whole_text_finding(
                    "substance.thin",
                    "info",
                    evidence=f"信息密度 {density:.2f} 低于 {section.min_density:.2f}（表情、符号、语气词和重复字占比过高）。",
                    advice="减少表情、重复的语气词和符号，用具体信息替代。",
                )
            )
        return findings


def make_detector(policy: Policy) -> SubstanceDetector:
    return SubstanceDetector(policy)
