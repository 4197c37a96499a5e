"""Values review (SPEC R-TXT-4, 价值观审核): flaunting wealth (炫富), clickbait (标题党),
anxiety-making (制造焦虑, 35岁失业), and severe violations that ban the account on confirmation.

Word lists go through the shared scan; a few shapes with numbers in them (月入50万,
90%的人不知道, 40岁被裁) are regular expressions from the policy. Clickbait is a title problem:
in the title (checked as its own field) it is a violation, in the body a warning, and words that
are ordinary speech in a body (千万别买 in a complaint, 惊呆了) count in titles only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from redline.checks.document import Document, Hit
from redline.checks.finding import Finding
from redline.checks.wordhits import GatedPatterns, Nearby, select, spans
from redline.policy import Policy

KINDS = ("wealth", "clickbait", "anxiety", "severe")
_ALLOWED, _TOPIC, _TRADE = "allowed", "severe_topic", "trade_cue"
_EVIDENCE = {
    "wealth": "炫富表述「{word}」：平台价值观审核拦截炫耀财富、贬低他人消费能力的内容。",
    "clickbait": "标题党用语「{word}」：用夸张、恐吓或悬念骗取点击。",
    "anxiety": "制造焦虑的表述「{word}」：以年龄、外貌、收入等制造焦虑。",
    "severe": "严重违规内容「{word}」：经人工确认后账号将被封禁。",
}
_ADVICE = {
    "wealth": "去掉炫耀财富和「买不起别看」这类说法，聚焦物品本身的使用体验与适合人群。",
    "clickbait": "标题直接说清内容是什么（例如「油皮夏天持妆 8 小时的 3 个步骤」），不用「震惊」「必看」「99%的人不知道」。",
    "anxiety": "不用年龄、外貌、收入制造焦虑，换成可执行的具体建议（例如「转行前可以先做的 3 件事」）。",
    "severe": "删除相关内容；平台禁止涉及毒品、赌博、色情交易、代孕、枪支等内容。",
}


class ValuesDetector:
    family = "values"
    needs_hits = True  # no word of its lists in the text: nothing to find

    def __init__(self, policy: Policy):
        self.section = policy.checks.values
        section = self.section
        self.title_only = frozenset(section.clickbait_title_only)
        self.gates = [
            (kind, GatedPatterns(kind, getattr(section, f"{kind}_triggers"), getattr(section, f"{kind}_patterns")))
            for kind in ("wealth", "clickbait", "anxiety")
        ]

    def vocabulary(self) -> Iterable[tuple[str, object]]:
        for kind in KINDS:
            for word in getattr(self.section, kind):
                yield word, kind
        for word in self.section.clickbait_title_only:
            if word not in self.section.clickbait:
                yield word, "clickbait"
        for word in self.section.allowed:
            yield word, _ALLOWED
        for word in self.section.severe_topics:
            yield word, _TOPIC
        for word in self.section.severe_trade_cues:
            yield word, _TRADE
        for _kind, gate in self.gates:
            yield from gate.vocabulary()

    def _pattern_hits(self, text: str, hits: Sequence[Hit]) -> list[Hit]:
        return [
            Hit(match.start(), match.end(), match.group(0), kind)
            for kind, gate in self.gates
            for match in gate.finditer(text, hits)
        ]

    def _traded_topics(self, hits: Sequence[Hit]) -> list[Hit]:
        """Severe topics (毒品, 代孕) with a trade cue (出售, 包成功) close by, as severe hits."""
        topics = [h for h in hits if h.tag == _TOPIC]
        if not topics:
            return []
        cues = Nearby(h for h in hits if h.tag == _TRADE)
        if not cues:
            return []
        window = self.section.severe_window
        return [
            Hit(topic.start, topic.end, topic.word, "severe")
            for topic in topics
            if cues.around(topic.start, topic.end, window)
        ]

    def detect(self, doc: Document, hits: Sequence[Hit]) -> Iterable[Finding]:
        hits = list(hits)
        if not hits:
            return []
        in_title = doc.field_name == "title"
        candidates = [
            h for h in hits if h.tag in KINDS and (in_title or h.word not in self.title_only)
        ] + self._pattern_hits(doc.text, hits) + self._traded_topics(hits)
        if not candidates:
            return []
        allowed = spans(h for h in hits if h.tag == _ALLOWED)
        section = self.section
        findings = []
        for hit in select(doc.text, candidates, allowed):
            kind = hit.tag
            if kind == "severe":
                severity, sanction = "violation", section.severe_sanction
            elif kind == "clickbait" and in_title:
                severity, sanction = section.clickbait_title_severity, section.sanction
            else:
                severity, sanction = section.severity, section.sanction
            where = "标题中" if in_title else ""
            findings.append(
                doc.finding(
                    f"values.{kind}",
                    severity,
                    hit.start,
                    hit.end,
                    evidence=where + _EVIDENCE[kind].format(word=hit.word),
                    advice=_ADVICE[kind],
                    points=section.points,
                    sanction=sanction,
                )
            )
        return findings


def make_detector(policy: Policy) -> ValuesDetector:
    return ValuesDetector(policy)
