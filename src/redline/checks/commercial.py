"""Commercial intent (SPEC R-TXT-5): a marketing-intensity score for every text, and the
unreported soft ad (未报备软广) — a note whose intensity passes the policy threshold without a
蒲公英 disclosure.

Intensity = 1 − exp(−Σ weight × count) over the evidence: brand names, prices, purchase calls,
coupons, links and an attached product. Each piece of evidence adds to the score, none alone
saturates it, and a signal counts at most `max_count_per_signal` times, so one brand named ten
times in a comparison review is not an advert. A complaint (差评, 退货…) talks about prices and
gifts too, but is no advert: its intensity is multiplied by `complaint_discount`.

A note's title and body are one text to its readers: the title (checked first, as its own field)
gets its own score, and the body's score — the one reported for the note — counts the title's
evidence too; a disclosure in either place counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from redline.checks.document import Document, Hit
from redline.checks.finding import Finding
from redline.checks.wordhits import GatedPatterns, select, spans
from redline.policy import Policy

# Word-list signals (the tag of their vocabulary words), then the pattern signals.
WORD_SIGNALS = ("brand", "purchase_call", "coupon")
SIGNAL_LABELS = {
    "brand": "品牌",
    "price": "价格",
    "purchase_call": "购买号召",
    "coupon": "优惠",
    "link": "链接",
    "product_attached": "挂车商品",
}
_DISCLOSURE, _NOT_DISCLOSURE, _NOT_MARKETING, _COMPLAINT = "disclosure", "not_disclosure", "not_marketing", "complaint"
# Tags whose words are no marketing signal themselves: a text with only these has no evidence.
_NOT_SIGNALS = frozenset({_DISCLOSURE, _NOT_DISCLOSURE, _NOT_MARKETING, _COMPLAINT})


@dataclass(frozen=True, slots=True)
class MarketingEvidence:
    counts: dict[str, int]  # signal → occurrences (capped)
    examples: dict[str, list[str]]  # signal → the words found, in order, distinct
    score: float
    complaint: str | None = None  # the complaint word that discounted the score, if any

    def describe(self) -> str:
        parts = []
        for signal, label in SIGNAL_LABELS.items():
            count = self.counts.get(signal, 0)
            if count:
                words = "、".join(self.examples.get(signal, [])[:4])
                parts.append(f"{label}×{count}" + (f"（{words}）" if words else ""))
        described = "；".join(parts) if parts else "无营销信号"
        if self.complaint:
            described += f"；含投诉用语「{self.complaint}」，强度打折"
        return described


_NO_EVIDENCE = MarketingEvidence({}, {}, 0.0)  # shared: evidence is never modified once made


class CommercialDetector:
    family = "commercial"

    def __init__(self, policy: Policy):
        self.policy = policy
        self.section = policy.checks.commercial
        self.price = GatedPatterns("price", self.section.price_triggers, self.section.price_patterns)
        self.link = GatedPatterns("link", self.section.link_triggers, self.section.link_patterns)

    def vocabulary(self) -> Iterable[tuple[str, object]]:
        section = self.section
        for tag, words in (
            ("brand", section.brands),
            ("purchase_call", section.purchase_calls),
            ("coupon", section.coupons),
            (_DISCLOSURE, section.disclosure_words),
            (_NOT_DISCLOSURE, section.not_disclosure),
            (_NOT_MARKETING, section.not_marketing),
            (_COMPLAINT, section.complaint_words),
        ):
            for word in words:
                yield word.lower(), tag
        yield from self.price.vocabulary()
        yield from self.link.vocabulary()

    def evidence(self, doc: Document, hits: Sequence[Hit]) -> MarketingEvidence:
        """The marketing signals in one text and the intensity they add up to."""
        if not doc.request.product_attached:
            # Most texts with hits hold only a complaint word (退货, 差评): no signal to count.
            for hit in hits:
                if hit.tag not in _NOT_SIGNALS:
                    break
            else:
                return _NO_EVIDENCE
        by_tag: dict[object, list[Hit]] = {}
        for hit in hits:
            by_tag.setdefault(hit.tag, []).append(hit)
        cap = self.section.max_count_per_signal
        counts: dict[str, int] = {}
        examples: dict[str, list[str]] = {}
        word_hits = [h for signal in WORD_SIGNALS for h in by_tag.get(signal, ())]
        if word_hits:
            not_marketing = spans(by_tag.get(_NOT_MARKETING, ()))
            for hit in select(doc.text, word_hits, not_marketing):
                counts[hit.tag] = counts.get(hit.tag, 0) + 1
                seen = examples.setdefault(hit.tag, [])
                if hit.word not in seen:
                    seen.append(hit.word)
        for signal, gated in (("price", self.price), ("link", self.link)):
            if gated.tag not in by_tag:
                continue  # no trigger word: the patterns cannot match
            for match in gated.run(doc.text):
                counts[signal] = counts.get(signal, 0) + 1
                seen = examples.setdefault(signal, [])
                if match.group(0)[:30] not in seen:
                    seen.append(match.group(0)[:30])
                if counts[signal] >= cap:
                    break
        if doc.request.product_attached:
            counts["product_attached"] = 1
        complaints = by_tag.get(_COMPLAINT)
        return self._scored(counts, examples, complaints[0].word if complaints else None)

    def _scored(self, counts: dict[str, int], examples: dict[str, list[str]], complaint: str | None) -> MarketingEvidence:
        if not counts:
            return _NO_EVIDENCE
        cap = self.section.max_count_per_signal
        weights = self.section.weights
        counts = {signal: min(count, cap) for signal, count in counts.items()}
        total = sum(getattr(weights, signal) * count for signal, count in counts.items())
        score = 1.0 - math.exp(-total)
        if complaint is not None:
            score *= self.section.complaint_discount
        return MarketingEvidence(counts, examples, round(score, 4), complaint)

    def combined(self, title: MarketingEvidence, body: MarketingEvidence) -> MarketingEvidence:
        """The evidence of a note's title and body together (the note is one text to readers)."""
        counts = dict(body.counts)
        for signal, count in title.counts.items():
            # An attached product is one fact about the note, not one per field.
            counts[signal] = max(counts.get(signal, 0), count) if signal == "product_attached" else counts.get(signal, 0) + count
        examples = {signal: list(words) for signal, words in title.examples.items()}
        for signal, words in body.examples.items():
            merged = examples.setdefault(signal, [])
            merged.extend(word for word in words if word not in merged)
        return self._scored(counts, examples, body.complaint or title.complaint)

    def disclosure(self, doc: Document, hits: Sequence[Hit]) -> str | None:
        """The disclosure word the text carries (not one inside 非广告 / 广告法), if any."""
        denied = spans(h for h in hits if h.tag == _NOT_DISCLOSURE)
        found = select(doc.text, (h for h in hits if h.tag == _DISCLOSURE), denied)
        return found[0].word if found else None

    def detect(self, doc: Document, hits: Sequence[Hit]) -> Iterable[Finding]:
        evidence = self.evidence(doc, hits)
        if doc.field_name == "title":
            doc.scores["marketing"] = evidence.score  # the title's own (its absolute words read it)
            doc.carried[self.family] = (evidence, self.disclosure(doc, hits))  # counted with the body
            return []
        title_disclosure = None
        carried = doc.carried.get(self.family)
        if carried is not None:
            title_evidence, title_disclosure = carried
            evidence = self.combined(title_evidence, evidence)
        doc.scores["marketing"] = evidence.score
        section = self.section
        if (
            doc.request.kind not in section.soft_ad_kinds
            or evidence.score < section.soft_ad_threshold
            or len(evidence.counts) < section.soft_ad_min_signals
            or doc.request.disclosed
            or title_disclosure is not None
        ):
            return []
        disclosure_word = self.disclosure(doc, hits)
        if disclosure_word is not None:
            return []
        return [
            doc.whole_text_finding(
                "commercial.soft_ad",
                "violation",
                evidence=(
                    f"营销强度 {evidence.score:.2f} ≥ 阈值 {section.soft_ad_threshold:.2f}，"
                    f"且未报备（无蒲公英标注，正文也没有「广告」「品牌合作」等声明）。"
                    f"营销信号：{evidence.describe()}"
                ),
                advice=(
                    "品牌合作内容请通过蒲公英平台报备并标注「广告」；若是自发分享，"
                    "去掉价格、优惠券、购买链接和「闭眼入」「快去买」等购买号召，多写自己的使用过程。"
                ),
                points=section.points,
                sanction=section.sanction,
            )
        ]


def make_detector(policy: Policy) -> CommercialDetector:
    return CommercialDetector(policy)
