"""Run every detector over a text: normalise once, scan once, dispatch hits, collect findings.

The vocabularies of all detectors are compiled into one Aho-Corasick automaton per policy, so
the word-list work for a text is a single pass in native code regardless of how many detectors
or words there are (Python `re` alternations collapse at thousands of words). When a text has
separators between Han characters (最 有 效), a compacted copy gets one more pass, and words found
only there are handed to the detectors with spans in the normalised text.
"""

from __future__ import annotations

import re

import ahocorasick_rs

from redline.checks.detector import Detector
from redline.checks.document import Document, Hit
from redline.checks.finding import CheckRequest, CheckResult, Finding, verdict_of
from redline.checks.registry import detector_factories
from redline.policy import Policy
from redline.policy.cache import PerPolicy
from redline.text.compact import HAN, compact_han_gaps
from redline.text.normalize import normalizer_for


class WeightedMatches:
    """The weighted detector's view of one scan: the sum of its weights over every match, and the
    raw matches (word id, start, end) to look through only when evidence is wanted."""

    __slots__ = ("total", "_matches", "_checker")

    def __init__(self, total: float, matches: list, checker: "Checker"):
        self.total = total
        self._matches = matches
        self._checker = checker

    def words(self) -> list[tuple[str, float, int, int]]:
        """(word, weight, start, end) of the weighted matches, in text order."""
        words, weight_of = self._checker._words, self._checker._weight_of
        return [(words[i], weight_of[i], s, e) for i, s, e in self._matches if weight_of[i]]


class Checker:
    """All detectors of one policy, compiled. Build once (`checker_for(policy)`), reuse."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.normalizer = normalizer_for(policy)
        self.detectors: list[Detector] = [factory(policy) for factory in detector_factories()]
        words: list[str] = []
        owners: list[list[tuple[int, object]]] = []  # per distinct word: (detector index, tag)
        word_index: dict[str, int] = {}
        for detector_index, detector in enumerate(self.detectors):
            for word, tag in detector.vocabulary():
                if not word:
                    continue
                if word not in word_index:
                    word_index[word] = len(words)
                    words.append(word)
                    owners.append([])
                owners[word_index[word]].append((detector_index, tag))
        # A detector may also weigh words (a linear model over n-grams): their matches come from
        # the same pass and are summed in C, never handed out one by one.
        weights: dict[int, float] = {}
        self._weighted_detector: int | None = None
        for detector_index, detector in enumerate(self.detectors):
            weighted_vocabulary = getattr(detector, "weighted_vocabulary", None)
            if weighted_vocabulary is None:
                continue
            if self._weighted_detector is not None:
                raise ValueError("only one detector may weigh words")
            self._weighted_detector = detector_index
            for word, weight in weighted_vocabulary():
                if word not in word_index:
                    word_index[word] = len(words)
                    words.append(word)
                    owners.append([])
                weights[word_index[word]] = weight
        self._weight_of = [weights.get(word_id, 0.0) for word_id in range(len(words))]
        self._words = words
        self._owners = owners
        self._automaton = ahocorasick_rs.AhoCorasick(words) if words else None
        # Han words that may also be spelled with separators between their characters (最 有 效),
        # for the detectors that want them (a detector opts out with `spaced = False`).
        han_word = re.compile(f"[{HAN}]{{2,}}")
        self._spaced_owners = [
            [(index, tag) for index, tag in word_owners if getattr(self.detectors[index], "spaced", True)]
            if han_word.fullmatch(word) else []
            for word, word_owners in zip(words, owners)
        ]
        self._separators = policy.text.spaced_separators
        self._max_run = policy.text.spaced_max_run

    def scan(self, text: str) -> tuple[list[list[Hit]], WeightedMatches | None]:
        """Hits per detector (index-aligned with `self.detectors`): the words as written, then
        Han words spelled with separators between their characters; and, for the detector that
        weighs words, the sum of its weights over all matches."""
        per_detector: list[list[Hit]] = [[] for _ in self.detectors]
        if self._automaton is None or not text:
            return per_detector, None if self._weighted_detector is None else WeightedMatches(0.0, [], self)
        words, owners = self._words, self._owners
        matches = self._automaton.find_matches_as_indexes(text, overlapping=True)
        weighted = None
        if self._weighted_detector is not None:
            weight_of = self._weight_of
            weighted = WeightedMatches(sum(map(weight_of.__getitem__, [m[0] for m in matches])), matches, self)
        for word_id, start, end in matches:
            word_owners = owners[word_id]
            if word_owners:
                word = words[word_id]
                for detector_index, tag in word_owners:
                    per_detector[detector_index].append(Hit(start, end, word, tag))
        compacted = compact_han_gaps(text, self._separators, self._max_run)
        if compacted is not None:
            compact, positions = compacted
            spaced_owners = self._spaced_owners
            for word_id, start, end in self._automaton.find_matches_as_indexes(compact, overlapping=True):
                word_owners = spaced_owners[word_id]
                if not word_owners:
                    continue
                o_start, o_end = int(positions[start]), int(positions[end - 1]) + 1
                if o_end - o_start == end - start:
                    continue  # written without separators: found above
                word = words[word_id]
                for detector_index, tag in word_owners:
                    per_detector[detector_index].append(Hit(o_start, o_end, word, tag))
        return per_detector, weighted

    @property
    def vocabulary_words(self) -> list[str]:
        """Every word of every detector, weighed words included (the sentiment model's
        n-grams): what a bare word-list scan would look for."""
        return list(self._words)

    def check_field(
        self, request: CheckRequest, text: str, field_name: str, scores: dict[str, float], carried: dict[str, object]
    ) -> list[Finding]:
        doc = Document(request, self.policy, self.normalizer.normalize(text), field_name, scores, carried=carried)
        hits, doc.weighted = self.scan(doc.text)
        for detector, detector_hits in zip(self.detectors, hits):
            doc.findings.extend(detector.detect(doc, detector_hits))
        return doc.findings

    def check(self, request: CheckRequest) -> CheckResult:
        notes: list[str] = []
        text = request.text
        limit = self.policy.checks.max_chars
        if len(text) > limit:
            notes.append(f"文本共 {len(text)} 字，超过上限 {limit} 字，只检查了前 {limit} 字。")
            text = text[:limit]
        scores: dict[str, float] = {}
        findings: list[Finding] = []
        carried: dict[str, object] = {}
        if request.title:
            # The title is checked on its own (its offsets are into the title), then the body,
            # which may count what the title's detectors carried over (`Document.carried`).
            findings.extend(self.check_field(request, request.title[:limit], "title", {}, carried))
        findings.extend(self.check_field(request, text, "text", scores, carried))
        findings.sort(key=lambda f: (f.field != "title", f.start, f.end, f.rule))
        return CheckResult(verdict_of(findings), tuple(findings), scores, self.policy.version, tuple(notes))


_CHECKERS: PerPolicy[Checker] = PerPolicy(Checker)


def checker_for(policy: Policy | None = None) -> Checker:
    """The compiled checker for a policy (built once per effective policy)."""
    return _CHECKERS.get(policy)


def check(request: CheckRequest, policy: Policy | None = None) -> CheckResult:
    return checker_for(policy).check(request)


def check_text(text: str, policy: Policy | None = None, **request_fields) -> CheckResult:
    """Convenience: `check_text("加我vx abc123", kind="comment")`."""
    return check(CheckRequest(text=text, **request_fields), policy)
