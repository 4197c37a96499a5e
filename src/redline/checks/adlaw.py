"""Absolute and prohibited advertising words (SPEC R-TXT-2, 广告法极限词).

最有效, 第一, 国家级, 100%有效, 彻底根治… are found with their context: an allowed phrase that
covers the word cancels it (最近, 最后, 唯一的缺点, 100%纯棉), 第一 followed by a measure word
is an ordinal (第一次, 第一天, 第一款), and a category may allow more (国家级 in a travel note).
In commercial content (product text, ad creatives, disclosed ads, marketing-heavy notes,
notes with a product attached) a hit is a violation; in an ordinary note, a warning.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from redline.checks.document import Document, Hit
from redline.checks.finding import Finding
from redline.checks.wordhits import select, spans
from redline.policy import Policy

_ABSOLUTE, _ALLOWED = "absolute", "allowed"


class AdlawDetector:
    family = "adlaw"
    needs_hits = True  # no word of its lists in the text: nothing to find

    def __init__(self, policy: Policy):
        self.section = policy.checks.adlaw
        self.ordinal_words = frozenset(self.section.ordinal_words)
        self.ordinal_measures = frozenset(self.section.ordinal_measures)
        self.separators = frozenset(policy.text.spaced_separators)
        self.max_gap = policy.text.spaced_max_run
        # Category-only allowances, by category (compared in lower case).
        self.category_allowed = {
            category.lower(): frozenset(words) for category, words in self.section.category_allowed.items()
        }

    def vocabulary(self) -> Iterable[tuple[str, object]]:
        for word in self.section.words:
            yield word, _ABSOLUTE
        for word in self.section.allowed:
            yield word, _ALLOWED
        for words in self.section.category_allowed.values():
            for word in words:
                yield word, ("category", word)

    def _allowed_spans(self, doc: Document, hits: Sequence[Hit]) -> list[tuple[int, int]]:
        allowed = spans(h for h in hits if h.tag == _ALLOWED)
        category = (doc.request.category or "").lower()
        category_words = self.category_allowed.get(category)
        if category_words:
            allowed += spans(h for h in hits if isinstance(h.tag, tuple) and h.word in category_words)
        return allowed

    def _is_ordinal(self, text: str, hit: Hit) -> bool:
        if hit.word not in self.ordinal_words:
            return False
        # The next character, looking past separators (第 一 次 is still 第一次; 第一. is a list).
        for char in text[hit.end : hit.end + self.max_gap + 1]:
            if char in self.ordinal_measures:
                return True
            if char not in self.separators:
                return False
        return False

    def detect(self, doc: Document, hits: Sequence[Hit]) -> Iterable[Finding]:
        text = doc.text
        hits = list(hits)
        if not hits:
            return []
        absolute = [h for h in hits if h.tag == _ABSOLUTE]
        if not absolute:
            return []
        live = select(text, absolute, self._allowed_spans(doc, hits))
        live = [h for h in live if not self._is_ordinal(text, h)]
        if not live:
            return []
        section = self.section
        commercial = doc.is_commercial
        severity = section.commercial_severity if commercial else section.ordinary_severity
        context = "商业内容（商品、广告、报备合作、挂车或营销强度高的笔记）" if commercial else "普通笔记"
        findings = []
        for hit in live:
            rewording = section.rewordings.get(hit.word)
            advice = (
                f"把「{hit.word}」改为「{rewording}」这类可核实的说法。"
                if rewording
                else section.default_advice.format(word=hit.word)
            )
            findings.append(
                doc.finding(
                    "adlaw.absolute",
                    severity,
                    hit.start,
                    hit.end,
                    evidence=f"绝对化用语「{hit.word}」（《广告法》禁用的极限词），出现在{context}中。",
                    advice=advice,
                    points=section.points if commercial else 0,
                    sanction=section.sanction if commercial else "",
                )
            )
        return findings


def make_detector(policy: Policy) -> AdlawDetector:
    return AdlawDetector(policy)
